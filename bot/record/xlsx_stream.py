"""A small streaming XLSX writer: the sheets' XML written row by row, as text, into the zip.

Why not a library: openpyxl (write-only mode) and XlsxWriter (constant-memory mode) both make a
Python object per cell and serialise it, 13-30 µs a cell; the 100x record has 620,000 cells,
so neither writes it in the 3 s the record has (BENCHMARKS.md, "the XLSX streamed").  Here each
row is one string and each cell one f-string, about 1.5 µs a cell; deflating the XML costs
about as much again.  openpyxl still reads the files back in the tests.

The workbook reads back as the one openpyxl's write-only mode wrote for the record, cell by cell
(tests/unit/test_xlsx_layout.py), with the same parts:
- `[Content_Types].xml`, `_rels/.rels`, `docProps/app.xml` and `core.xml`, `xl/workbook.xml`
  (sheet names, and the `_xlnm._FilterDatabase` name Excel expects beside each filter),
  `xl/_rels/workbook.xml.rels`, `xl/theme/theme1.xml` (openpyxl's, which the default font's
  colour refers to), `xl/styles.xml`, and `xl/worksheets/sheetN.xml`, one per sheet;
- a fixed set of cell styles, given when the workbook is made: style 0 is the default, and each
  style has a twin with Excel's quote prefix (text that looks like a formula stays text when
  someone edits the cell) at its index plus the number of styles;
- cells as inline strings (`t="inlineStr"`), numbers, booleans, or empty styled cells; text is
  XML-escaped, characters XML 1.0 forbids become U+FFFD, and text longer than Excel's cell limit
  (32,767 UTF-16 units) is cut and says so.

Only what the record uses: no dates, formulas, merged cells or shared strings.  A value of any
other type is refused with TypeError rather than written in a way nobody checked.  A sheet's
XML must stay under 2 GiB (zip64 is not used; the 100x record's largest is 49 MB).
"""

import contextlib
import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Self
from xml.sax.saxutils import quoteattr

from openpyxl.utils import get_column_letter
from openpyxl.writer.theme import theme_xml

XLSX_MAX_TEXT = 32_767  # Excel's limit on a cell, counted in UTF-16 code units
# What XML 1.0 forbids in text: control characters, lone surrogates, U+FFFE and U+FFFF.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
QUOTED_START = "=+-@"  # a text starting so would be a formula when someone edits the cell
# Text that must go through cell_text and escape_text: what XML forbids, what it escapes.
NEEDS_CARE = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
SHORT_TEXT = XLSX_MAX_TEXT // 2  # so many characters fit whatever they are (2 units at most)
PRESERVE = ' xml:space="preserve"'  # keeps a text's leading and trailing spaces
MAX_SHEET_TITLE = 31  # Excel refuses longer sheet names
SHEET_TITLE_FORBIDDEN = re.compile(r"[\\*?:/\[\]]")
# zlib's level: at 100x, 3 deflates the 49 MB of XML in half the time of the default 6
# (0.5 s against 1.0 s of CPU) for a file 11% larger (7.9 MB against 7.2 MB).
COMPRESS_LEVEL = 3
FLUSH_ROWS = 256  # rows joined and compressed at once: large enough to be cheap, small in memory

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass(frozen=True)
class Style:
    """A cell style: a font (bold, size in points; None: the default font's 11) and an
    alignment (vertical, wrapped text)."""

    bold: bool = False
    size: int | None = None
    vertical: str | None = None
    wrap: bool = False


def escape_text(value: str) -> str:
    """Text as XML element content.  A carriage return is written as a reference: a parser
    turns a literal one into a line feed."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace("\r", "&#13;") if "\r" in value else value


def cell_text(value: str, cut_marker: str) -> str:
    """What a cell can hold: no characters XML forbids (U+FFFD instead), and no more than
    Excel's limit, counted as Excel counts (UTF-16 units); cut text ends with `cut_marker`."""
    if XML_ILLEGAL.search(value) is not None:
        value = XML_ILLEGAL.sub("\ufffd", value)
    if len(value) <= SHORT_TEXT:
        return value
    units = value.encode("utf-16-le")
    if len(units) // 2 <= XLSX_MAX_TEXT:
        return value
    keep = XLSX_MAX_TEXT - len(cut_marker)
    return units[: keep * 2].decode("utf-16-le", errors="ignore") + cut_marker


