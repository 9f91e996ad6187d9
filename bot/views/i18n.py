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

from collections.abc import Callable, Iterable

from bot.views.catalog import (
    DOMAIN,
    LANGUAGE_NAMES,
    LOCALE_DIR,
    N_,
    SOURCE_LANGUAGE,
    _,
    active_language,
    available_languages,
    languages_sharing,
    local_date,
    local_datetime,
    ngettext,
    speaking,
    text_of,
    translated,
    translations,
)
from bot.views.fit import (
    BLOCK_TEXT_BUDGET,
    MESSAGE_BLOCKS,
    Block,
    SlackMessage,
    block_text_length,
    fallback,
)

__all__ = [
    "DOMAIN",
    "LANGUAGE_NAMES",
    "LOCALE_DIR",
    "N_",
    "SOURCE_LANGUAGE",
    "_",
    "active_language",
    "available_languages",
    "in_languages",
    "languages_sharing",
    "local_date",
    "local_datetime",
    "ngettext",
    "speaking",
    "text_of",
    "translated",
    "translations",
]


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
