"""The whole summary record at once: Markdown, HTML (charts embedded), XLSX and the chart PNGs."""

from pathlib import Path

from bot.domain.summary import SummaryRecord
from bot.record.charts import render_charts
from bot.record.files import write_png
from bot.record.html import write_html
from bot.record.markdown import write_markdown
from bot.record.xlsx import write_xlsx


def write_all(record: SummaryRecord, out_dir: Path, stem: str) -> dict[str, Path]:
    """The files in `out_dir`, named after `stem`; returns the paths keyed "md", "html", "xlsx"
    and the chart file names."""
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
