"""The summary record as Markdown, from templates/record.md.j2.

The filters here make a person's text show as typed once rendered: a Markdown renderer would
pass `<b>` or `<script>` through as HTML (or drop it) and turn `&lt;` into `<`, so both are
backslash-escaped; a table cell also escapes `|` and `\\`.
"""

import re
from functools import cache
from pathlib import Path

import jinja2

from bot.domain.summary import SummaryRecord
from bot.record.entries import safe_href, template_context
from bot.record.files import write_pieces
from bot.record.templating import environment

MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")


def md_text(value: object) -> str:
    text = str(value).replace("<", "\\<")
    # Most texts have no "&" at all (tens of thousands at 100x): no substitution to run.
    return MD_ENTITY.sub("\\\\&", text) if "&" in text else text


def md_inline(value: object) -> str:
    """On one line: a heading, a list entry."""
    return " ".join(md_text(value).splitlines())


def md_cell(value: object) -> str:
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(md_text(text).splitlines())


def md_quote(text: str) -> list[str]:
    """The quoted lines; two trailing spaces make Markdown keep the line break."""
    quoted = md_text(text)
    if "\n" not in quoted:  # most comments: one line, no break to keep
        return [f"> {quoted}" if quoted else ">"]
    lines = quoted.split("\n")
    return [
        (f"> {line}" if line else ">") + ("  " if i < len(lines) - 1 and line else "")
        for i, line in enumerate(lines)
    ]


def md_href(url: str) -> str | None:
    """The address as a link target, or None when it must be shown as text: not a web or mail
    address, or one that would break `<...>` link syntax."""
    href = safe_href(url)
    return href if href and not re.search(r"[<>\s]", href) else None


@cache
def _template() -> jinja2.Template:
    filters = {"md_inline": md_inline, "md_cell": md_cell, "md_quote": md_quote, "md_href": md_href}
    return environment(autoescape=False, filters=filters).get_template("record.md.j2")


def render_markdown(record: SummaryRecord) -> str:
    return _template().render(template_context(record))


def write_markdown(record: SummaryRecord, path: Path) -> None:
    write_pieces(_template().generate(template_context(record)), path)
