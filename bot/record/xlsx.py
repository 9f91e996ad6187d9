"""The summary record as an XLSX workbook: sheets "Comments" (the contract's columns, `kind`
and `phase`, one row per comment, withdrawn included), "Figures", "Roster", "Revised documents"
and, when there are any, "Drafting groups".

Times are shown in the meeting's time zone, except `posted_at`, which stays UTC ISO 8601 as in
the CSV.  Text always lands in a text cell: never a formula, never an error value.

The sheets' names, titles and tables are in the active language (bot/views/i18n.py); the
"Comments" and "Drafting groups" sheets keep the CSV's column names and stored values (`member`,
`active`, true/false) in every language, as the CSV does: they are the data, for machines too.
"""

import re
from datetime import UTC
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from bot.domain.summary import SummaryRecord
from bot.record.entries import final_concerns
from bot.record.files import atomic_write
from bot.record.languages import delegation_name, kind_word
from bot.record.tables import (
    Table,
    aware,
    classification_table,
    decision_kind,
    facts,
    item_table,
    kind_table,
    local,
    participation,
    procedure,
    week_table,
)
from bot.views.i18n import _

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
    "author",
]  # the record contract's columns, then the classification, the phase and the author's name:
# as in the CSV, but with Slack's markup in the text shown as readable text
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
    "author",
]
XLSX_MAX_TEXT = 32_767  # Excel's limit on a cell, counted in UTF-16 code units
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters XML 1.0 forbids


def _xlsx_text(value: str) -> str:
    """What a cell can hold: no XML-forbidden control characters, and no more than Excel's limit
    (counted as Excel counts, in UTF-16 units), saying so when cut."""
    value = XLSX_ILLEGAL.sub("\ufffd", value)
    if len(value.encode("utf-16-le")) // 2 <= XLSX_MAX_TEXT:
        return value
    marker = " " + _("[… cut at Excel's cell limit; the full text is in the CSV and HTML record]")
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


def _table(sheet: Any, row: int, table: Table) -> int:
    """The table from `row` on (header and totals in bold); returns the row after the blank row
    that follows it."""
    for column, name in enumerate(table.header, start=1):
        _put(sheet, row, column, name, bold=True)
    row += 1
    for values in table.rows:
        for column, value in enumerate(values, start=1):
            _put(sheet, row, column, value)
        row += 1
    if table.totals is not None:
        for column, value in enumerate(table.totals, start=1):
            _put(sheet, row, column, value, bold=True)
        row += 1
    return row + 1


def _widths(sheet: Any, widths: list[int]) -> None:
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def _comments_sheet(sheet: Any, record: SummaryRecord) -> None:
    sheet.title = _("Comments")
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
                aware(c.posted_at).astimezone(UTC).isoformat(),
                c.status,
                c.late,
                c.text,
                c.revisions,
                c.comment_kind or "",
                "final_concerns" if c.final_concern else "comments",
                c.author or c.user,
            ]
            for column, value in enumerate(values, start=1):
                _put(sheet, row, column, value).alignment = wrap if column == 10 else top
            row += 1
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COMMENT_COLUMNS))}{max(row - 1, 1)}"
    _widths(sheet, [6, 26, 24, 14, 14, 12, 26, 10, 7, 80, 10, 12, 14, 24])


