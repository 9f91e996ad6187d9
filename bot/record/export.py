"""The whole summary record at once: Markdown, HTML (charts embedded), XLSX and the chart PNGs;
or one format of it.  In the active language (bot/views/i18n.py), with the meeting file's texts
in that language when `texts` are given (bot/record/languages.py)."""

from pathlib import Path
from typing import Literal

from bot.domain.record_texts import RecordTexts
from bot.domain.summary import SummaryRecord
from bot.record.charts import render_charts
from bot.record.files import write_png
from bot.record.html import write_html
from bot.record.languages import in_language
from bot.record.markdown import write_markdown
from bot.record.xlsx import write_xlsx

RecordFormat = Literal["md", "html", "xlsx"]


def write_all(
    record: SummaryRecord, out_dir: Path, stem: str, *, texts: RecordTexts | None = None
) -> dict[str, Path]:
    """The files in `out_dir`, named after `stem`; returns the paths keyed "md", "html", "xlsx"
    and the chart file names."""
    record = in_language(record, texts)
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


def write_record(
    record: SummaryRecord, fmt: RecordFormat, path: Path, *, texts: RecordTexts | None = None
) -> None:
    """The record in one format (the HTML with its charts) at `path`."""
    record = in_language(record, texts)
    if fmt == "md":
        write_markdown(record, path)
    elif fmt == "html":
        write_html(record, path, render_charts(record))
    else:
        write_xlsx(record, path)
