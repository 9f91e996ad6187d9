"""The workbook, cell by cell: every sheet's values, cell types, number formats, fonts,
alignments, quote prefixes, column widths, frozen panes and filters, in English and in French.

The expected layouts in tests/unit/xlsx_cases/ were written by the workbook writer as it was
before it streamed its rows (openpyxl, before its write-only mode and then bot/record/
xlsx_stream.py took over, for the 100x record): the streamed workbook must read back the same.
After a deliberate change of the layout, write them again with
`.venv/bin/python -m tests.unit.test_xlsx_layout` and read the diff.

The streaming writer's own promises are checked here too: a failure leaves nothing behind,
texts XML cannot hold stay readable, and the package is consistent (content types,
relationships, styles).
"""

import dataclasses
import gc
import json
import sys
import warnings
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest

from bot.domain.summary import CommentEntry, SummaryRecord
from bot.record import xlsx, xlsx_stream
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
    """A failure halfway (here, in the Figures sheet, after the Comments sheet is streamed into
    the temporary file) deletes that file, keeps the old record, and leaves no open file for
    the garbage collector to find."""
    target = tmp_path / "rec.xlsx"
    target.write_bytes(b"the previous record")
    streaming: list[int] = []

    def broken(_record: SummaryRecord) -> None:
        streaming.extend(p.stat().st_size for p in tmp_path.glob(".rec.xlsx.*.tmp"))
        raise RuntimeError("a table could not be made")

    monkeypatch.setattr(xlsx, "kind_table", broken)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        with pytest.raises(RuntimeError, match="could not be made"):
            write_xlsx(tricky_record(), target)
        gc.collect()  # an unclosed file would say so here
    assert [w.message for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert streaming and streaming[0] > 0, "the Comments sheet was streamed to a temporary file"
    assert target.read_bytes() == b"the previous record"
    assert [p.name for p in tmp_path.iterdir()] == ["rec.xlsx"]


def test_texts_read_back_exactly_or_readable(tmp_path: Path) -> None:
    """What XML cannot hold becomes U+FFFD (controls, U+FFFE, U+FFFF); carriage returns and
    leading and trailing spaces are kept; markup characters are text."""
    record = tricky_record()
    first = record.items[0]
    texts = [
        "a\ufffeb\uffffc\x00d",
        "line\r\nnext\rlast",
        "  both ends \t",
        "\x0bstarts with a control",
        "</t></is></c><c>&amp;",
        " ",
    ]
    comments = [
        dataclasses.replace(first.comments[0], comment_id=f"C0PTC2020-t{n}", text=text)
        for n, text in enumerate(texts)
    ]
    items = [dataclasses.replace(first, comments=comments), *record.items[1:]]
    path = tmp_path / "rec.xlsx"
    write_xlsx(dataclasses.replace(record, items=items), path)
    sheet = openpyxl.load_workbook(path)["Comments"]
    assert [sheet.cell(row, 10).value for row in range(2, 2 + len(texts))] == [
        "a\ufffdb\ufffdc\ufffdd",
        "line\r\nnext\rlast",
        "  both ends \t",
        "\ufffdstarts with a control",
        "</t></is></c><c>&amp;",
        " ",
    ]


def test_the_package_is_complete_and_consistent(tmp_path: Path) -> None:
    """What Excel and LibreOffice check before they read a cell: every XML part well formed,
    every part given a content type, every relationship pointing at a part, every cell style
    defined, every sheet of the workbook there."""
    path = tmp_path / "rec.xlsx"
    write_xlsx(tricky_record(), path)
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        parts = {name: ElementTree.fromstring(archive.read(name)) for name in archive.namelist()}
    types = parts["[Content_Types].xml"]
    overrides = {e.get("PartName", "") for e in types if e.tag.endswith("Override")}
    defaults = {e.get("Extension", "") for e in types if e.tag.endswith("Default")}
    # Every part but the relationships has a content type of its own (Excel refuses a part
    # typed only as plain XML), and every content type names a part.
    typed = {f"/{name}" for name in parts if not name.endswith(".rels")}
    assert typed - {"/[Content_Types].xml"} == overrides
    assert "rels" in defaults
    for rels, base in (("_rels/.rels", ""), ("xl/_rels/workbook.xml.rels", "xl/")):
        for rel in parts[rels]:
            assert base + rel.get("Target", "") in parts, rel.get("Target")
    styles = parts["xl/styles.xml"]
    xfs = styles.find(f"{main}cellXfs")
    fonts = styles.find(f"{main}fonts")
    assert xfs is not None and fonts is not None
    assert int(xfs.get("count", "")) == len(xfs)
    assert all(int(xf.get("fontId", "")) < len(fonts) for xf in xfs)
    sheets = parts["xl/workbook.xml"].find(f"{main}sheets")
    assert sheets is not None and len(sheets) == 5
    for n in range(1, len(sheets) + 1):
        cells = parts[f"xl/worksheets/sheet{n}.xml"].iter(f"{main}c")
        assert all(int(c.get("s", "0")) < len(xfs) for c in cells)


def test_a_value_the_writer_does_not_know_is_refused(tmp_path: Path) -> None:
    """Only text, numbers, booleans and empty cells: anything else is refused, not guessed."""
    book = xlsx_stream.StreamedWorkbook(
        tmp_path / "x.xlsx", [xlsx_stream.Style()], cut_marker="[cut]"
    )
    with (
        pytest.raises(TypeError, match="no XLSX cell for a datetime"),
        book,
        book.sheet("S", [10], freeze=False) as sheet,
    ):
        sheet.append(["a", datetime(2020, 5, 1, tzinfo=UTC)], [0])


@pytest.mark.parametrize("title", ["a" * 32, "a/b", "[x]", ""])
def test_a_sheet_name_excel_refuses_is_refused(tmp_path: Path, title: str) -> None:
    book = xlsx_stream.StreamedWorkbook(
        tmp_path / "x.xlsx", [xlsx_stream.Style()], cut_marker="[cut]"
    )
    with book, pytest.raises(ValueError, match="cannot name a sheet"):
        book.sheet(title, [10], freeze=False)


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
