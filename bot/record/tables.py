"""What every format of the summary record shows alike: the meeting's facts, the participation
figures, the count tables (by kind, item, classification and week), the decisions and the
roster, with times in the meeting's time zone.  Plain values: the Markdown and HTML templates
and the workbook lay them out, each in its own way.

Every word and date is in the active language (bot/views/i18n.py): English writes dates as
`2020-07-18 10:00 CEST`, other languages as they write them (Babel: `18 juil. 2020 10:00 CEST`).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeAlias

from bot.domain.summary import CLASSIFICATIONS, KINDS, DecisionEntry, ItemEntry, SummaryRecord
from bot.record.charts import item_counts, meeting_weeks, week_counts
from bot.record.languages import (
    author_kind,
    delegation_name,
    kind_word,
    local_day,
    written_moment,
)
from bot.views.i18n import _
from bot.views.labels import (
    CLASSIFICATION_LABELS,
    COMMENT_KIND_LABELS,
    decision_label,
    procedure_label,
)

Cell: TypeAlias = str | int  # a number (right-aligned, summed) or a text; a bool counts as int


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[Cell]]
    totals: list[Cell] | None = None  # "" where a totals cell stays empty

    @property
    def numeric(self) -> list[bool]:
        """Per column: every row holds a number there (Markdown right-aligns those)."""
        return [
            bool(self.rows) and all(isinstance(row[i], int) for row in self.rows)
            for i in range(len(self.header))
        ]


def aware(moment: datetime) -> datetime:
    # The database keeps UTC; SQLite hands it back naive.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def local(record: SummaryRecord, moment: datetime | None, *, missing: str | None = None) -> str:
    """A moment as the record shows it: in the meeting's time zone, to the minute, as the active
    language writes it; `missing` (else "not set") when there is none."""
    if moment is None:
        return _("not set") if missing is None else missing
    return written_moment(aware(moment), record.timezone)


def _dates(record: SummaryRecord) -> str:
    first = local(record, record.first_opening, missing=_("not scheduled"))
    last = local(record, record.last_deadline, missing=_("not scheduled"))
    return _("{first} to {last} ({timezone})", first=first, last=last, timezone=record.timezone)


def _names(names: list[str]) -> str:
    return ", ".join(names) if names else _("none")


def decision_kind(decision: DecisionEntry) -> str:
    return decision_label(decision.kind)


def procedure(decision: DecisionEntry) -> str:
    return procedure_label(decision.procedure)


def facts(record: SummaryRecord) -> list[tuple[str, str]]:
    return [
        (_("Meeting"), record.title),
        (_("Key"), record.key),
        (_("Dates"), _dates(record)),
        (_("Time zone"), record.timezone),
        (_("Chair"), _names([record.name(user) for user in record.chair])),
        (_("Secretariat"), _names([record.name(user) for user in record.secretariat])),
        (_("Channel"), f"#{record.channel_name}" if record.channel_name else record.channel),
        (_("Closed"), local(record, record.closed_at, missing=_("not closed"))),
        (_("Record generated"), local(record, record.generated_at)),
    ]


def participation(record: SummaryRecord) -> list[tuple[str, str | int]]:
    f = record.figures
    members, observers = len(f.members_taking_part), len(f.observers_taking_part)
    return [
        (_("Registered participants"), f.registered),
        (_("Participants who took part"), f.took_part),
        (
            _("Member delegations that took part"),
            _(
                "{count} of {total}: {names}",
                count=members,
                total=f.member_delegations,
                names=_names(f.members_taking_part),
            ),
        ),
        (
            _("Observer delegations that took part"),
            _(
                "{count} of {total}: {names}",
                count=observers,
                total=f.observer_delegations,
                names=_names(f.observers_taking_part),
            ),
        ),
        (_("Delegations that took part, in all"), members + observers),
        (_("Comments (withdrawn not included)"), f.comments),
        (_("Withdrawn comments (counted apart)"), f.withdrawn),
        (_("Edited comments"), f.edited),
        (_("Late comments"), f.late),
        (_("Replies kept aside (not on the roster)"), f.kept_aside),
    ]


def _kind_row(counts: dict[str, int]) -> list[Cell]:
    values = [counts.get(kind, 0) for kind in KINDS]
    return [*values, sum(values)]


def _with_totals(header: list[str], rows: list[list[Cell]]) -> Table:
    """The totals row sums every column after the first two (a label and a title or date)."""
    totals: list[Cell] = [_("Total"), ""]
    totals += [sum(int(row[i]) for row in rows) for i in range(2, len(header))]
    return Table(header, rows, totals)


def kind_table(record: SummaryRecord) -> Table:
    by_kind = record.figures.by_kind
    rows: list[list[Cell]] = [[author_kind(k), by_kind.get(k, 0)] for k in KINDS]
    return Table([_("Kind"), _("Comments")], rows, [_("Total"), sum(int(row[1]) for row in rows)])


def item_table(record: SummaryRecord) -> Table:
    """Item x kind: item, title, kinds..., total, withdrawn."""
    withdrawn = {item.number: item.withdrawn for item in record.items}
    header = [_("Item"), _("Title"), *(author_kind(k) for k in KINDS), _("Total"), _("Withdrawn")]
    rows: list[list[Cell]] = [
        [number, title, *_kind_row(counts), withdrawn.get(number, 0)]
        for number, title, counts in item_counts(record)
    ]
    return _with_totals(header, rows)


def classified_counts(item: ItemEntry) -> dict[str, int]:
    if item.classified:
        return item.classified
    counts = dict.fromkeys(CLASSIFICATIONS, 0)
    for comment in item.comments:
        if comment.status == "active":
            kind = comment.comment_kind or ""
            counts[kind if kind in COMMENT_KIND_LABELS else "unclassified"] += 1
    return counts


def classification_table(record: SummaryRecord) -> Table:
    """Item x classification of the active comments."""
    classes = [_(CLASSIFICATION_LABELS[k]) for k in CLASSIFICATIONS]
    header = [_("Item"), _("Title"), *classes, _("Total")]
    rows: list[list[Cell]] = []
    for item in record.items:
        counts = classified_counts(item)
        values = [counts.get(k, 0) for k in CLASSIFICATIONS]
        rows.append([item.number, item.title, *values, sum(values)])
    return _with_totals(header, rows)


def week_table(record: SummaryRecord) -> Table:
    """Week x kind: week, local start, kinds..., total."""
    header = [_("Week"), _("Starts"), *(author_kind(k) for k in KINDS), _("Total")]
    rows: list[list[Cell]] = []
    for week in meeting_weeks(record):
        start = record.week_starts.get(week)
        starts = local_day(start) if start is not None else ""
        week_name = _("Week {number}", number=week)
        rows.append([week_name, starts, *_kind_row(week_counts(record, week))])
    return _with_totals(header, rows)


def decision_table(record: SummaryRecord) -> Table:
    """The decision in force on each item that has one."""
    rows: list[list[Cell]] = [
        [item.number, item.title, decision_kind(d), procedure(d), local(record, d.decided_at)]
        for item in record.items
        if (d := item.decision) is not None
    ]
    return Table([_("Item"), _("Title"), _("Decision"), _("Procedure"), _("Decided")], rows)


def roster_table(record: SummaryRecord) -> Table:
    rows: list[list[Cell]] = [
        [
            delegation_name(r.delegation, r.kind),
            kind_word(r.kind),
            r.name or r.user,
            r.email or "",
            _("yes") if r.took_part else _("no"),
        ]
        for r in record.roster
    ]
    # People by name (their Slack user id only when no name is known); the XLSX has both.
    header = [_("Delegation"), _("Kind"), _("Name"), _("E-mail"), _("Took part")]
    return Table(header, rows)
