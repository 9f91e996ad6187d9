"""The summary record written out: Markdown, one self-contained HTML file, an XLSX workbook.

Every writer is a pure function of a `SummaryRecord` (plus the chart images for HTML) and
writes beside its target before renaming, so a reader never sees half a file.  Times are shown
in the meeting's time zone; the workbook's `posted_at` stays UTC ISO 8601, as in the CSV.
Withdrawn comments are shown where they stand, marked, and never counted in the totals.
"""

import base64
import html
import os
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from bot.domain.group_record import ContributionEntry, GroupEntry
from bot.domain.summary import (
    CLASSIFICATIONS,
    KINDS,
    CommentEntry,
    DecisionEntry,
    ItemEntry,
    RevisionEntry,
    SummaryRecord,
)
from bot.record.charts import (
    CHART_FILES,
    HEIGHT_PX,
    WIDTH_PX,
    item_counts,
    meeting_weeks,
    render_charts,
    week_counts,
)
from bot.views.labels import (
    AUTHOR_KIND_LABELS,
    CLASSIFICATION_LABELS,
    COMMENT_KIND_LABELS,
    decision_label,
    procedure_label,
)

COMMENT_COLUMNS = [
    "item",
    "comment_id",
    "delegation",
    "delegation_kind",
    "user",
    "role",
    "posted_at",
    "status",
    "late",
    "text",
    "revisions",
    "kind",
    "phase",
]  # the record contract's columns, then the classification and the phase: as in the CSV
CHART_ALT = {
    "comments-per-week.png": "Bar chart: active comments per meeting week, stacked by kind of "
    "participant (members, observers, chair, secretariat). The figures are in the table above.",
    "comments-per-item.png": "Bar chart: active comments per agenda item, stacked by kind of "
    "participant (members, observers, chair, secretariat). The figures are in the table above.",
}
XLSX_MAX_TEXT = 32_767  # Excel's limit on a cell, counted in UTF-16 code units
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters XML 1.0 forbids


# -- shared helpers -------------------------------------------------------------------------


def _atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a uniquely named temporary file beside `path`, flush it to disk and rename:
    readers see the old file or the whole new one, and two writers never share a temp file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(tmp)
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _aware(moment: datetime) -> datetime:
    # The database keeps UTC; SQLite hands it back naive.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _local(record: SummaryRecord, moment: datetime | None, *, missing: str = "not set") -> str:
    if moment is None:
        return missing
    return f"{_aware(moment).astimezone(ZoneInfo(record.timezone)):%Y-%m-%d %H:%M %Z}"


def _dates(record: SummaryRecord) -> str:
    first = _local(record, record.first_opening, missing="not scheduled")
    last = _local(record, record.last_deadline, missing="not scheduled")
    return f"{first} to {last} ({record.timezone})"


def _people(users: list[str]) -> str:
    return ", ".join(users) if users else "none"


def _names(names: list[str]) -> str:
    return ", ".join(names) if names else "none"


def _procedure(decision: DecisionEntry) -> str:
    return procedure_label(decision.procedure)


def _decision_kind(decision: DecisionEntry) -> str:
    return decision_label(decision.kind)


def _superseded(item: ItemEntry) -> list[DecisionEntry]:
    return [d for d in item.history if d.superseded]


def _edited(revisions: int) -> str:
    return f"edited {revisions} time" if revisions == 1 else f"edited {revisions} times"


def _comment_notes(comment: CommentEntry) -> list[str]:
    notes = []
    if comment.revisions > 0:
        notes.append(f"({_edited(comment.revisions)})")
    if comment.late:
        notes.append("late")
    if comment.status == "withdrawn":
        notes.append("[withdrawn]")
    return notes


def _kind_note(comment: CommentEntry) -> str | None:
    """The comment's classification as shown beside it; nothing when it is not classified."""
    return COMMENT_KIND_LABELS.get(comment.comment_kind or "")


def _classified_counts(item: ItemEntry) -> dict[str, int]:
    if item.classified:
        return item.classified
    counts = dict.fromkeys(CLASSIFICATIONS, 0)
    for comment in item.comments:
        if comment.status == "active":
            kind = comment.comment_kind or ""
            counts[kind if kind in COMMENT_KIND_LABELS else "unclassified"] += 1
    return counts


def _by_delegation(comments: list[CommentEntry]) -> Iterator[tuple[str, str, list[CommentEntry]]]:
    """(delegation, kind, comments) in the order the delegations first appear: the record gives
    them in roster order, then by time."""
    groups: dict[tuple[str, str], list[CommentEntry]] = {}
    for comment in comments:
        groups.setdefault((comment.delegation, comment.kind), []).append(comment)
    for (delegation, kind), entries in groups.items():
        yield delegation, kind, entries


def _kind_row(counts: dict[str, int]) -> list[int]:
    values = [counts.get(kind, 0) for kind in KINDS]
    return [*values, sum(values)]