def _figures_sheet(sheet: Any, record: SummaryRecord) -> None:
    title = _("Summary record: {title}", title=record.title)
    _put(sheet, 1, 1, title, bold=True).font = Font(bold=True, size=14)
    row = 3
    for label, value in [*facts(record), *participation(record)]:
        _put(sheet, row, 1, label, bold=True)
        _put(sheet, row, 2, value)
        row += 1
    row += 1
    for heading, table in (
        (_("Comments by kind"), kind_table(record)),
        (_("Comments per item"), item_table(record)),
        (_("Comments per item by classification"), classification_table(record)),
        (_("Comments per week"), week_table(record)),
    ):
        _put(sheet, row, 1, heading, bold=True)
        row = _table(sheet, row + 1, table)

    f = record.figures
    member, observer = kind_word("member"), kind_word("observer")
    taking_part: list[list[str | int]] = [[name, member] for name in f.members_taking_part]
    taking_part += [[name, observer] for name in f.observers_taking_part]
    _put(sheet, row, 1, _("Delegations that took part"), bold=True)
    taking_part_table = Table(
        [_("Delegation"), _("Kind")], taking_part, [_("Total"), len(taking_part)]
    )
    row = _table(sheet, row + 1, taking_part_table)

    # Every decision, superseded ones included, unlike the Markdown and HTML table.
    _put(sheet, row, 1, _("Decisions"), bold=True)
    decisions: list[list[str | int]] = [
        [
            item.number,
            item.title,
            decision_kind(d),
            procedure(d),
            local(record, d.decided_at),
            record.name(d.decided_by),
            _("superseded") if d.superseded else _("in force"),
            d.text,
        ]
        for item in record.items
        for d in (item.history or ([item.decision] if item.decision else []))
    ]
    head = [_("Item"), _("Title"), _("Decision"), _("Procedure"), _("Decided")]
    head += [_("Decided by"), _("Status"), _("Text")]
    _table(sheet, row + 1, Table(head, decisions))
    _widths(sheet, [34, 40, 14, 30, 22, 14, 12, 60])


def _revisions_sheet(sheet: Any, record: SummaryRecord) -> None:
    """One row per revised document, with its final-concerns window and how many concerns."""
    rows: list[list[str | int]] = []
    for item in record.items:
        concerns = sum(c.status == "active" for c in final_concerns(item))
        for r in item.revisions:
            until = local(record, r.concerns_deadline_at, missing="")
            window = concerns if r.concerns_deadline_at is not None else ""
            published = local(record, r.published_at)
            cells: list[str | int] = [item.number, r.code, r.title, r.url, published]
            rows.append([*cells, record.name(r.published_by), r.note, until, window])
    head = [_("Item"), _("Code"), _("Title"), _("URL"), _("Published"), _("Published by")]
    head += [_("What changed"), _("Final concerns until"), _("Final concerns on the item")]
    _table(sheet, 1, Table(head, rows))
    sheet.freeze_panes = "A2"
    _widths(sheet, [6, 22, 40, 40, 22, 14, 60, 22, 12])


def _roster_sheet(sheet: Any, record: SummaryRecord) -> None:
    # "Took part" stays a boolean cell here, where the Markdown and HTML say yes or no.
    # The Slack user id stays beside the name, as the CSV keeps it beside the author.
    rows: list[list[str | int]] = [
        [
            delegation_name(r.delegation, r.kind),
            kind_word(r.kind),
            r.user,
            r.email or "",
            r.took_part,
            r.name,
        ]
        for r in record.roster
    ]
    head = [_("Delegation"), _("Kind"), _("User"), _("E-mail"), _("Took part"), _("Name")]
    _table(sheet, 1, Table(head, rows))
    sheet.freeze_panes = "A2"
    _widths(sheet, [30, 12, 14, 34, 10, 28])


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
                aware(entry.posted_at).astimezone(UTC).isoformat(),
                entry.in_thread,
                entry.status,
                entry.member,
                entry.text,
                entry.revisions,
                entry.author or entry.user,
            ]
            for column, value in enumerate(values, start=1):
                _put(sheet, row, column, value).alignment = wrap if column == 12 else top
            row += 1
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(GROUP_COLUMNS))}{max(row - 1, 1)}"
    _widths(sheet, [26, 6, 24, 26, 24, 14, 14, 26, 9, 10, 8, 80, 10, 24])


def write_xlsx(record: SummaryRecord, path: Path) -> None:
    workbook = Workbook()
    _comments_sheet(workbook.active, record)
    _figures_sheet(workbook.create_sheet(_("Figures")), record)
    _roster_sheet(workbook.create_sheet(_("Roster")), record)
    _revisions_sheet(workbook.create_sheet(_("Revised documents")), record)
    if record.groups:
        _groups_sheet(workbook.create_sheet(_("Drafting groups")), record)
    atomic_write(path, lambda tmp: workbook.save(tmp))
