"""Long but legal meeting content, played through the real app and clock against the strict
stand-in: every Web API call is accepted, and no word of the long texts is lost on the way
(joined across the blocks and messages Slack received)."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import select

from bot.clock.digest import send_digest
from bot.clock.posting import post_items
from bot.clock.scheduler import run_due
from bot.core.db import session_scope
from bot.demo.standin.server import Call
from bot.domain.meetings import load_meeting
from bot.parse.meeting_file import read_meeting_file
from bot.slack.api import ChannelPacer, Outbound, make_client
from bot.views.fit import SlackMessage, escape
from models import AgendaItem, Meeting
from tests.conftest import IN_SESSION, Bot
from tests.unit.test_fit_views import check_message, check_view

CHANNEL = "C0TEST0001"
CHAIR, SECRETARIAT = "U0CHAIR01", "U0SEC0001"
MEMBERS = ("U0AU00001", "U0CI00001", "U0NZ00001", "U0JP00001")
# The thirty items' deadline: 17 July 2020, 17:00 in Brussels (15:00 UTC).
DEADLINE_LOCAL = "2020-07-17T17:00"
DEADLINE = datetime(2020, 7, 17, 15, 0, tzinfo=UTC)
CLOSING = range(10, 40)  # thirty items closing at once


def words(tag: str, count: int, *, lines: bool = True) -> str:
    """Distinct words, some with characters Slack needs escaped, in lines of various lengths."""
    out = []
    for n in range(count):
        word = f"{tag}{n:04d}"
        if n % 19 == 0:
            word += " &"
        if n % 23 == 0:
            word += " <x>"
        out.append(word + ("\n" if lines and n % 41 == 40 else " "))
    return "".join(out).strip()


PROPOSAL = words("proposal", 380)
DECISION = "The PTC decided " + words("decision", 320, lines=False)
SILENCE = "The PTC adopts " + words("silence", 700, lines=False)
REASON = "We cannot accept " + words("reason", 700, lines=False)


def meeting_file(tmp_path: Path, *, proposal: str = PROPOSAL, documents_count: int = 25) -> Path:
    documents = [
        {
            "code": f"PC{n:04d}E1",
            "title": f"Annex {n}: tools & methods for disaster management",
            "url": f"https://example.org/documents/2020/PC{n:04d}E1.pdf",
        }
        for n in range(documents_count)
    ]
    agenda: list[dict[str, Any]] = [
        {
            "number": 3,
            "title": "COVID-19: the WCO's role in the disaster management cycle",
            "proposal": proposal,
            "documents": documents,
            "opens": "2020-07-03T09:00",
            "deadline": "2020-07-31T17:00",
        },
        {
            "number": 4,
            "title": "E-commerce package annexes",
            "proposal": "The PTC is invited to approve the three annexes.",
            "opens": "2020-07-03T09:00",
            "deadline": "2020-07-31T17:00",
        },
    ]
    agenda += [
        {
            "number": n,
            "title": f"Item {n} on customs & trade facilitation in a long title, {n}",
            "proposal": f"The PTC is invited to take note of item {n}.",
            "opens": "2020-07-03T09:00",
            "deadline": DEADLINE_LOCAL,
        }
        for n in CLOSING
    ]
    spec = {
        "key": "long-ptc",
        "title": "Test Committee, a session with long content",
        "channel": CHANNEL,
        "timezone": "Europe/Brussels",
        "reminders": ["1d"],
        "nudge": "off",
        "chair": [CHAIR],
        "secretariat": [SECRETARIAT],
        "delegations": [
            {"name": name, "kind": "member", "delegates": [user]}
            for name, user in zip(
                ("Australia", "Côte d'Ivoire", "New Zealand", "Japan"), MEMBERS, strict=True
            )
        ],
        "agenda": agenda,
    }
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def load(bot: Bot, path: Path) -> dict[int, str]:
    spec = read_meeting_file(path)
    with session_scope(bot.database.engine) as session:
        load_meeting(session, spec=spec, now=IN_SESSION)
    results = post_items(
        bot.database.engine,
        make_client(bot.settings),
        meeting_key="long-ptc",
        numbers=None,
        now=IN_SESSION,
    )
    assert all(r.outcome == "posted" for r in results), results
    return {r.number: r.detail.removeprefix("ts ") for r in results}


def outbound(bot: Bot) -> Outbound:
    return Outbound(make_client(bot.settings), ChannelPacer(0))


def command(bot: Bot, name: str, text: str, user: str) -> str:
    delivery = bot.sender.command(command=name, text=text, user=user, channel=CHANNEL)
    assert delivery.status == 200, delivery.body
    bot.settle()
    return delivery.body


# -- what Slack received --------------------------------------------------------------------------


def _texts(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [
            text
            for key, inner in value.items()
            for text in ([inner] if key == "text" and isinstance(inner, str) else _texts(inner))
        ]
    if isinstance(value, list):
        return [text for inner in value for text in _texts(inner)]
    return []


def _blocks(call: Call) -> list[dict[str, Any]]:
    blocks = call.params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def messages(bot: Bot, *, channel: str | None = None) -> list[Call]:
    return [
        call
        for call in bot.standin.calls
        if call.method in ("chat.postMessage", "chat.update")
        and (channel is None or call.params.get("channel") == channel)
    ]


def received(calls: list[Call]) -> str:
    """Every word the calls' blocks carried, one space between words."""
    return " ".join(" ".join(text for call in calls for text in _texts(_blocks(call))).split())


