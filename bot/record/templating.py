"""The Jinja2 environment the record's templates (bot/record/templates/) are rendered in.

Undefined names fail loudly (`StrictUndefined`): a misspelt field must not quietly print
nothing in a record.  A block tag's own line leaves no trace in the output (`trim_blocks`,
`lstrip_blocks`), so a template reads line by line as the file it writes.

The record's own words are messages in the catalogs, as everywhere in Docket: `jinja2.ext.i18n`
with our gettext callables (bot/views/i18n.py), so a template writes `{{ _("Decisions") }}` or
`{{ _("Item {number}: {title}", number=..., title=...) }}` (values by name, `str.format`
syntax) and renders in the active language.  In an autoescaped template a message is markup
(the words are the template's own, as trusted as its literal text) and the values filled into
it are escaped as `html.escape` escapes them, like every other value of the HTML record.
"""

import html
from collections.abc import Callable, Mapping
from typing import Any

import jinja2
from markupsafe import Markup

from bot.views import i18n


def _gettext(message: str, /, **values: Any) -> str:
    return i18n._(message, **values)


def _ngettext(singular: str, plural: str, count: int, /, **values: Any) -> str:
    return i18n.ngettext(singular, plural, count, **values)


def _escaped(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: value if hasattr(value, "__html__") else Markup(html.escape(str(value), quote=True))
        for name, value in values.items()
    }


def _markup_gettext(message: str, /, **values: Any) -> Markup:
    return Markup(i18n._(message, **_escaped(values)))


def _markup_ngettext(singular: str, plural: str, count: int, /, **values: Any) -> Markup:
    return Markup(i18n.ngettext(singular, plural, count, **_escaped(values)))


def environment(
    *,
    autoescape: bool,
    filters: Mapping[str, Callable[..., object]],
    tests: Mapping[str, Callable[..., bool]] | None = None,
    finalize: Callable[[object], object] | None = None,
) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.record", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    if autoescape:
        env.install_gettext_callables(_markup_gettext, _markup_ngettext)  # type: ignore[attr-defined]
    else:
        env.install_gettext_callables(_gettext, _ngettext)  # type: ignore[attr-defined]
    env.filters.update(filters)
    env.tests.update(tests or {})
    return env