class StreamedSheet:
    """One worksheet being written: rows go to the zip as they are appended (a few hundred
    at a time), so the sheet is never held whole.  Made by `StreamedWorkbook.sheet`; closed
    (the filter and the end of the XML written) when its `with` block ends."""

    def __init__(
        self, book: "StreamedWorkbook", handle: IO[bytes], widths: Sequence[float], freeze: bool
    ) -> None:
        self._book = book
        self._handle = handle
        self._buffer: list[str] = []
        self._letters: list[str] = []
        self.rows = 0  # written so far, blank rows before a written row included
        self._blank = 0  # blank rows asked for and not counted yet
        self.auto_filter: str | None = None  # a range such as "A1:N391", set before closing
        self._buffer.append(_sheet_head(widths, freeze))

    def append(self, values: Sequence[object], styles: Sequence[int]) -> None:
        """One row.  `styles` are indexes into the workbook's styles, per column (the last one
        stands for the columns beyond it).  An empty value ("" or None) in the default style
        writes nothing; in another style, an empty styled cell.

        This runs once a row for 40,000 rows and more: each cell is one f-string, and text
        that needs neither escaping nor cutting (most of it) is written as it is."""
        self.rows += self._blank + 1
        self._blank = 0
        row = str(self.rows)
        if len(styles) < len(values):
            styles = [*styles, *[styles[-1]] * (len(values) - len(styles))]
        attrs = self._book.style_attrs
        quoted = self._book.quoted_offset
        cells: list[str] = []
        # Letters and styles may run beyond the values: zip stops at the shortest.
        for letter, style, value in zip(
            self._column_letters(len(values)), styles, values, strict=False
        ):
            if isinstance(value, str) and value:
                if NEEDS_CARE.search(value) is None and len(value) <= SHORT_TEXT:
                    text = value
                else:
                    value = cell_text(value, self._book.cut_marker)
                    text = escape_text(value)
                if value[0] in QUOTED_START:
                    style += quoted
                space = PRESERVE if value[0].isspace() or value[-1].isspace() else ""
                cells.append(
                    f'<c r="{letter}{row}"{attrs[style]} t="inlineStr"><is><t{space}>{text}'
                    "</t></is></c>"
                )
            elif value is None or value == "":
                if style:
                    cells.append(f'<c r="{letter}{row}"{attrs[style]} t="n"/>')
            elif isinstance(value, bool):  # before int: a bool is an int
                cells.append(f'<c r="{letter}{row}"{attrs[style]} t="b"><v>{value:d}</v></c>')
            elif isinstance(value, int | float):
                if math.isfinite(value):  # as openpyxl writes numbers: 16 significant digits
                    cells.append(
                        f'<c r="{letter}{row}"{attrs[style]} t="n"><v>{value:.16g}</v></c>'
                    )
                elif style:  # Excel has no NaN or infinity: an empty cell, as openpyxl wrote
                    cells.append(f'<c r="{letter}{row}"{attrs[style]} t="n"/>')
            else:
                raise TypeError(f"no XLSX cell for a {type(value).__name__}: {value!r}")
        self._buffer.append(f'<row r="{row}">{"".join(cells)}</row>')
        if len(self._buffer) >= FLUSH_ROWS:
            self._flush()

    def skip(self) -> None:
        """A blank row, counted only if a row follows it."""
        self._blank += 1

    def close(self) -> None:
        """End the sheet's XML (with its filter) and its entry in the zip."""
        tail = "</sheetData>"
        if self.auto_filter is not None:
            tail += f"<autoFilter ref={quoteattr(self.auto_filter)}/>"
        self._buffer.append(
            tail + '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" '
            'footer="0.5"/></worksheet>'
        )
        self._flush()
        self._handle.close()

    def _flush(self) -> None:
        self._handle.write("".join(self._buffer).encode("utf-8"))
        self._buffer.clear()

    def _column_letters(self, count: int) -> list[str]:
        while len(self._letters) < count:
            self._letters.append(get_column_letter(len(self._letters) + 1))
        return self._letters

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                self.close()
                self._book.sheet_closed(self)
        finally:
            if self._book.open_sheet is self:  # an error, in the block or in closing
                self._book.abandon()

    def abandon(self) -> None:
        """After an error: let go of the zip entry; what was written goes with the file."""
        with contextlib.suppress(Exception):  # the error itself is what is raised
            self._handle.close()