def _item_table(record: SummaryRecord) -> tuple[list[str], list[list[Any]], list[Any]]:
    """Item x kind: header, rows (item, title, kinds..., total, withdrawn) and the totals row."""
    withdrawn = {item.number: item.withdrawn for item in record.items}
    header = ["Item", "Title", *(AUTHOR_KIND_LABELS[k] for k in KINDS), "Total", "Withdrawn"]
    rows: list[list[Any]] = [
        [number, title, *_kind_row(counts), withdrawn.get(number, 0)]
        for number, title, counts in item_counts(record)
    ]
    totals: list[Any] = ["Total", ""]
    totals += [sum(row[i] for row in rows) for i in range(2, len(header))]
    return header, rows, totals


def _classification_table(
    record: SummaryRecord,
) -> tuple[list[str], list[list[Any]], list[Any]]:
    """Item x classification of the active comments: header, rows and the totals row."""
    header = ["Item", "Title", *(CLASSIFICATION_LABELS[k] for k in CLASSIFICATIONS), "Total"]
    rows: list[list[Any]] = []
    for item in record.items:
        counts = _classified_counts(item)
        values = [counts.get(k, 0) for k in CLASSIFICATIONS]
        rows.append([item.number, item.title, *values, sum(values)])
    totals: list[Any] = ["Total", ""]
    totals += [sum(row[i] for row in rows) for i in range(2, len(header))]
    return header, rows, totals


def _week_table(record: SummaryRecord) -> tuple[list[str], list[list[Any]], list[Any]]:
    """Week x kind: header, rows (week, local start, kinds..., total) and the totals row."""
    header = ["Week", "Starts", *(AUTHOR_KIND_LABELS[k] for k in KINDS), "Total"]
    rows: list[list[Any]] = []
    for week in meeting_weeks(record):
        start = record.week_starts.get(week)
        starts = f"{start:%Y-%m-%d}" if start is not None else ""
        rows.append([f"Week {week}", starts, *_kind_row(week_counts(record, week))])
    totals: list[Any] = ["Total", ""]
    totals += [sum(row[i] for row in rows) for i in range(2, len(header))]
    return header, rows, totals


def _kind_table(record: SummaryRecord) -> tuple[list[str], list[list[Any]], list[Any]]:
    by_kind = record.figures.by_kind
    rows: list[list[Any]] = [[AUTHOR_KIND_LABELS[k], by_kind.get(k, 0)] for k in KINDS]
    return ["Kind", "Comments"], rows, ["Total", sum(row[1] for row in rows)]


def _participation(record: SummaryRecord) -> list[tuple[str, str | int]]:
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


def _facts(record: SummaryRecord) -> list[tuple[str, str]]:
    return [
        ("Meeting", record.title),
        ("Key", record.key),
        ("Dates", _dates(record)),
        ("Time zone", record.timezone),
        ("Chair", _people(record.chair)),
        ("Secretariat", _people(record.secretariat)),
        ("Channel", record.channel),
        ("Closed", _local(record, record.closed_at, missing="not closed")),
        ("Record generated", _local(record, record.generated_at)),
    ]


def _decision_line(record: SummaryRecord, decision: DecisionEntry) -> str:
    when = _local(record, decision.decided_at)
    if decision.procedure == "chair":
        return f"{_decision_kind(decision)} by the chair ({decision.decided_by}), {when}"
    return f"{_decision_kind(decision)}: {_procedure(decision)}, {when}"


def _group_heading(delegation: str, kind: str) -> str:
    # "Australia (member)", but plain "Chair" and "Secretariat".
    return delegation if delegation.lower() == kind else f"{delegation} ({kind})"


def _period_comments(item: ItemEntry) -> list[CommentEntry]:
    """The comments of the ordinary comment period; final concerns have their own section."""
    return [c for c in item.comments if not c.final_concern]


def _final_concerns(item: ItemEntry) -> list[CommentEntry]:
    return [c for c in item.comments if c.final_concern]


def _revision_line(record: SummaryRecord, revision: RevisionEntry) -> str:
    """ "published 2020-07-18 10:00 CEST by U0SEC0001; final concerns until ..." """
    line = f"published {_local(record, revision.published_at)} by {revision.published_by}"
    if revision.concerns_deadline_at is not None:
        line += f"; final concerns until {_local(record, revision.concerns_deadline_at)}"
    return line


# -- Markdown -------------------------------------------------------------------------------


MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")


def _md_text(value: object) -> str:
    """Text shown as typed once rendered: a Markdown renderer would pass `<b>` or `<script>`
    through as HTML (or drop it) and turn `&lt;` into `<`, so both are backslash-escaped."""
    return MD_ENTITY.sub("\\\\&", str(value).replace("<", "\\<"))


