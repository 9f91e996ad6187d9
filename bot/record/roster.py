"""A meeting's roster as a roster file (`python -m bot roster export`): the columns
`roster import` reads (bot/parse/roster.py), as CSV or XLSX by the file's extension.

The CSV is UTF-8 with a byte order mark (so that Excel reads its accents), comma-separated.  In
the XLSX every value is a text cell: never a formula, never a number.  Both are written beside
the target and renamed, so a failed export never leaves half a file.
"""

import csv
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from bot.parse.roster import FILE_TYPES, ROLE_DELEGATIONS, ROSTER_COLUMNS, RosterRow
from bot.record.files import atomic_write

XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters XML 1.0 forbids
WIDTHS = {"delegation": 32, "kind": 12, "name": 28, "email": 34, "slack_id": 14, "language": 10}


class RosterFileType(ValueError):
    """The file's extension is neither .csv nor .xlsx."""


def roster_cells(row: RosterRow) -> list[str]:
    """One row's cells in the order of ROSTER_COLUMNS; the chair's and the secretariat's
    delegation written as "Chair" and "Secretariat"."""
    delegation = row.delegation if row.delegation is not None else ROLE_DELEGATIONS[row.kind]
    return [
        delegation,
        row.kind,
        row.name or "",
        row.email or "",
        row.slack_id or "",
        row.language or "",
    ]


def write_roster(rows: Sequence[RosterRow], path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix not in FILE_TYPES:
        raise RosterFileType(path.suffix)
    table = [roster_cells(row) for row in rows]
    if suffix == ".csv":
        atomic_write(path, lambda tmp: _write_csv(table, tmp))
    else:
        atomic_write(path, lambda tmp: _write_xlsx(table, tmp))


def _write_csv(table: list[list[str]], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ROSTER_COLUMNS)
        writer.writerows(table)


def _write_xlsx(table: list[list[str]], path: Path) -> None:
    book = Workbook()
    sheet: Any = book.active
    sheet.title = "Roster"
    for column, name in enumerate(ROSTER_COLUMNS, start=1):
        _put(sheet, 1, column, name).font = Font(bold=True)
        letter = sheet.cell(row=1, column=column).column_letter
        sheet.column_dimensions[letter].width = WIDTHS.get(name, 16)
    for number, cells in enumerate(table, start=2):
        for column, value in enumerate(cells, start=1):
            _put(sheet, number, column, value)
    sheet.freeze_panes = "A2"
    book.save(path)


def _put(sheet: Any, row: int, column: int, value: str) -> Any:
    cell = sheet.cell(row=row, column=column)
    if value:
        cell.value = XLSX_ILLEGAL.sub("\ufffd", value)
        cell.data_type = "s"  # openpyxl makes "=..." a formula: text stays text
        if value[:1] in ("=", "+", "-", "@"):
            cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
    return cell