def assert_every_word(text: str, shown: str) -> None:
    """Every word of `text`, escaped as Slack shows it, in `shown`, in order."""
    position = 0
    for word in escape(text).split():
        found = shown.find(word, position)
        assert found >= 0, f"{word!r} never reached Slack"
        position = found + len(word)


def assert_all_accepted(bot: Bot) -> None:
    """Every call went through (the stand-in answered ok), and every message and view is within
    Slack's limits as checked independently of the stand-in."""
    for call in bot.standin.calls:
        assert call.status == 200 and getattr(call, "error", None) is None, (
            call.method,
            getattr(call, "error", None),
        )
        if call.method in ("chat.postMessage", "chat.update") and call.params.get("blocks"):
            check_message(SlackMessage(str(call.params.get("text") or ""), _blocks(call)))
        if call.method in ("views.open", "views.publish", "views.update"):
            view = call.params["view"]
            check_view(json.loads(view) if isinstance(view, str) else view)


# -- the session ----------------------------------------------------------------------------------


def test_long_content_goes_through_whole_and_every_call_is_accepted(bot: Bot, tmp_path: Path):
    roots = load(bot, meeting_file(tmp_path))
    assert set(roots) == {3, 4, *CLOSING}
    engine = bot.database.engine

    # A 3,500-character proposal and 25 documents: the item's root message holds them all.
    assert len(PROPOSAL) > 3_500
    root_calls = [c for c in messages(bot, channel=CHANNEL) if not c.params.get("thread_ts")]
    item3 = [c for c in root_calls if "proposal0000" in received([c])]
    assert item3, "item 3 was not posted"
    shown = received(messages(bot))
    assert_every_word(PROPOSAL, shown)
    for n in range(25):
        assert f"<https://example.org/documents/2020/PC{n:04d}E1.pdf|PC{n:04d}E1>" in shown

    # The decision form cannot take the proposal whole: it is not prefilled, and says so.
    command(bot, "/approve", "3", CHAIR)
    [opened] = bot.standin.calls_to("views.open")
    form = opened.params["view"]
    form = json.loads(form) if isinstance(form, str) else form
    assert "initial_value" not in form["blocks"][2]["element"]
    assert "more than this field holds" in json.dumps(form["blocks"])

    # A 3,000-character decision: whole in the thread's announcement.
    assert len(DECISION) >= 3_000
    bot.standin.clear_calls()
    command(bot, "/approve", f"3 {DECISION}", CHAIR)
    thread = [c for c in messages(bot) if c.params.get("thread_ts") == roots[3]]
    assert thread
    assert_every_word(DECISION, received(thread))
    assert_all_accepted(bot)

    # A long silence text and a long objection reason: whole in the thread (and in the DMs).
    bot.standin.clear_calls()
    command(bot, "/approve", f"4 silence 2020-07-20T17:00 {SILENCE}", CHAIR)
    thread = [c for c in messages(bot) if c.params.get("thread_ts") == roots[4]]
    assert_every_word(SILENCE, received(thread))
    command(bot, "/object", f"4 {REASON}", MEMBERS[1])
    thread = [c for c in messages(bot) if c.params.get("thread_ts") == roots[4]]
    assert_every_word(REASON, received(thread))
    assert_every_word(REASON, received(messages(bot, channel=CHAIR)))
    assert_all_accepted(bot)

    # Comments on every closing item, for a digest over a large meeting.
    for n in CLOSING:
        for position, user in enumerate(MEMBERS):
            delivery = bot.sender.reply(
                channel=CHANNEL,
                user=user,
                thread_ts=roots[n],
                text=f"Comment {position} on item {n}: " + words(f"c{n}x{position}x", 40),
            )
            assert delivery.status == 200
    bot.settle()

    # The digest over the whole meeting: several messages, each within Slack's limits.
    bot.standin.clear_calls()
    with session_scope(engine) as session:
        meeting = session.exec(select(Meeting).where(Meeting.key == "long-ptc")).one()
        assert meeting.id is not None
        meeting_id = meeting.id
    send_digest(
        engine,
        outbound(bot),
        meeting_id=meeting_id,
        recipient=SECRETARIAT,
        now=datetime(2020, 7, 16, 12, 0, tzinfo=UTC),
        forced=True,
    )
    digest = messages(bot, channel=SECRETARIAT)
    assert len(digest) > 1
    for n in CLOSING:
        assert f"Item {n}: Item {n} on customs" in received(digest), n
    assert_all_accepted(bot)

    # Thirty items reminded at once, a day before their deadline.
    bot.standin.clear_calls()
    run_due(engine, outbound(bot), now=datetime(2020, 7, 16, 15, 30, tzinfo=UTC))
    reminders = [
        c
        for c in messages(bot, channel=CHANNEL)
        if c.method == "chat.postMessage" and not c.params.get("thread_ts")
    ]
    assert "Closing soon" in received(reminders[:1])
    for n in CLOSING:
        assert re.search(rf"\*{n}: Item {n} on customs", received(reminders)), n
    assert_all_accepted(bot)

    # Thirty items closing at once.
    bot.standin.clear_calls()
    run_due(engine, outbound(bot), now=DEADLINE)
    with session_scope(engine) as session:
        items = {i.number: i for i in session.exec(select(AgendaItem))}
    for n in CLOSING:
        assert items[n].deadline_at is not None
        notices = [c for c in messages(bot) if c.params.get("thread_ts") == roots[n]]
        assert any(f"Comments on item {n} closed" in received([c]) for c in notices), n
    assert_all_accepted(bot)


def test_a_proposal_and_documents_too_long_for_one_message_go_on_in_the_items_thread(
    bot: Bot, tmp_path: Path
):
    proposal = words("proposal", 3000)
    roots = load(bot, meeting_file(tmp_path, proposal=proposal, documents_count=300))
    assert_all_accepted(bot)
    [root] = [
        c
        for c in bot.standin.calls_to("chat.postMessage")
        if "proposal0000" in received([c]) and not c.params.get("thread_ts")
    ]
    assert "full text in the thread" in received([root])
    assert "the full list is in the thread" in received([root])
    thread = [c for c in messages(bot) if c.params.get("thread_ts") == roots[3]]
    assert_every_word(proposal, received(thread))
    for n in range(300):
        assert f"<https://example.org/documents/2020/PC{n:04d}E1.pdf|PC{n:04d}E1>" in received(
            thread
        )
