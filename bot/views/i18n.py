"""Languages: every word a person reads, in the language they read Docket in.

The words are gettext messages in the catalogs beside this module (`locale/<lang>/LC_MESSAGES/
docket.po`, managed with Babel: `scripts/dev i18n extract|update|compile`).  The views mark them
with `_()` and `ngettext()` and fill in the values with `str.format` names, so a translation may
put them in any order:

    _("Item {number} is closed.", number=3)

The language is the one active where the view runs: a caller renders for a reader inside
`speaking(lang)` (private messages, forms, the Home), or renders a channel post in every meeting
language with `in_languages(languages, render)`.  It is a context variable, as Django's and
Flask-Babel's active language are, so views keep their signatures, threads never see each other's
language, and a view rendered outside any `speaking()` reads in English.

Compiled catalogs (`.mo`) are built by the install step (`scripts/dev`, the container), never
committed; where one is missing (a checkout nobody compiled), the `.po` is compiled in memory
so Docket still speaks every language it has a catalog for.
"""

import gettext
import io
import json
import logging
from collections.abc import Callable, Iterable, Iterator
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

from bot.views.fit import (
    BLOCK_TEXT_BUDGET,
    MESSAGE_BLOCKS,
    Block,
    SlackMessage,
    block_text_length,
    fallback,
)

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


# -- one channel message in every meeting language ------------------------------------------------


def in_languages(languages: Iterable[str], render: Callable[[], SlackMessage]) -> SlackMessage:
    """What goes to the channel, in every meeting language, in one message: each language's
    rendering in turn under a divider, the main language first.

    Buttons and inputs are kept once, from the main language (two of each would answer the same
    action twice), and the other languages' block ids get the language as a suffix, since Slack
    refuses a message with two blocks of one id.  When one message cannot hold them all (a very
    long text), each language's parts follow one another instead.
    """
    languages = list(dict.fromkeys(languages)) or [SOURCE_LANGUAGE]
    if len(languages) == 1:
        with speaking(languages[0]):
            return render()
    renders: list[SlackMessage] = []
    for language in languages:
        with speaking(language, sharing=len(languages)):
            renders.append(render())
    blocks: list[Block] = []
    for position, (language, rendered) in enumerate(zip(languages, renders, strict=True)):
        own = rendered.blocks
        if position:
            own = [_suffixed(block, language) for block in own if not _interactive(block)]
            if own:
                blocks.append({"type": "divider"})
        blocks += own
    single = all(not r.more for r in renders)
    if single and len(blocks) <= MESSAGE_BLOCKS and block_text_length(blocks) <= BLOCK_TEXT_BUDGET:
        text = fallback("\n\n".join(r.text for r in renders), "")
        return SlackMessage(text=text, blocks=blocks)
    parts = [part for rendered in renders for part in rendered.parts()]
    return SlackMessage(text=parts[0].text, blocks=parts[0].blocks, more=tuple(parts[1:]))


def _interactive(block: Block) -> bool:
    return block.get("type") in ("actions", "input")


def _suffixed(block: Block, language: str) -> Block:
    block = dict(block)
    if "block_id" in block:
        block["block_id"] = f"{block['block_id']}.{language}"[:255]
    if isinstance(block.get("accessory"), dict) and block["accessory"].get("type") != "image":
        del block["accessory"]  # a button or menu beside a section: the main language has it
    return block


def text_of(row: Any, attribute: str) -> str:
    """A meeting file's text (a meeting's, item's or document's `attribute`: title, proposal) in
    the active language: the file's translation when it gives one, else the main language's."""
    main = str(getattr(row, attribute) or "")
    language = _active.get()
    raw = getattr(row, "translations", "") or ""
    if not raw or f'"{language}"' not in raw:
        return main
    return _translations_json(raw).get(language, {}).get(attribute) or main


@lru_cache(maxsize=4096)
def _translations_json(raw: str) -> dict[str, dict[str, str]]:
    value = json.loads(raw)
    return value if isinstance(value, dict) else {}
