"""The summary record as an XLSX workbook: sheets "Comments" (the contract's columns, `kind`
and `phase`, one row per comment, withdrawn included), "Figures", "Roster", "Revised documents"
and, when there are any, "Drafting groups".

Times are shown in the meeting's time zone, except `posted_at`, which stays UTC ISO 8601 as in
the CSV.  Text always lands in a text cell: never a formula, never an error value.

The workbook is streamed (bot/record/xlsx_stream.py): each row is written to the file as it is
made, as XML text, so a record of 39,000 comments (620,000 cells) is written in about a second
and never held whole in memory (tests/unit/test_xlsx_layout.py checks it reads back cell by
cell as the workbook openpyxl wrote before).

The sheets' names, titles and tables are in the active language (bot/views/i18n.py); the
"Comments" and "Drafting groups" sheets keep the CSV's column names and stored values (`member`,
`active`, true/false) in every language, as the CSV does: they are the data, for machines too.
"""

from datetime import UTC
from pathlib import Path

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
from bot.record.xlsx_stream import StreamedSheet, StreamedWorkbook, Style
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


# The workbook's cell styles; a cell names one by its index.
STYLES = [
    Style(),  # PLAIN: the default
    Style(bold=True),  # BOLD: headers, labels and totals
    Style(bold=True, size=14),  # TITLE
    Style(vertical="top"),  # TOP: a data row's cells, beside a text that wraps
    Style(wrap=True, vertical="top"),  # WRAP: the text of a comment or contribution
]
PLAIN, BOLD, TITLE, TOP, WRAP = range(len(STYLES))


def _table(sheet: StreamedSheet, table: Table) -> None:
    """The table (header and totals in bold), then a blank row."""
    sheet.append(table.header, [BOLD])
    for values in table.rows:
        sheet.append(values, [PLAIN])
    if table.totals is not None:
        sheet.append(table.totals, [BOLD])
    sheet.skip()


def _comments_sheet(book: StreamedWorkbook, record: SummaryRecord) -> None:
    widths = [6, 26, 24, 14, 14, 12, 26, 10, 7, 80, 10, 12, 14, 24]
    with book.sheet(_("Comments"), widths, freeze=True) as rows:
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
        rows.auto_filter = f"A1:{get_column_letter(len(COMMENT_COLUMNS))}{rows.rows}"


def _figures_sheet(book: StreamedWorkbook, record: SummaryRecord) -> None:
    with book.sheet(_("Figures"), [34, 40, 14, 30, 22, 14, 12, 60], freeze=False) as rows:
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


def _revisions_sheet(book: StreamedWorkbook, record: SummaryRecord) -> None:
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
    widths = [6, 22, 40, 40, 22, 14, 60, 22, 12]
    with book.sheet(_("Revised documents"), widths, freeze=True) as sheet:
        _table(sheet, Table(head, rows))


def _roster_sheet(book: StreamedWorkbook, record: SummaryRecord) -> None:
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
    with book.sheet(_("Roster"), [30, 12, 14, 34, 10, 28], freeze=True) as sheet:
        _table(sheet, Table(head, rows))


def _groups_sheet(book: StreamedWorkbook, record: SummaryRecord) -> None:
    """One row per message written in a group's channel, kept-apart ones included (member
    false); the record's CSV columns stay as the contract has them."""
    widths = [26, 6, 24, 26, 24, 14, 14, 26, 9, 10, 8, 80, 10, 24]
    with book.sheet(_("Drafting groups"), widths, freeze=True) as rows:
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
        rows.auto_filter = f"A1:{get_column_letter(len(GROUP_COLUMNS))}{rows.rows}"


def write_xlsx(record: SummaryRecord, path: Path) -> None:
    """The workbook, through a temporary file: after a failure the old file stays as it was
    and the half-written one is deleted (atomic_write)."""
    marker = " " + _("[… cut at Excel's cell limit; the full text is in the CSV and HTML record]")

    def write(tmp: Path) -> None:
        # The sheets are streamed one after another, in the order they are shown.
        with StreamedWorkbook(tmp, STYLES, cut_marker=marker) as book:
            _comments_sheet(book, record)
            _figures_sheet(book, record)
            _roster_sheet(book, record)
            _revisions_sheet(book, record)
            if record.groups:
                _groups_sheet(book, record)

    atomic_write(path, write)
