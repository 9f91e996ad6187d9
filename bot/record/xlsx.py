"""The summary record as an XLSX workbook: sheets "Comments" (the contract's columns, `kind`
and `phase`, one row per comment, withdrawn included), "Figures", "Roster", "Revised documents"
and, when there are any, "Drafting groups".

Times are shown in the meeting's time zone, except `posted_at`, which stays UTC ISO 8601 as in
the CSV.  Text always lands in a text cell: never a formula, never an error value.

The workbook is streamed (openpyxl's write-only mode): each row is written to the file as it is
made, so a record of 39,000 comments is written in a few seconds and never held whole in
memory (tests/unit/test_xlsx_layout.py checks it reads back cell by cell as before).

The sheets' names, titles and tables are in the active language (bot/views/i18n.py); the
"Comments" and "Drafting groups" sheets keep the CSV's column names and stored values (`member`,
`active`, true/false) in every language, as the CSV does: they are the data, for machines too.
"""

import contextlib
import re
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

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


class Style:
    """A cell's font and alignment (None: the workbook's default); compared by identity, so
    that finding a sheet's styled cell never hashes openpyxl's style objects."""

    __slots__ = ("alignment", "font")

    def __init__(self, font: Font | None = None, alignment: Alignment | None = None) -> None:
        self.font, self.alignment = font, alignment


PLAIN = Style()
BOLD = Style(Font(bold=True))
TITLE = Style(Font(bold=True, size=14))
TOP = Style(alignment=Alignment(vertical="top"))
WRAP = Style(alignment=Alignment(wrap_text=True, vertical="top"))

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


class _Sheet:
    """A streamed sheet (openpyxl's write-only mode): rows are written as they are appended, so
    the workbook never holds them all.  Column widths and frozen panes are set before the first
    row, the filter before the workbook is saved.

    Every cell of a row is one of a few styled cells per sheet (a style is a font and an
    alignment), filled with the row's value and written at once: openpyxl writes a cell when
    it is appended, so the same styled cell serves every row without styling 500,000 cells.
    """

    def __init__(self, sheet: WriteOnlyWorksheet, widths: list[int], *, freeze: bool) -> None:
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        if freeze:
            sheet.freeze_panes = "A2"
        self.sheet = sheet
        self.rows = 0  # written so far
        self._blank = 0  # blank rows asked for and not written yet
        self._cells: dict[tuple[int, Style, bool], Cell] = {}

    def append(self, values: Sequence[object], styles: Sequence[Style]) -> None:
        """One row; `styles` per column (the last one stands for the columns beyond it)."""
        for _blank in range(self._blank):
            self.sheet.append([])
        self.rows += self._blank + 1
        self._blank = 0
        last = len(styles) - 1
        self.sheet.append(
            [self._cell(i, value, styles[min(i, last)]) for i, value in enumerate(values)]
        )

    def skip(self) -> None:
        """A blank row, written only if a row follows it."""
        self._blank += 1

    def _cell(self, index: int, value: object, style: Style) -> Cell | None:
        """The styled cell of this column and style, holding `value`; text always a string
        cell, never a formula or an error value.  None: nothing to write."""
        if value == "":
            value = None  # an empty cell, not an empty string
        quoted = isinstance(value, str) and value[:1] in ("=", "+", "-", "@")
        if value is None and style is PLAIN:
            return None
        key = (index, style, quoted)
        cell = self._cells.get(key)
        if cell is None:
            cell = self._cells[key] = WriteOnlyCell(self.sheet)
            if style.font is not None:
                cell.font = style.font
            if style.alignment is not None:
                cell.alignment = style.alignment
            if quoted:
                cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
        if isinstance(value, str):
            cell.value = _xlsx_text(value)
            # openpyxl makes "=..." a formula and "#N/A" an error: text stays text.
            cell.data_type = "s"
        else:
            cell.value = value
        return cell


def _table(sheet: _Sheet, table: Table) -> None:
    """The table (header and totals in bold), then a blank row."""
    sheet.append(table.header, [BOLD])
    for values in table.rows:
        sheet.append(values, [PLAIN])
    if table.totals is not None:
        sheet.append(table.totals, [BOLD])
    sheet.skip()


