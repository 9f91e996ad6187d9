"""The record writers' shortcuts for the common case give what the general way gives.

The HTML escapes text without quotes through Jinja's own escaping, English dates are written
with `isoformat` instead of `strftime`, and Markdown skips work a text does not need: each is
checked here against the general way on awkward values.
"""

import html
import random
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from markupsafe import Markup

from bot.record.html import _escape
from bot.record.languages import written_moment
from bot.record.markdown import md_quote, md_text
from bot.record.templating import environment

TEXTS = [
    "",
    "plain",
    "it's",
    'say "yes"',
    "a < b > c & d",
    "&amp; &lt;b&gt; &#39; &quot;",
    "<script>alert('x')</script>",
    "ünïcode 👍 مرحبا 你好",
    "line one\nline two\n\nline four\n",
    "\n",
    "trailing\n",
    "=SUM(A1:A2)",
]


@pytest.mark.parametrize("value", [*TEXTS, 0, 12, -5, 3.5, None, True])
def test_html_values_are_escaped_as_html_escape_escapes_them(value: object) -> None:
    template = environment(autoescape=True, filters={}, finalize=_escape).from_string("{{ v }}")
    assert template.render(v=value) == html.escape(str(value), quote=True)


def test_html_markup_the_template_built_is_not_escaped_again() -> None:
    template = environment(autoescape=True, filters={}, finalize=_escape).from_string("{{ v }}")
    assert template.render(v=Markup("<b>it's</b>")) == "<b>it's</b>"


def test_english_moments_read_as_strftime_writes_them() -> None:
    rng = random.Random(2020)
    zones = [
        "Europe/Brussels",
        "UTC",
        "Asia/Kathmandu",  # +05:45
        "Australia/Lord_Howe",  # half an hour of summer time
        "America/Sao_Paulo",
        "Etc/GMT+12",
        "Africa/Monrovia",  # an offset in seconds before 1972
    ]
    for _ in range(2000):
        moment = datetime(1900, 1, 1, tzinfo=UTC) + timedelta(
            seconds=rng.randrange(0, 5_000_000_000), microseconds=rng.randrange(10**6)
        )
        for zone in zones:
            local = moment.astimezone(ZoneInfo(zone))
            assert written_moment(moment, zone) == f"{local:%Y-%m-%d %H:%M %Z}"


def test_a_moment_before_the_year_1000_is_written_as_strftime_writes_it() -> None:
    moment = datetime(999, 5, 1, 12, 30, tzinfo=UTC)
    assert written_moment(moment, "UTC") == f"{moment:%Y-%m-%d %H:%M %Z}"


MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")


@pytest.mark.parametrize("text", TEXTS)
def test_markdown_text_and_quotes_are_as_the_general_way_makes_them(text: str) -> None:
    general = MD_ENTITY.sub("\\\\&", text.replace("<", "\\<"))
    assert md_text(text) == general
    lines = general.split("\n")
    assert md_quote(text) == [
        (f"> {line}" if line else ">") + ("  " if i < len(lines) - 1 and line else "")
        for i, line in enumerate(lines)
    ]