def _sheet_head(widths: Sequence[float], freeze: bool) -> str:
    """The sheet's XML up to its first row: views (frozen first row), column widths."""
    if freeze:
        view = (
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A1" sqref="A1"/>'
        )
    else:
        view = '<selection activeCell="A1" sqref="A1"/>'
    cols = "".join(
        f'<col min="{n}" max="{n}" width="{width:g}" customWidth="1"/>'
        for n, width in enumerate(widths, start=1)
    )
    return (
        f'{DECLARATION}<worksheet xmlns="{MAIN}">'
        '<sheetPr><outlinePr summaryBelow="1" summaryRight="1"/><pageSetUpPr/></sheetPr>'
        f'<sheetViews><sheetView workbookViewId="0">{view}</sheetView></sheetViews>'
        '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + "<sheetData>"
    )


class StreamedWorkbook:
    """An .xlsx file written as it goes: sheets one after another, each streamed, and the
    workbook's own parts when the `with` block ends without an error.  After an error the zip
    is closed unfinished; the caller deletes it (bot/record/files.atomic_write does)."""

    def __init__(self, path: Path, styles: Sequence[Style], *, cut_marker: str) -> None:
        if not styles or styles[0] != Style():
            raise ValueError("style 0 must be the default style, Style()")
        self.styles = list(styles)
        self.quoted_offset = len(self.styles)  # style n's quote-prefixed twin
        # Each style's attribute in a cell, the default's left out as openpyxl did.
        self.style_attrs = [""] + [f' s="{n}"' for n in range(1, 2 * len(self.styles))]
        self.cut_marker = cut_marker
        self._titles: list[str] = []
        self._filters: dict[int, str] = {}  # sheet index: its filter's range
        self.open_sheet: StreamedSheet | None = None
        self._now = datetime.now(UTC).replace(microsecond=0)
        # The file is ours, not the zip's: after an error it is closed whatever state the
        # zip is in (a zip with an entry half written refuses to close).
        self._file = path.open("wb")
        try:
            self._zip = zipfile.ZipFile(
                self._file, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
            )
            self._write("docProps/app.xml", _app_xml())
            self._write("docProps/core.xml", _core_xml(self._now))
            self._write("xl/theme/theme1.xml", theme_xml)
            self._write("xl/styles.xml", _styles_xml(self.styles))
        except BaseException:
            self._file.close()
            raise

    def sheet(self, title: str, widths: Sequence[float], *, freeze: bool) -> StreamedSheet:
        """The next sheet, to fill in a `with` block: `widths` per column from A, `freeze`
        keeps the first row in view."""
        if self.open_sheet is not None:
            raise RuntimeError("close the previous sheet first")
        if len(title) > MAX_SHEET_TITLE or SHEET_TITLE_FORBIDDEN.search(title) or not title:
            raise ValueError(f"Excel cannot name a sheet {title!r}")
        if title.lower() in (t.lower() for t in self._titles):
            raise ValueError(f"two sheets named {title!r}")
        self._titles.append(title)
        name = f"xl/worksheets/sheet{len(self._titles)}.xml"
        self.open_sheet = StreamedSheet(self, self._zip.open(name, "w"), widths, freeze)
        return self.open_sheet

    def sheet_closed(self, sheet: StreamedSheet) -> None:
        """Called by a sheet that closed cleanly: remember its filter for workbook.xml."""
        if sheet.auto_filter is not None:
            self._filters[len(self._titles) - 1] = sheet.auto_filter
        self.open_sheet = None

    def finish(self) -> None:
        """The parts that name the sheets, then the zip's directory."""
        if self.open_sheet is not None:
            raise RuntimeError("a sheet is still open")
        self._write("xl/workbook.xml", _workbook_xml(self._titles, self._filters))
        self._write("xl/_rels/workbook.xml.rels", _workbook_rels(len(self._titles)))
        self._write("_rels/.rels", _root_rels())
        self._write("[Content_Types].xml", _content_types(len(self._titles)))
        self._zip.close()
        self._file.close()

    def abandon(self) -> None:
        """After an error: let go of the file, unfinished (the caller deletes it)."""
        if self.open_sheet is not None:
            self.open_sheet.abandon()
            self.open_sheet = None
        with contextlib.suppress(Exception):  # the error itself is what is raised
            self._zip.close()
        self._file.close()

    def _write(self, name: str, xml: str) -> None:
        self._zip.writestr(name, xml.encode("utf-8"))

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is not None:
            self.abandon()
            return
        try:
            self.finish()
        except BaseException:
            self.abandon()
            raise