def _comments_sheet(sheet: WriteOnlyWorksheet, record: SummaryRecord) -> None:
    rows = _Sheet(sheet, [6, 26, 24, 14, 14, 12, 26, 10, 7, 80, 10, 12, 14, 24], freeze=True)
    rows.append(COMMENT_COLUMNS, [BOLD])
    styles = [TOP] * 9 + [WRAP, TOP]  # the text wraps
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
            rows.append(values, styles)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COMMENT_COLUMNS))}{rows.rows}"


def _figures_sheet(sheet: WriteOnlyWorksheet, record: SummaryRecord) -> None:
    rows = _Sheet(sheet, [34, 40, 14, 30, 22, 14, 12, 60], freeze=False)
    rows.append([_("Summary record: {title}", title=record.title)], [TITLE])
    rows.skip()
    for label, value in [*facts(record), *participation(record)]:
        rows.append([label, value], [BOLD, PLAIN])
    rows.skip()
    for heading, table in (
        (_("Comments by kind"), kind_table(record)),
        (_("Comments per item"), item_table(record)),
        (_("Comments per item by classification"), classification_table(record)),
        (_("Comments per week"), week_table(record)),
    ):
        rows.append([heading], [BOLD])
        _table(rows, table)

    f = record.figures
    member, observer = kind_word("member"), kind_word("observer")
    taking_part: list[list[str | int]] = [[name, member] for name in f.members_taking_part]
    taking_part += [[name, observer] for name in f.observers_taking_part]
    rows.append([_("Delegations that took part")], [BOLD])
    taking_part_table = Table(
        [_("Delegation"), _("Kind")], taking_part, [_("Total"), len(taking_part)]
    )
    _table(rows, taking_part_table)

    # Every decision, superseded ones included, unlike the Markdown and HTML table.
    rows.append([_("Decisions")], [BOLD])
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
    _table(rows, Table(head, decisions))


def _revisions_sheet(sheet: WriteOnlyWorksheet, record: SummaryRecord) -> None:
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
    _table(_Sheet(sheet, [6, 22, 40, 40, 22, 14, 60, 22, 12], freeze=True), Table(head, rows))


def _roster_sheet(sheet: WriteOnlyWorksheet, record: SummaryRecord) -> None:
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
    _table(_Sheet(sheet, [30, 12, 14, 34, 10, 28], freeze=True), Table(head, rows))


def _groups_sheet(sheet: WriteOnlyWorksheet, record: SummaryRecord) -> None:
    """One row per message written in a group's channel, kept-apart ones included (member
    false); the record's CSV columns stay as the contract has them."""
    rows = _Sheet(sheet, [26, 6, 24, 26, 24, 14, 14, 26, 9, 10, 8, 80, 10, 24], freeze=True)
    rows.append(GROUP_COLUMNS, [BOLD])
    styles = [TOP] * 11 + [WRAP, TOP]  # the text wraps
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
            rows.append(values, styles)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(GROUP_COLUMNS))}{rows.rows}"


def write_xlsx(record: SummaryRecord, path: Path) -> None:
    def write(tmp: Path) -> None:
        # A streamed workbook's sheets are made and filled in order, then saved once.
        workbook = Workbook(write_only=True)
        try:
            _comments_sheet(workbook.create_sheet(_("Comments")), record)
            _figures_sheet(workbook.create_sheet(_("Figures")), record)
            _roster_sheet(workbook.create_sheet(_("Roster")), record)
            _revisions_sheet(workbook.create_sheet(_("Revised documents")), record)
            if record.groups:
                _groups_sheet(workbook.create_sheet(_("Drafting groups")), record)
            workbook.save(tmp)
        except BaseException:
            _discard(workbook)
            raise

    atomic_write(path, write)


def _discard(workbook: Workbook) -> None:
    """After a failure: close every streamed sheet and delete the temporary file openpyxl
    writes its rows to, rather than leave them to the garbage collector and the exit."""
    for sheet in workbook.worksheets:
        if not sheet.closed:
            with contextlib.suppress(Exception):  # the failure itself is what is raised
                sheet.close()
        writer = getattr(sheet, "_writer", None)
        if writer is not None:
            for stream in (getattr(sheet, "_rows", None), writer.xf):
                with contextlib.suppress(Exception):
                    if stream is not None:
                        stream.close()
            Path(writer.out).unlink(missing_ok=True)
