"""The message catalogs and the active language: `_()`, `ngettext()`, `N_()`, `speaking()`,
meeting-file texts in the active language, and dates as each language writes them.

Imported by every view, `fit.py` included; `i18n.py` adds what needs the blocks (a channel
message in every language) and re-exports all of this, so views import from `bot.views.i18n`.
"""

import gettext
import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

DOMAIN = "docket"
LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE_LANGUAGE = "en"  # the language the messages are written in: it needs no catalog
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}

_active: ContextVar[str] = ContextVar("docket_language", default=SOURCE_LANGUAGE)
# How many languages share the message being rendered: a view with a fixed budget (an item's
# root message must stay one message) gives each language its share.
_sharing: ContextVar[int] = ContextVar("docket_languages_sharing", default=1)


def available_languages() -> tuple[str, ...]:
    """The languages Docket speaks: English, and every language with a catalog."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE_LANGUAGE, *(lang for lang in found if lang != SOURCE_LANGUAGE))


@cache
def translations(language: str) -> gettext.NullTranslations:
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    compiled = folder / f"{DOMAIN}.mo"
    source = folder / f"{DOMAIN}.po"
    if compiled.exists() and (
        not source.exists() or compiled.stat().st_mtime >= source.stat().st_mtime
    ):
        with compiled.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if source.exists():
        log.warning("catalog %s is not compiled (scripts/dev i18n compile): read as is", source)
        with source.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)
    log.warning("no catalog for language %r: English is used", language)
    return gettext.NullTranslations()


def active_language() -> str:
    return _active.get()


def languages_sharing() -> int:
    return _sharing.get()


@contextmanager
def speaking(language: str | None, *, sharing: int | None = None) -> Iterator[None]:
    """Render inside this block in `language` (None: English)."""
    token = _active.set(language or SOURCE_LANGUAGE)
    shared = _sharing.set(sharing) if sharing is not None else None
    try:
        yield
    finally:
        _active.reset(token)
        if shared is not None:
            _sharing.reset(shared)


def _(message: str, /, **values: Any) -> str:
    """`message` in the active language, with `values` filled in."""
    text = translations(_active.get()).gettext(message)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, count: int, /, **values: Any) -> str:
    """The singular or plural form for `count` in the active language; `{count}` is filled in."""
    text = translations(_active.get()).ngettext(singular, plural, count)
    return text.format(count=count, **values)


def N_(message: str) -> str:
    """Marks a message for the catalog where it is defined; `_()` translates it where it is read."""
    return message


# -- dates and times, as each language writes them ------------------------------------------------


def _locale() -> Locale:
    return Locale.parse(_active.get())


def local_datetime(moment: datetime, timezone: str) -> str:
    """`moment` in the meeting's zone, written as the active language writes a date and time:
    "Fri 29 May 2020 17:00 CEST" / "ven. 29 mai 2020 17:00 CEST"."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    written = format_datetime(local, "EEE dd MMM y HH:mm", tzinfo=zone, locale=_locale())
    return f"{written} {local.tzname() or timezone}"


def local_date(moment: datetime, timezone: str) -> str:
    """The day of `moment` in the meeting's zone: "29 May 2020" / "29 mai 2020"."""
    return format_date(moment.astimezone(ZoneInfo(timezone)), "d MMMM y", locale=_locale())


def text_of(row: Any, attribute: str) -> str:
    """A meeting file's text (a meeting's, item's or document's `attribute`: title, proposal) in
    the active language: the file's translation when it gives one, else the main language's."""
    return translated(str(getattr(row, attribute) or ""), row.translations, attribute)


def translated(main: str, translations: str, attribute: str) -> str:
    """`text_of` for a text carried apart from its row: `main` is the main language's text,
    `translations` the row's stored translations (JSON, see models)."""
    language = _active.get()
    if not translations or f'"{language}"' not in translations:
        return main
    return _translations_json(translations).get(language, {}).get(attribute) or main


@lru_cache(maxsize=4096)
def _translations_json(raw: str) -> dict[str, dict[str, str]]:
    value = json.loads(raw)
    return value if isinstance(value, dict) else {}