def _md_inline(value: object) -> str:
    return " ".join(_md_text(value).splitlines())


def _md_cell(value: object) -> str:
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(_md_text(text).splitlines())


def _md_table(header: list[str], rows: list[list[Any]], totals: list[Any] | None) -> list[str]:
    numeric = [
        bool(rows) and all(isinstance(row[i], int) for row in rows) for i in range(len(header))
    ]
    lines = [
        "| " + " | ".join(_md_cell(h) for h in header) + " |",
        "|" + "|".join("---:" if n else "---" for n in numeric) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
    if totals is not None:
        lines.append(
            "| " + " | ".join(f"**{_md_cell(v)}**" if v != "" else "" for v in totals) + " |"
        )
    return lines


def _md_quote(text: str) -> list[str]:
    """Each line quoted; two trailing spaces make Markdown keep the line break."""
    lines = _md_text(text).split("\n")
    return [
        (f"> {line}" if line else ">") + ("  " if i < len(lines) - 1 and line else "")
        for i, line in enumerate(lines)
    ]


def render_markdown(record: SummaryRecord) -> str:
    out: list[str] = [f"# Summary record: {_md_inline(record.title)}", ""]
    out += ["## The meeting", ""]
    out += [f"- **{label}:** {_md_inline(value)}" for label, value in _facts(record)]
    out += ["", f"All times are in the meeting's time zone, {record.timezone}.", ""]

    out += ["## Participation", ""]
    out += [f"- **{label}:** {_md_inline(value)}" for label, value in _participation(record)]
    out += ["", "### Comments by kind of participant", ""]
    out += _md_table(*_kind_table(record))
    out += ["", "### Comments per item", ""]
    out += _md_table(*_item_table(record))
    out += ["", "Withdrawn comments are counted apart and never in the totals.", ""]
    out += ["### Comments per item by classification", ""]
    out += _md_table(*_classification_table(record))
    out += [""]
    out += ["### Comments per meeting week", ""]
    header, rows, totals = _week_table(record)
    out += _md_table(header, rows, totals) if rows else ["No meeting weeks yet."]
    out += ["", "## Decisions", ""]
    decisions = [
        [item.number, item.title, _decision_kind(d), _procedure(d), _local(record, d.decided_at)]
        for item in record.items
        if (d := item.decision) is not None
    ]
    if decisions:
        out += _md_table(["Item", "Title", "Decision", "Procedure", "Decided"], decisions, None)
    else:
        out += ["No decisions recorded."]
    out.append("")

    for item in record.items:
        out += [f"## Item {item.number}: {_md_inline(item.title)}", ""]
        if item.proposal:
            out += [f"**Proposal:** {item.proposal}", ""]
        if item.documents:
            out += ["**Documents:**", ""]
            for doc in item.documents:
                label, href = _md_inline(f"{doc.code}: {doc.title}"), _safe_href(doc.url)
                if href and not re.search(r"[<>\s]", href):
                    out.append(f"- [{label}](<{href}>)")
                else:
                    out.append(f"- {label} ({_md_inline(doc.url)})")
            out.append("")
        out += [
            f"**Comment period:** {_local(record, item.opens_at)} to "
            f"{_local(record, item.deadline_at)}",
            "",
        ]
        if item.decision is not None:
            out += [f"**Decision:** {_decision_line(record, item.decision)}", ""]
            out += [*_md_quote(item.decision.text), ""]
        else:
            out += ["**Decision:** none recorded.", ""]
        for old in _superseded(item):
            out += [f"*Superseded decision:* {_decision_line(record, old)}", ""]
            out += [*_md_quote(old.text), ""]
        out += ["### Comments", ""]
        if not _period_comments(item):
            out += ["No comments on this item.", ""]
        out += _md_comments(record, _period_comments(item))
        if item.revisions:
            out += _md_revisions(record, item)

    out += _md_groups(record)
    out += ["## Annex: roster", ""]
    roster = [
        [r.delegation, r.kind, r.user, r.email or "", "yes" if r.took_part else "no"]
        for r in record.roster
    ]
    if roster:
        out += _md_table(["Delegation", "Kind", "User", "E-mail", "Took part"], roster, None)
    else:
        out += ["No one is registered."]
    out.append("")
    return "\n".join(out)


def _md_comments(record: SummaryRecord, entries: list[CommentEntry], level: int = 4) -> list[str]:
    out: list[str] = []
    for delegation, kind, comments in _by_delegation(entries):
        out += [f"{'#' * level} {_md_inline(_group_heading(delegation, kind))}", ""]
        for comment in comments:
            notes = " ".join(_comment_notes(comment))
            head = f"**{comment.user}**, {_local(record, comment.posted_at)}"
            if (kind_label := _kind_note(comment)) is not None:
                head += f" · *{kind_label}*"
            out += [f"{head} {notes}".rstrip(), ""]
            out += [*_md_quote(comment.text), ""]
    return out


def _md_revisions(record: SummaryRecord, item: ItemEntry) -> list[str]:
    out = ["### Revised documents and final concerns", ""]
    for revision in item.revisions:
        label, href = _md_inline(f"{revision.code}: {revision.title}"), _safe_href(revision.url)
        if href and not re.search(r"[<>\s]", href):
            link = f"[{label}](<{href}>)"
        else:
            link = f"{label} ({_md_inline(revision.url)})"
        out += [f"- {link}, {_md_inline(_revision_line(record, revision))}"]
        if revision.note:
            out += ["", *[f"  {line}" for line in _md_quote(f"What changed: {revision.note}")]]
    out.append("")
    if any(r.concerns_deadline_at is not None for r in item.revisions):
        out += ["#### Final concerns", ""]
        concerns = _final_concerns(item)
        out += _md_comments(record, concerns, 5) if concerns else ["No final concerns.", ""]
    return out


def write_markdown(record: SummaryRecord, path: Path) -> None:
    text = render_markdown(record)
    _atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"))


# -- HTML -----------------------------------------------------------------------------------

CSS = """
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #111; background: #fff;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #333; padding-bottom: .3rem; }
h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid #bbb; }
h3 { font-size: 1.1rem; } h4, h5 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.facts dt { font-weight: bold; } dl.facts dd { margin: 0; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #999; padding: .2rem .5rem; text-align: left; vertical-align: top; }
th { background: #eee; } td.num, th.num { text-align: right; }
tr.total td { font-weight: bold; border-top: 2px solid #333; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; }
.decision { border-left: 4px solid #0072B2; padding: .3rem .8rem; background: #f3f7fb; }
.superseded { border-left: 4px solid #aaa; padding: .3rem .8rem; color: #555; }
.comment { margin: .4rem 0 .8rem; }
.meta { font-size: .9rem; color: #444; }
.tag { font-size: .8rem; border: 1px solid #888; border-radius: 3px; padding: 0 .3rem; }
.tag.kind { font-weight: bold; border-color: #0072B2; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; margin: .2rem 0 0 1rem;
        padding-left: .6rem; border-left: 3px solid #ccc; }
.withdrawn .text { color: #777; }
.none { font-style: italic; color: #555; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; background: #fff; color: #000; }
  section.item { break-before: page; page-break-before: always; }
  section.annex { break-before: page; page-break-before: always; }
  th, .decision { background: none; }
  .comment, tr, figure { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: #000; }
}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _safe_href(url: str) -> str | None:
    # Document links are plain links; anything but web and mail addresses is shown as text.
    return url if urlsplit(url.strip()).scheme.lower() in {"http", "https", "mailto"} else None


def _html_table(
    table_id: str, header: list[str], rows: list[list[Any]], totals: list[Any] | None
) -> list[str]:
    def cells(values: list[Any], tag: str) -> str:
        return "".join(
            f'<{tag} class="num">{_e(v)}</{tag}>'
            if isinstance(v, int)
            else f"<{tag}>{_e(v)}</{tag}>"
            for v in values
        )

    out = [
        f'<table id="{_e(table_id)}">',
        f"<thead><tr>{cells(header, 'th')}</tr></thead>",
        "<tbody>",
    ]
    out += [f"<tr>{cells(row, 'td')}</tr>" for row in rows]
    if totals is not None:
        out.append(f'<tr class="total">{cells(totals, "td")}</tr>')
    out += ["</tbody>", "</table>"]
    return out


def _html_dl(css_class: str, pairs: Sequence[tuple[str, object]]) -> list[str]:
    out = [f'<dl class="{css_class}">']
    out += [f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>" for label, value in pairs]
    out.append("</dl>")
    return out


def _html_decision(record: SummaryRecord, decision: DecisionEntry, css_class: str) -> list[str]:
    label = "Decision" if css_class == "decision" else "Superseded decision"
    return [
        f'<div class="{css_class}">',
        f"<p><strong>{label}:</strong> {_e(_decision_line(record, decision))}</p>",
        f'<div class="text" dir="auto">{_e(decision.text)}</div>',
        "</div>",
    ]


def _html_comment(record: SummaryRecord, comment: CommentEntry) -> list[str]:
    classes = "comment withdrawn" if comment.status == "withdrawn" else "comment"
    tags = "".join(f' <span class="tag">{_e(n)}</span>' for n in _comment_notes(comment))
    label = _kind_note(comment)
    if label is not None:  # the classification first, set apart from the other notes
        kind = _e(comment.comment_kind)
        tags = f' <span class="tag kind" data-kind="{kind}">{_e(label)}</span>{tags}'
    text = _e(comment.text)
    if comment.status == "withdrawn":
        text = f"<del>{text}</del>"  # kept where it stands, struck through
    return [
        f'<div class="{classes}" id="c-{_e(comment.comment_id)}">',
        f'<div class="meta"><strong>{_e(comment.user)}</strong>, '
        f"{_e(_local(record, comment.posted_at))}{tags}</div>",
        f'<div class="text" dir="auto">{text}</div>',
        "</div>",
    ]


def _html_comments(
    record: SummaryRecord, entries: list[CommentEntry], tag: str = "h4"
) -> list[str]:
    out: list[str] = []
    for delegation, kind, comments in _by_delegation(entries):
        heading = _e(_group_heading(delegation, kind))
        out += ['<div class="delegation">', f"<{tag}>{heading}</{tag}>"]
        for comment in comments:
            out += _html_comment(record, comment)
        out.append("</div>")
    return out


def _html_revisions(record: SummaryRecord, item: ItemEntry) -> list[str]:
    out = ['<div class="revisions">', "<h3>Revised documents and final concerns</h3>", "<ul>"]
    for revision in item.revisions:
        label = _e(f"{revision.code}: {revision.title}")
        href = _safe_href(revision.url)
        link = f'<a href="{_e(href)}">{label}</a>' if href else f"{label} ({_e(revision.url)})"
        note = (
            f'<div class="text" dir="auto">What changed: {_e(revision.note)}</div>'
            if revision.note
            else ""
        )
        out.append(f"<li>{link}, {_e(_revision_line(record, revision))}{note}</li>")
    out.append("</ul>")
    if any(r.concerns_deadline_at is not None for r in item.revisions):
        out.append("<h4>Final concerns</h4>")
        concerns = _final_concerns(item)
        if concerns:
            out += _html_comments(record, concerns, "h5")
        else:
            out.append('<p class="none">No final concerns.</p>')
    out.append("</div>")
    return out


def render_html(record: SummaryRecord, charts: dict[str, bytes]) -> str:
    title = f"Summary record: {record.title}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(title)}</h1>",
        '<section class="facts">',
        "<h2>The meeting</h2>",
    ]
    out += _html_dl("facts", _facts(record))
    out += [
        f"<p>All times are in the meeting's time zone, {_e(record.timezone)}.</p>",
        "</section>",
    ]

    out += ['<section class="participation">', "<h2>Participation</h2>"]
    out += _html_dl("facts", _participation(record))
    out += ["<h3>Comments by kind of participant</h3>"]
    out += _html_table("by-kind", *_kind_table(record))
    out += ["<h3>Comments per item</h3>"]
    out += _html_table("by-item", *_item_table(record))
    out += ['<p class="note">Withdrawn comments are counted apart and never in the totals.</p>']
    out += ["<h3>Comments per item by classification</h3>"]
    out += _html_table("by-item-classification", *_classification_table(record))
    out += ["<h3>Comments per meeting week</h3>"]
    header, rows, totals = _week_table(record)
    if rows:
        out += _html_table("by-week", header, rows, totals)
    else:
        out += ['<p class="none">No meeting weeks yet.</p>']
    ordered = [n for n in CHART_FILES if n in charts] + sorted(set(charts) - set(CHART_FILES))
    for name in ordered:
        data = base64.b64encode(charts[name]).decode("ascii")
        alt = CHART_ALT.get(name, name)
        out += [
            "<figure>",
            f'<img src="data:image/png;base64,{data}" alt="{_e(alt)}" '
            f'width="{WIDTH_PX}" height="{HEIGHT_PX}">',
            "</figure>",
        ]
    out.append("</section>")

    out += ['<section class="decisions">', "<h2>Decisions</h2>"]
    decisions = [
        [item.number, item.title, _decision_kind(d), _procedure(d), _local(record, d.decided_at)]
        for item in record.items
        if (d := item.decision) is not None
    ]
    if decisions:
        head = ["Item", "Title", "Decision", "Procedure", "Decided"]
        out += _html_table("decisions", head, decisions, None)
    else:
        out.append('<p class="none">No decisions recorded.</p>')
    out.append("</section>")

    for item in record.items:
        out += [
            f'<section class="item" id="item-{item.number}">',
            f"<h2>Item {item.number}: {_e(item.title)}</h2>",
        ]
        if item.proposal:
            out.append(f"<p><strong>Proposal:</strong> {_e(item.proposal)}</p>")
        if item.documents:
            out.append('<ul class="documents">')
            for doc in item.documents:
                label = _e(f"{doc.code}: {doc.title}")
                href = _safe_href(doc.url)
                link = f'<a href="{_e(href)}">{label}</a>' if href else f"{label} ({_e(doc.url)})"
                out.append(f"<li>{link}</li>")
            out.append("</ul>")
        out.append(
            f"<p><strong>Comment period:</strong> {_e(_local(record, item.opens_at))} to "
            f"{_e(_local(record, item.deadline_at))}</p>"
        )
        if item.decision is not None:
            out += _html_decision(record, item.decision, "decision")
        else:
            out.append('<p class="none">No decision recorded.</p>')
        for old in _superseded(item):
            out += _html_decision(record, old, "superseded")
        out.append("<h3>Comments</h3>")
        if not _period_comments(item):
            out.append('<p class="none">No comments on this item.</p>')
        out += _html_comments(record, _period_comments(item))
        if item.revisions:
            out += _html_revisions(record, item)
        out.append("</section>")

    out += _html_groups(record)
    out += ['<section class="annex">', "<h2>Annex: roster</h2>"]
    roster = [
        [r.delegation, r.kind, r.user, r.email or "", "yes" if r.took_part else "no"]
        for r in record.roster
    ]
    if roster:
        out += _html_table(
            "roster", ["Delegation", "Kind", "User", "E-mail", "Took part"], roster, None
        )
    else:
        out.append('<p class="none">No one is registered.</p>')
    out += ["</section>", "</body>", "</html>", ""]
    return "\n".join(out)


def write_html(record: SummaryRecord, path: Path, charts: dict[str, bytes]) -> None:
    text = render_html(record, charts)
    _atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"))


# -- XLSX -----------------------------------------------------------------------------------


def _xlsx_text(value: str) -> str:
    """What a cell can hold: no XML-forbidden control characters, and no more than Excel's limit
    (counted as Excel counts, in UTF-16 units), saying so when cut."""
    value = XLSX_ILLEGAL.sub("\ufffd", value)
    if len(value.encode("utf-16-le")) // 2 <= XLSX_MAX_TEXT:
        return value
    marker = " [… cut at Excel's cell limit; the full text is in the CSV and HTML record]"
    keep = XLSX_MAX_TEXT - len(marker)
    cut = value.encode("utf-16-le")[: keep * 2].decode("utf-16-le", errors="ignore")
    return cut + marker


def _put(sheet: Any, row: int, column: int, value: object, *, bold: bool = False) -> Any:
    """One cell; text is always a string cell, never a formula or an error value."""
    cell = sheet.cell(row=row, column=column)
    if value == "":
        pass  # an empty cell, not an empty string
    elif isinstance(value, str):
        cell.value = _xlsx_text(value)
        # openpyxl makes "=..." a formula and "#N/A" an error: text stays text.
        cell.data_type = "s"
        if value[:1] in ("=", "+", "-", "@"):
            cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
    else:
        cell.value = value
    if bold:
        cell.font = Font(bold=True)
    return cell


def _xlsx_rows(
    sheet: Any, row: int, header: list[str], rows: list[list[Any]], totals: list[Any] | None
) -> int:
    for column, value in enumerate(header, start=1):
        _put(sheet, row, column, value, bold=True)
    row += 1
    for values in rows:
        for column, value in enumerate(values, start=1):
            _put(sheet, row, column, value)
        row += 1
    if totals is not None:
        for column, value in enumerate(totals, start=1):
            _put(sheet, row, column, value, bold=True)
        row += 1
    return row + 1  # a blank row after each table


def _comments_sheet(sheet: Any, record: SummaryRecord) -> None:
    sheet.title = "Comments"
    for column, name in enumerate(COMMENT_COLUMNS, start=1):
        _put(sheet, 1, column, name, bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    row = 2
    for item in record.items:
        for c in item.comments:
            values: list[object] = [
                c.item,
                c.comment_id,
                c.delegation,
                c.kind,
                c.user,
                c.kind,
                _aware(c.posted_at).astimezone(UTC).isoformat(),
                c.status,
                c.late,
                c.text,
                c.revisions,
                c.comment_kind or "",
                "final_concerns" if c.final_concern else "comments",
            ]
            for column, value in enumerate(values, start=1):
                _put(sheet, row, column, value).alignment = wrap if column == 10 else top
            row += 1
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COMMENT_COLUMNS))}{max(row - 1, 1)}"
    widths = [6, 26, 24, 14, 14, 12, 26, 10, 7, 80, 10, 12, 14]
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def _figures_sheet(sheet: Any, record: SummaryRecord) -> None:
    _put(sheet, 1, 1, f"Summary record: {record.title}", bold=True).font = Font(bold=True, size=14)
    row = 3
    for label, value in [*_facts(record), *_participation(record)]:
        _put(sheet, row, 1, label, bold=True)
        _put(sheet, row, 2, value)
        row += 1
    row += 1
    for title, table in (
        ("Comments by kind", _kind_table(record)),
        ("Comments per item", _item_table(record)),
        ("Comments per item by classification", _classification_table(record)),
        ("Comments per week", _week_table(record)),
    ):
        _put(sheet, row, 1, title, bold=True)
        row = _xlsx_rows(sheet, row + 1, *table)

    f = record.figures
    taking_part = [[name, "member"] for name in f.members_taking_part]
    taking_part += [[name, "observer"] for name in f.observers_taking_part]
    _put(sheet, row, 1, "Delegations that took part", bold=True)
    row = _xlsx_rows(
        sheet, row + 1, ["Delegation", "Kind"], taking_part, ["Total", len(taking_part)]
    )

    _put(sheet, row, 1, "Decisions", bold=True)
    decisions = [
        [
            item.number,
            item.title,
            _decision_kind(d),
            _procedure(d),
            _local(record, d.decided_at),
            d.decided_by,
            "superseded" if d.superseded else "in force",
            d.text,
        ]
        for item in record.items
        for d in (item.history or ([item.decision] if item.decision else []))
    ]
    head = ["Item", "Title", "Decision", "Procedure", "Decided", "Decided by", "Status", "Text"]
    _xlsx_rows(sheet, row + 1, head, decisions, None)
    for column, width in enumerate([34, 40, 14, 30, 22, 14, 12, 60], start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def _revisions_sheet(sheet: Any, record: SummaryRecord) -> None:
    """One row per revised document, with its final-concerns window and how many concerns."""
    rows = []
    for item in record.items:
        concerns = sum(c.status == "active" for c in _final_concerns(item))
        for r in item.revisions:
            until = _local(record, r.concerns_deadline_at, missing="")
            window = concerns if r.concerns_deadline_at is not None else ""
            published = _local(record, r.published_at)
            row = [item.number, r.code, r.title, r.url, published, r.published_by, r.note]
            rows.append([*row, until, window])
    head = ["Item", "Code", "Title", "URL", "Published", "Published by", "What changed"]
    head += ["Final concerns until", "Final concerns on the item"]
    _xlsx_rows(sheet, 1, head, rows, None)
    sheet.freeze_panes = "A2"
    for column, width in enumerate([6, 22, 40, 40, 22, 14, 60, 22, 12], start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def _roster_sheet(sheet: Any, record: SummaryRecord) -> None:
    rows = [[r.delegation, r.kind, r.user, r.email or "", r.took_part] for r in record.roster]
    _xlsx_rows(sheet, 1, ["Delegation", "Kind", "User", "E-mail", "Took part"], rows, None)
    sheet.freeze_panes = "A2"
    for column, width in enumerate([30, 12, 14, 34, 10], start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def write_xlsx(record: SummaryRecord, path: Path) -> None:
    """Sheets "Comments" (the contract's columns, `kind` and `phase`, one row per comment,
    withdrawn included), "Figures", "Roster", "Revised documents" and, when there are any,
    "Drafting groups"."""
    workbook = Workbook()
    _comments_sheet(workbook.active, record)
    _figures_sheet(workbook.create_sheet("Figures"), record)
    _roster_sheet(workbook.create_sheet("Roster"), record)
    _revisions_sheet(workbook.create_sheet("Revised documents"), record)
    if record.groups:
        _groups_sheet(workbook.create_sheet("Drafting groups"), record)
    _atomic_write(path, lambda tmp: workbook.save(tmp))


# -- drafting groups (bot/group_record.py) ----------------------------------------------------
#
# After the items, before the annex, and only when the meeting has groups: a group's drafting
# is not a delegation's comment, so it is shown apart and never counted in the figures.

GROUP_COLUMNS = [
    "group",
    "item",
    "topic",
    "contribution_id",
    "delegation",
    "delegation_kind",
    "user",
    "posted_at",
    "in_thread",
    "status",
    "member",
    "text",
    "revisions",
]


def _group_about(group: GroupEntry) -> str:
    if group.item is not None:
        about = f"Item {group.item}: {group.item_title}"
        return f"{about} ({group.topic})" if group.topic else about
    return f"Topic: {group.topic}"


def _group_facts(record: SummaryRecord, group: GroupEntry) -> list[tuple[str, str]]:
    channel = f"#{group.channel_name}" if group.channel_name else "not created yet"
    facts = [("On", _group_about(group))]
    if group.purpose:
        facts.append(("Purpose", group.purpose))
    facts += [
        ("Members", ", ".join(f"{m.user} ({m.delegation})" for m in group.members) or "none"),
        ("Channel", f"{channel} (private)"),
        ("Set up", f"by {group.created_by}, {_local(record, group.created_at)}"),
    ]
    return facts


def _contribution_notes(entry: ContributionEntry) -> list[str]:
    notes = ["(reply in a thread)"] if entry.in_thread else []
    if entry.revisions > 0:
        notes.append(f"({_edited(entry.revisions)})")
    if entry.status == "withdrawn":
        notes.append("[withdrawn]")
    return notes


def _contributor(entry: ContributionEntry) -> str:
    return f"{entry.user} ({entry.delegation})" if entry.delegation else entry.user


def _md_groups(record: SummaryRecord) -> list[str]:
    if not record.groups:
        return []
    out = ["## Drafting groups", ""]
    out += [
        "What the drafting groups wrote in their private channels, in conversation order. It "
        "is not counted among the comments.",
        "",
    ]
    for group in record.groups:
        out += [f"### {_md_inline(group.name)}", ""]
        out += [
            f"- **{label}:** {_md_inline(value)}" for label, value in _group_facts(record, group)
        ]
        out.append("")
        if not group.contributions:
            out += ["Nothing written in the group yet.", ""]
        for entry in group.contributions:
            head = f"**{_md_inline(_contributor(entry))}**, {_local(record, entry.posted_at)}"
            out += [f"{head} {' '.join(_contribution_notes(entry))}".rstrip(), ""]
            out += [*_md_quote(entry.text), ""]
        if group.kept_apart:
            out += ["#### Kept apart: written by people who are not members of the group", ""]
            for entry in group.kept_apart:
                head = f"**{_md_inline(_contributor(entry))}**, {_local(record, entry.posted_at)}"
                out += [f"{head} {' '.join(_contribution_notes(entry))}".rstrip(), ""]
                out += [*_md_quote(entry.text), ""]
    return out


def _html_contribution(record: SummaryRecord, entry: ContributionEntry) -> list[str]:
    classes = "comment withdrawn" if entry.status == "withdrawn" else "comment"
    tags = "".join(f' <span class="tag">{_e(n)}</span>' for n in _contribution_notes(entry))
    text = _e(entry.text)
    if entry.status == "withdrawn":
        text = f"<del>{text}</del>"
    return [
        f'<div class="{classes}" id="g-{_e(entry.contribution_id)}">',
        f'<div class="meta"><strong>{_e(_contributor(entry))}</strong>, '
        f"{_e(_local(record, entry.posted_at))}{tags}</div>",
        f'<div class="text" dir="auto">{text}</div>',
        "</div>",
    ]


def _html_groups(record: SummaryRecord) -> list[str]:
    if not record.groups:
        return []
    out = [
        '<section class="groups" id="drafting-groups">',
        "<h2>Drafting groups</h2>",
        "<p>What the drafting groups wrote in their private channels, in conversation order. "
        "It is not counted among the comments.</p>",
    ]
    for number, group in enumerate(record.groups, start=1):
        out += [f'<div class="group" id="group-{number}">', f"<h3>{_e(group.name)}</h3>"]
        out += _html_dl("facts", _group_facts(record, group))
        if not group.contributions:
            out.append('<p class="none">Nothing written in the group yet.</p>')
        for entry in group.contributions:
            out += _html_contribution(record, entry)
        if group.kept_apart:
            out.append("<h4>Kept apart: written by people who are not members of the group</h4>")
            for entry in group.kept_apart:
                out += _html_contribution(record, entry)
        out.append("</div>")
    out.append("</section>")
    return out


def _groups_sheet(sheet: Any, record: SummaryRecord) -> None:
    """One row per message written in a group's channel, kept-apart ones included (member
    false); the record's CSV columns stay as the contract has them."""
    for column, name in enumerate(GROUP_COLUMNS, start=1):
        _put(sheet, 1, column, name, bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    row = 2
    for group in record.groups:
        for entry in [*group.contributions, *group.kept_apart]:
            values: list[object] = [
                group.name,
                group.item if group.item is not None else "",
                group.topic,
                entry.contribution_id,
                entry.delegation,
                entry.kind,
                entry.user,
                _aware(entry.posted_at).astimezone(UTC).isoformat(),
                entry.in_thread,
                entry.status,
                entry.member,
                entry.text,
                entry.revisions,
            ]
            for column, value in enumerate(values, start=1):
                _put(sheet, row, column, value).alignment = wrap if column == 12 else top
            row += 1
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(GROUP_COLUMNS))}{max(row - 1, 1)}"
    widths = [26, 6, 24, 26, 24, 14, 14, 26, 9, 10, 8, 80, 10]
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


# -- everything at once ---------------------------------------------------------------------


def write_all(record: SummaryRecord, out_dir: Path, stem: str) -> dict[str, Path]:
    """The record as Markdown, HTML (charts embedded) and XLSX, and the two chart PNGs, in
    `out_dir`; returns the paths keyed "md", "html", "xlsx" and the chart file names."""
    charts = render_charts(record)
    paths = {
        "md": out_dir / f"{stem}.md",
        "html": out_dir / f"{stem}.html",
        "xlsx": out_dir / f"{stem}.xlsx",
    }
    write_markdown(record, paths["md"])
    write_html(record, paths["html"], charts)
    write_xlsx(record, paths["xlsx"])
    for name, png in charts.items():
        paths[name] = out_dir / f"{stem}-{name}"
        write_png(png, paths[name])
    return paths


def write_png(png: bytes, path: Path) -> None:
    _atomic_write(path, lambda tmp: tmp.write_bytes(png))
