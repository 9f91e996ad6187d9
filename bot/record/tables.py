"""What every format of the summary record shows alike: the meeting's facts, the participation
figures, the count tables (by kind, item, classification and week), the decisions and the
roster, with times in the meeting's time zone.  Plain values: the Markdown and HTML templates
and the workbook lay them out, each in its own way.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeAlias
from zoneinfo import ZoneInfo

from bot.domain.summary import CLASSIFICATIONS, KINDS, DecisionEntry, ItemEntry, SummaryRecord
from bot.record.charts import item_counts, meeting_weeks, week_counts
from bot.views.labels import (
    AUTHOR_KIND_LABELS,
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


def local(record: SummaryRecord, moment: datetime | None, *, missing: str = "not set") -> str:
    """A moment as the record shows it: in the meeting's time zone, to the minute."""
    if moment is None:
        return missing
    return f"{aware(moment).astimezone(ZoneInfo(record.timezone)):%Y-%m-%d %H:%M %Z}"


def _dates(record: SummaryRecord) -> str:
    first = local(record, record.first_opening, missing="not scheduled")
    last = local(record, record.last_deadline, missing="not scheduled")
    return f"{first} to {last} ({record.timezone})"


def _names(names: list[str]) -> str:
    return ", ".join(names) if names else "none"


def decision_kind(decision: DecisionEntry) -> str:
    return decision_label(decision.kind)


def procedure(decision: DecisionEntry) -> str:
    return procedure_label(decision.procedure)


def facts(record: SummaryRecord) -> list[tuple[str, str]]:
    return [
        ("Meeting", record.title),
        ("Key", record.key),
        ("Dates", _dates(record)),
        ("Time zone", record.timezone),
        ("Chair", _names([record.name(user) for user in record.chair])),
        ("Secretariat", _names([record.name(user) for user in record.secretariat])),
        ("Channel", f"#{record.channel_name}" if record.channel_name else record.channel),
        ("Closed", local(record, record.closed_at, missing="not closed")),
        ("Record generated", local(record, record.generated_at)),
    ]


def participation(record: SummaryRecord) -> list[tuple[str, str | int]]:
    f = record.figures
    members, observers = len(f.members_taking_part), len(f.observers_taking_part)
    return [
        ("Registered participants", f.registered),
        ("Participants who took part", f.took_part),
        (
            "Member delegations that took part",
            f"{members} of {f.member_delegations}: {_names(f.members_taking_part)}",
        ),
        (
            "Observer delegations that took part",
            f"{observers} of {f.observer_delegations}: {_names(f.observers_taking_part)}",
        ),
        ("Delegations that took part, in all", members + observers),
        ("Comments (withdrawn not included)", f.comments),
        ("Withdrawn comments (counted apart)", f.withdrawn),
        ("Edited comments", f.edited),
        ("Late comments", f.late),
        ("Replies kept aside (not on the roster)", f.kept_aside),
    ]


def _kind_row(counts: dict[str, int]) -> list[Cell]:
    values = [counts.get(kind, 0) for kind in KINDS]
    return [*values, sum(values)]


def _with_totals(header: list[str], rows: list[list[Cell]]) -> Table:
    """The totals row sums every column after the first two (a label and a title or date)."""
    totals: list[Cell] = ["Total", ""]
    totals += [sum(int(row[i]) for row in rows) for i in range(2, len(header))]
    return Table(header, rows, totals)


def kind_table(record: SummaryRecord) -> Table:
    by_kind = record.figures.by_kind
    rows: list[list[Cell]] = [[AUTHOR_KIND_LABELS[k], by_kind.get(k, 0)] for k in KINDS]
    return Table(["Kind", "Comments"], rows, ["Total", sum(int(row[1]) for row in rows)])


def item_table(record: SummaryRecord) -> Table:
    """Item x kind: item, title, kinds..., total, withdrawn."""
    withdrawn = {item.number: item.withdrawn for item in record.items}
    header = ["Item", "Title", *(AUTHOR_KIND_LABELS[k] for k in KINDS), "Total", "Withdrawn"]
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
    header = ["Item", "Title", *(CLASSIFICATION_LABELS[k] for k in CLASSIFICATIONS), "Total"]
    rows: list[list[Cell]] = []
    for item in record.items:
        counts = classified_counts(item)
        values = [counts.get(k, 0) for k in CLASSIFICATIONS]
        rows.append([item.number, item.title, *values, sum(values)])
    return _with_totals(header, rows)


def week_table(record: SummaryRecord) -> Table:
    """Week x kind: week, local start, kinds..., total."""
    header = ["Week", "Starts", *(AUTHOR_KIND_LABELS[k] for k in KINDS), "Total"]
    rows: list[list[Cell]] = []
    for week in meeting_weeks(record):
        start = record.week_starts.get(week)
        starts = f"{start:%Y-%m-%d}" if start is not None else ""
        rows.append([f"Week {week}", starts, *_kind_row(week_counts(record, week))])
    return _with_totals(header, rows)


def decision_table(record: SummaryRecord) -> Table:
    """The decision in force on each item that has one."""
    rows: list[list[Cell]] = [
        [item.number, item.title, decision_kind(d), procedure(d), local(record, d.decided_at)]
        for item in record.items
        if (d := item.decision) is not None
    ]
    return Table(["Item", "Title", "Decision", "Procedure", "Decided"], rows)


def roster_table(record: SummaryRecord) -> Table:
    rows: list[list[Cell]] = [
        [r.delegation, r.kind, r.name or r.user, r.email or "", "yes" if r.took_part else "no"]
        for r in record.roster
    ]
    # People by name (their Slack user id only when no name is known); the XLSX has both.
    return Table(["Delegation", "Kind", "Name", "E-mail", "Took part"], rows)
