"""Every view renders in every language Docket speaks, and the French reads French.

The samples are in tests/unit/view_cases/.  A French rendering must hold none of the English
messages whose translation differs (the sign of a sentence not wrapped in `_()`, or wrapped
under a different text than the catalog has), and every public view function of bot/views must
have a sample, so a new view cannot skip its translation unnoticed.
"""

import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from babel.messages.pofile import read_po

import bot.views
import tests.unit.view_cases as view_cases
from bot.demo.standin.limits import check_message, check_view
from bot.views.fit import SlackMessage
from bot.views.i18n import LOCALE_DIR, speaking

# Helpers and tables, not views a person reads as such: each is used by the views that are.
NOT_VIEWS = {
    "fit",
    "i18n",
    "catalog",
    "labels",
    "messages.local_time",
    "messages.date_token",
    "messages.escape",
    "notices.meeting_not_found_text",  # the command line's, which speaks English
}


def _cases() -> dict[str, Callable[[], object]]:
    found: dict[str, Callable[[], object]] = {}
    for module in pkgutil.iter_modules(view_cases.__path__):
        cases = importlib.import_module(f"{view_cases.__name__}.{module.name}").CASES
        found.update(cases)
    return found


CASES = _cases()


def _view_functions() -> set[str]:
    names: set[str] = set()
    for module in pkgutil.iter_modules(bot.views.__path__):
        if module.name in NOT_VIEWS:
            continue
        loaded = importlib.import_module(f"bot.views.{module.name}")
        for name, value in vars(loaded).items():
            if (
                inspect.isfunction(value)
                and not name.startswith("_")
                and value.__module__ == loaded.__name__
                and f"{module.name}.{name}" not in NOT_VIEWS
            ):
                names.add(f"{module.name}.{name}")
    return names


def _text(rendered: Any) -> str:
    if isinstance(rendered, SlackMessage):
        return json.dumps([{"text": p.text, "blocks": p.blocks} for p in rendered.parts()])
    if isinstance(rendered, str):
        return rendered
    return json.dumps(rendered, default=_text, ensure_ascii=False)


@cache
def _english_that_french_changes() -> list[str]:
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "docket.po").open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    found = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        msgid = str(message.id[0] if isinstance(message.id, tuple) else message.id)
        string = str(message.string[0] if isinstance(message.string, tuple) else message.string)
        # Only the stretch before the first value: it is what a rendering holds verbatim.
        stem = msgid.split("{", 1)[0].strip()
        if len(stem) >= 20 and stem not in string:
            found.append(stem)
    return found


def test_every_view_has_a_sample() -> None:
    covered = {name.split("/", 1)[0] for name in CASES}
    assert not _view_functions() - covered, "add samples to tests/unit/view_cases/"


def _check_as_slack_would(rendered: Any) -> None:
    """What Slack would refuse (checked by the stand-in's rules, through slack_sdk's models):
    the French is longer than the English, and a modal's title has 24 characters at most."""
    if isinstance(rendered, SlackMessage):
        for part in rendered.parts():
            check_message({"text": part.text, "blocks": part.blocks})
    elif isinstance(rendered, dict) and rendered.get("type") in ("modal", "home"):
        check_view(rendered)
    elif rendered and isinstance(rendered, list) and all(_is_block(b) for b in rendered):
        check_view({"type": "home", "blocks": rendered})  # blocks, as a part of the Home


def _is_block(value: Any) -> bool:
    return isinstance(value, dict) and "type" in value


@pytest.mark.parametrize("name", sorted(CASES))
def test_view_fits_what_slack_takes_in_every_language(name: str) -> None:
    for language in ("en", "fr"):
        with speaking(language):
            _check_as_slack_would(CASES[name]())


@pytest.mark.parametrize("name", sorted(CASES))
def test_view_renders_in_english_and_in_french(name: str) -> None:
    with speaking("en"):
        english = _text(CASES[name]())
    with speaking("fr"):
        french = _text(CASES[name]())
    assert english.strip() and french.strip()
    assert english != french, f"{name} reads the same in French: are its words wrapped in _()?"
    leaks = [stem for stem in _english_that_french_changes() if stem in french]
    assert not leaks, f"English left in the French rendering of {name}: {leaks}"
    assert json.loads(json.dumps(french))  # serialisable as Slack takes it