def _styles_xml(styles: Sequence[Style]) -> str:
    """The fonts and cell formats (cellXfs) of `styles`, then their quote-prefixed twins.
    Font 0 is the default (Calibri 11, the theme's text colour); a bold or sized font says
    only that, as openpyxl wrote it."""
    fonts = [
        '<font><name val="Calibri"/><family val="2"/><color theme="1"/><sz val="11"/>'
        '<scheme val="minor"/></font>'
    ]
    font_ids: list[int] = []
    for style in styles:
        if not style.bold and style.size is None:
            font_ids.append(0)
            continue
        font = "<font>" + ('<b val="1"/>' if style.bold else "")
        font += (f'<sz val="{style.size}"/>' if style.size is not None else "") + "</font>"
        if font not in fonts:
            fonts.append(font)
        font_ids.append(fonts.index(font))
    xfs = []
    for quote in (0, 1):
        for style, font_id in zip(styles, font_ids, strict=True):
            align = ""
            if style.vertical is not None or style.wrap:
                vertical = f" vertical={quoteattr(style.vertical)}" if style.vertical else ""
                wrap = ' wrapText="1"' if style.wrap else ""
                align = f"<alignment{vertical}{wrap}/>"
            xfs.append(
                f'<xf numFmtId="0" fontId="{font_id}" fillId="0" borderId="0" xfId="0"'
                + (' applyFont="1"' if font_id else "")
                + (' applyAlignment="1"' if align else "")
                + f' quotePrefix="{quote}"'
                + (f">{align}</xf>" if align else "/>")
            )
    return (
        f'{DECLARATION}<styleSheet xmlns="{MAIN}">'
        f'<fonts count="{len(fonts)}">{"".join(fonts)}</fonts>'
        '<fills count="2"><fill><patternFill/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" '
        'defaultPivotStyle="PivotStyleLight16"/>'
        "</styleSheet>"
    )


def _quote_sheet(title: str) -> str:
    """A sheet's name as a formula or defined name refers to it."""
    return "'" + title.replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    """ "A1:N391" as "$A$1:$N$391"."""
    return ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", part) for part in ref.split(":"))


def _workbook_xml(titles: Sequence[str], filters: dict[int, str]) -> str:
    sheets = "".join(
        f'<sheet name={quoteattr(title)} sheetId="{n}" state="visible" r:id="rId{n}"/>'
        for n, title in enumerate(titles, start=1)
    )
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
        f"{escape_text(_quote_sheet(titles[index]))}!{_absolute(ref)}</definedName>"
        for index, ref in sorted(filters.items())
    )
    return (
        f'{DECLARATION}<workbook xmlns="{MAIN}" xmlns:r="{REL}"><workbookPr/>'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{sheets}</sheets>"
        + (f"<definedNames>{names}</definedNames>" if names else "")
        + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
    )


def _relationships(targets: Sequence[tuple[str, str]]) -> str:
    rels = "".join(
        f'<Relationship Id="rId{n}" Type="{kind}" Target="{target}"/>'
        for n, (kind, target) in enumerate(targets, start=1)
    )
    return f'{DECLARATION}<Relationships xmlns="{PKG_REL}">{rels}</Relationships>'


def _workbook_rels(sheets: int) -> str:
    """Sheet n is rIdn, as workbook.xml says; then the styles and the theme."""
    targets = [(f"{REL}/worksheet", f"worksheets/sheet{n}.xml") for n in range(1, sheets + 1)]
    targets += [(f"{REL}/styles", "styles.xml"), (f"{REL}/theme", "theme/theme1.xml")]
    return _relationships(targets)


def _root_rels() -> str:
    return _relationships(
        [
            (f"{REL}/officeDocument", "xl/workbook.xml"),
            (f"{PKG_REL}/metadata/core-properties", "docProps/core.xml"),
            (f"{REL}/extended-properties", "docProps/app.xml"),
        ]
    )


def _content_types(sheets: int) -> str:
    office = "application/vnd.openxmlformats-officedocument"
    parts = [
        ("/xl/workbook.xml", f"{office}.spreadsheetml.sheet.main+xml"),
        ("/xl/styles.xml", f"{office}.spreadsheetml.styles+xml"),
        ("/xl/theme/theme1.xml", f"{office}.theme+xml"),
        ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
        ("/docProps/app.xml", f"{office}.extended-properties+xml"),
    ]
    parts += [
        (f"/xl/worksheets/sheet{n}.xml", f"{office}.spreadsheetml.worksheet+xml")
        for n in range(1, sheets + 1)
    ]
    overrides = "".join(
        f'<Override PartName="{name}" ContentType="{kind}"/>' for name, kind in parts
    )
    return (
        f'{DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f"{overrides}</Types>"
    )


def _app_xml() -> str:
    return (
        f"{DECLARATION}<Properties "
        'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>Docket</Application></Properties>"
    )


def _core_xml(now: datetime) -> str:
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f"{DECLARATION}<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:creator>Docket</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    )
