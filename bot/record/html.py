"""The summary record as one self-contained HTML file, from templates/record.html.j2: the style
sheet inline and the charts embedded as PNG data, so the file can be mailed or archived alone.

Autoescaping is on.  Values are escaped as `html.escape` does (`&#x27;` and `&quot;` for the
quotes, where Jinja's own escape writes `&#39;` and `&#34;`), so a record reads the same byte
for byte as the records written before the templates.  The record is in the active language
(bot/views/i18n.py), which the page's `lang` also gives.
"""

import base64
import html
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from bot.domain.summary import SummaryRecord
from bot.record.charts import CHART_FILES, HEIGHT_PX, WIDTH_PX
from bot.record.entries import template_context
from bot.record.files import write_pieces
from bot.record.templating import environment
from bot.views.i18n import N_, _

CHART_ALT = {
    "comments-per-week.png": N_(
        "Bar chart: active comments per meeting week, stacked by kind of participant (members, "
        "observers, chair, secretariat). The figures are in the table above."
    ),
    "comments-per-item.png": N_(
        "Bar chart: active comments per agenda item, stacked by kind of participant (members, "
        "observers, chair, secretariat). The figures are in the table above."
    ),
}


@dataclass(frozen=True)
class EmbeddedChart:
    data: str  # the PNG, base64
    alt: str
    width: int
    height: int


_as_markup = str.__new__  # _as_markup(Markup, text) is what Markup(text) gives for a str


def _escape(value: object) -> object:
    """Jinja's `finalize`: every value printed is escaped as `html.escape` escapes it; markup the
    template itself built (a macro's output) passes as it is.  Half a million values at 100x,
    so the common case is cheap: text with no quote in it is handed back to Jinja, whose own
    escaping (markupsafe's) gives exactly `html.escape`'s result when there is no quote to
    write (`&#x27;` and `&quot;` are where the two differ)."""
    if type(value) is not str:  # markup (a macro's output, a message), a number, a date
        if hasattr(value, "__html__"):
            return value
        value = str(value)
    if "'" in value or '"' in value:
        return _as_markup(Markup, html.escape(value, quote=True))
    return value


def _embedded(charts: dict[str, bytes]) -> list[EmbeddedChart]:
    """The known charts in their order, then any other one by name."""
    ordered = [n for n in CHART_FILES if n in charts] + sorted(set(charts) - set(CHART_FILES))
    return [
        EmbeddedChart(
            base64.b64encode(charts[name]).decode("ascii"),
            _(CHART_ALT[name]) if name in CHART_ALT else name,
            WIDTH_PX,
            HEIGHT_PX,
        )
        for name in ordered
    ]


def _is_number(value: object) -> bool:
    return isinstance(value, int)


@cache
def _template() -> jinja2.Template:
    env = environment(autoescape=True, filters={}, tests={"number": _is_number}, finalize=_escape)
    return env.get_template("record.html.j2")


def render_html(record: SummaryRecord, charts: dict[str, bytes]) -> str:
    return _template().render(template_context(record), charts=_embedded(charts))


def write_html(record: SummaryRecord, path: Path, charts: dict[str, bytes]) -> None:
    context = template_context(record)
    write_pieces(_template().generate(context, charts=_embedded(charts)), path)
