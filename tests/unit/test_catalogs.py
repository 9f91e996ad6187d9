"""The message catalogs: every message the code marks has a French translation that is neither
missing nor fuzzy, and keeps the same `{names}` as the English, so no French reader ever meets
an English sentence or a sentence with a value missing."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.views.i18n import LOCALE_DIR, available_languages

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
METHODS = [
    ("bot/views/**.py", "python"),
    ("bot/record/**.py", "python"),
    ("handlers/**.py", "python"),
    ("bot/record/templates/**.j2", "jinja2"),
]
NAMES = re.compile(r"\{(\w+)\}")


def _extracted() -> dict[str, tuple[str, ...]]:
    """msgid -> (msgid, plural): every message the code marks, read from the source itself."""
    found: dict[str, tuple[str, ...]] = {}
    for _filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map=METHODS,
        options_map={"bot/record/templates/**.j2": {"extensions": "jinja2.ext.i18n"}},
        keywords=KEYWORDS,
    ):
        ids = message if isinstance(message, tuple) else (message,)
        found[ids[0]] = ids
    return found


def test_the_code_marks_messages() -> None:
    assert len(_extracted()) > 5


@pytest.mark.parametrize("language", [lang for lang in available_languages() if lang != "en"])
def test_every_message_has_a_translation_that_is_neither_missing_nor_fuzzy(language: str) -> None:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "docket.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    problems: list[str] = []
    for msgid, ids in _extracted().items():
        entry = catalog.get(msgid)
        if entry is None:
            problems.append(f"missing: {msgid!r} (run scripts/dev i18n extract, then update)")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        strings = tuple(
            str(s) for s in (entry.string if isinstance(entry.string, tuple) else (entry.string,))
        )
        if not all(strings):
            problems.append(f"untranslated: {msgid!r}")
            continue
        wanted = set(NAMES.findall(" ".join(ids)))
        for string in strings:
            if set(NAMES.findall(string)) - wanted or (
                len(strings) == 1 and set(NAMES.findall(string)) != wanted
            ):
                problems.append(f"names differ: {msgid!r} -> {string!r}")
    assert not problems, "\n".join(problems)


def test_french_is_a_language_docket_speaks() -> None:
    assert available_languages()[:1] == ("en",)
    assert "fr" in available_languages()
