"""The workbook, cell by cell: every sheet's values, cell types, number formats, fonts,
alignments, quote prefixes, column widths, frozen panes and filters, in English and in French.

The expected layouts in tests/unit/xlsx_cases/ were written by the workbook writer as it was
before it streamed its rows (openpyxl's write-only mode, for the 100x record): the streamed
workbook must read back the same.  After a deliberate change of the layout, write them again
with `.venv/bin/python -m tests.unit.test_xlsx_layout` and read the diff.
"""

import dataclasses
import gc
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bot.domain.summary import CommentEntry, SummaryRecord
from bot.record import xlsx
from bot.record.languages import in_language
from bot.record.xlsx import write_xlsx
from bot.views.i18n import speaking
from tests.unit.test_record_formats import empty_record
from tests.unit.test_record_languages import full_record, texts

CASES = Path(__file__).with_name("xlsx_cases")


def tricky_record() -> SummaryRecord:
    """The full record (revised document, drafting group) with texts a cell must keep as text:
    formulas, error values, signs, control characters, empty texts, a named author."""
    record = full_record()
    first = record.items[0]
    extra: list[CommentEntry] = [
        dataclasses.replace(
            first.comments[0], comment_id=f"C0PTC2020-x{n}", text=text, revisions=n % 3
        )
        for n, text in enumerate(
            ["@mention", "=1+1", "#DIV/0!", "", "  spaced  ", "bell\x07and\x1fesc", "-5", "12"]
        )
    ]
    named = dataclasses.replace(
        first.comments[1], comment_id="C0PTC2020-named", author="Alex Adler", comment_kind="general"
    )
    items = [dataclasses.replace(first, comments=[*first.comments, *extra, named])]
    return dataclasses.replace(record, items=[*items, *record.items[1:]])


def _english() -> SummaryRecord:
    return tricky_record()


def _french() -> SummaryRecord:
    return in_language(tricky_record(), texts())


RECORDS: dict[str, tuple[str, Callable[[], SummaryRecord]]] = {
    "en": ("en", _english),
    "fr": ("fr", _french),
    "empty": ("en", empty_record),
}


def layout(path: Path) -> dict[str, Any]:
    """What a reader of the workbook sees, as plain data: per sheet, its frozen panes, filter,
    size and column widths, and every cell that holds a value or a style."""
    book = openpyxl.load_workbook(path)
    sheets: list[dict[str, Any]] = []
    for sheet in book.worksheets:
        cells = []
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None and not cell.has_style:
                    continue
                font, align = cell.font, cell.alignment
                cells.append(
                    [
                        cell.coordinate,
                        cell.value,
                        cell.data_type,
                        cell.number_format,
                        bool(font.b),
                        font.sz,
                        bool(align.wrap_text),
                        align.vertical,
                        bool(cell.quotePrefix),
                    ]
                )
        widths = {
            letter: dim.width
            for letter, dim in sorted(sheet.column_dimensions.items())
            if dim.customWidth
        }
        sheets.append(
            {
                "title": sheet.title,
                "freeze_panes": sheet.freeze_panes,
                "auto_filter": sheet.auto_filter.ref,
                "max_row": sheet.max_row,
                "max_column": sheet.max_column,
                "widths": widths,
                "cells": cells,
            }
        )
    return {"sheetnames": book.sheetnames, "sheets": sheets}


def written_layout(case: str, tmp_path: Path) -> dict[str, Any]:
    language, record = RECORDS[case]
    path = tmp_path / f"{case}.xlsx"
    with speaking(language):
        write_xlsx(record(), path)
    # A JSON round trip, so that what is compared is what the expected file can hold.
    result: dict[str, Any] = json.loads(json.dumps(layout(path)))
    return result


@pytest.mark.parametrize("case", sorted(RECORDS))
def test_workbook_reads_back_cell_by_cell_as_expected(case: str, tmp_path: Path) -> None:
    expected = json.loads((CASES / f"{case}.json").read_text(encoding="utf-8"))
    got = written_layout(case, tmp_path)
    assert got["sheetnames"] == expected["sheetnames"]
    for mine, theirs in zip(got["sheets"], expected["sheets"], strict=True):
        for key in ("title", "freeze_panes", "auto_filter", "max_row", "max_column", "widths"):
            assert (theirs["title"], key, mine[key]) == (theirs["title"], key, theirs[key])
        assert len(mine["cells"]) == len(theirs["cells"]), theirs["title"]
        for cell, want in zip(mine["cells"], theirs["cells"], strict=True):
            assert (theirs["title"], cell) == (theirs["title"], want)


def test_french_sheet_names_are_french() -> None:
    expected = json.loads((CASES / "fr.json").read_text(encoding="utf-8"))
    assert "Comments" not in expected["sheetnames"]
    assert len(expected["sheetnames"]) == 5  # the drafting groups' sheet included


def test_a_failure_while_streaming_leaves_no_file_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows already streamed sit in openpyxl's temporary files: a failure halfway (here,
    in the Figures sheet, after the Comments sheet is written) deletes them, keeps the old
    record, and leaves no open writer for the garbage collector to trip on."""
    from openpyxl.worksheet import _writer

    target = tmp_path / "rec.xlsx"
    target.write_bytes(b"the previous record")
    known = set(_writer.ALL_TEMP_FILES)

    def broken(_record: SummaryRecord) -> None:
        raise RuntimeError("a table could not be made")

    monkeypatch.setattr(xlsx, "kind_table", broken)
    with pytest.raises(RuntimeError, match="could not be made"):
        write_xlsx(tricky_record(), target)
    gc.collect()  # an unclosed writer would complain here (pytest makes that an error)
    made = set(_writer.ALL_TEMP_FILES) - known
    assert made, "the Comments sheet was streamed to a temporary file"
    assert not [name for name in made if Path(name).exists()]
    assert target.read_bytes() == b"the previous record"
    assert [p.name for p in tmp_path.iterdir()] == ["rec.xlsx"]


def regenerate(folder: Path) -> None:
    """Write the expected layouts from the current writer (after a deliberate change)."""
    import tempfile

    folder.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for case in RECORDS:
            data = written_layout(case, Path(tmp))
            (folder / f"{case}.json").write_text(_dumps(data), encoding="utf-8")


def _dumps(data: dict[str, Any]) -> str:
    """JSON with one line per cell, so that a diff reads cell by cell."""
    sheets = []
    for sheet in data["sheets"]:
        head = {key: value for key, value in sheet.items() if key != "cells"}
        cells = ",\n".join("   " + json.dumps(cell, ensure_ascii=False) for cell in sheet["cells"])
        head_text = json.dumps(head, ensure_ascii=False)[:-1]
        sheets.append(f'  {head_text}, "cells": [\n{cells}\n  ]}}')
    names = json.dumps(data["sheetnames"], ensure_ascii=False)
    return '{"sheetnames": ' + names + ', "sheets": [\n' + ",\n".join(sheets) + "\n]}\n"


if __name__ == "__main__":
    regenerate(Path(sys.argv[1]) if len(sys.argv) > 1 else CASES)
