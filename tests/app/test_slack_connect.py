"""Delegates from other organisations: people who reach the meeting channel through Slack Connect
(their events carry their own workspace in `user_team`) or as guests are recorded by their user
id like anyone, through the real app over signed HTTP."""

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import col, select

from bot.clock.posting import post_items
from bot.core.db import session_scope
from bot.domain.meetings import load_meeting
from bot.parse.meeting_file import parse_meeting
from bot.slack.api import make_client
from bot.slack.events import Edited, Posted, read_message_event
from models import Comment, CommentRevision, Delegation, StrayReply
from tests.conftest import DATA, IN_SESSION, Bot

HOST_TEAM = "T0DOCKET01"  # the workspace Docket is installed in (the stand-in's)
DOUANES = "T0DOUANES1"  # Côte d'Ivoire customs' own workspace, connected to the channel
AWA = "U0EXTAWA1"  # a delegate of Côte d'Ivoire, from DOUANES, named by user id in the file
GUEST = "U0GUEST01"  # a single-channel guest of the host workspace, delegate of the UPU
STRANGER = "U0EXTOTHR"  # someone else from DOUANES, on no roster
CHANNEL = "C0SHARE001"  # a Slack Connect channel shared with DOUANES


@pytest.fixture
def roots(bot: Bot) -> Iterator[dict[int, str]]:
    """The small meeting in a shared channel, with Awa and the guest on its roster; items 3 and
    4 posted."""
    text = (DATA / "small.yaml").read_text(encoding="utf-8")
    text = text.replace("channel: C0TEST0001", f"channel: {CHANNEL}")
    text = text.replace("delegates: [U0CI00001]", f"delegates: [U0CI00001, {AWA}]")
    text = text.replace("delegates: [U0UPU0001]", f"delegates: [U0UPU0001, {GUEST}]")
    bot.standin.add_user(AWA, real_name="Awa Diop", team_id=DOUANES, locale="fr-FR")
    bot.standin.add_user(STRANGER, real_name="Yao Kouassi", team_id=DOUANES)
    bot.standin.add_user(GUEST, real_name="Lea Martin")
    bot.standin.add_channel(CHANNEL, name="ptc-shared", members=[AWA, GUEST, STRANGER])
    client = make_client(bot.settings)
    spec = parse_meeting(
        text, name="shared.yaml", lookup_email=lambda _: "U0AUJANE1", allow_unresolved=True
    )
    with session_scope(bot.database.engine) as session:
        load_meeting(session, spec=spec, now=IN_SESSION)
    results = post_items(
        bot.database.engine, client, meeting_key="test-ptc", numbers=None, now=IN_SESSION
    )
    posted = {r.number: r.detail.removeprefix("ts ") for r in results if r.outcome == "posted"}
    assert set(posted) == {3, 4}
    bot.standin.clear_calls()
    yield posted


def connect_message(
    *, user: str, team: str, text: str, ts: str, thread_ts: str, guest: bool = False
) -> dict[str, Any]:
    """A message as Slack sends it from a shared channel: the author's own workspace in `team`,
    `user_team` and `source_team`, and their profile inline (Slack's Events API shape)."""
    return {
        "client_msg_id": str(uuid.uuid4()),
        "type": "message",
        "text": text,
        "user": user,
        "ts": ts,
        "blocks": [
            {
                "type": "rich_text",
                "block_id": "Xy1z",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                ],
            }
        ],
        "team": team,
        "user_team": team,
        "source_team": team,
        "user_profile": {
            "avatar_hash": "g0123456789a",
            "image_72": "https://secure.gravatar.com/avatar/0123.jpg",
            "first_name": "Awa",
            "real_name": "Awa Diop",
            "display_name": "awa",
            "team": team,
            "name": "awa.diop",
            "is_restricted": guest,
            "is_ultra_restricted": guest,
        },
        "thread_ts": thread_ts,
        "parent_user_id": "U0DOCKETBT",
    }


def envelope(event: dict[str, Any]) -> bytes:
    """The event_callback of a shared channel: the host's team and the bot's authorization, and
    `is_ext_shared_channel` true."""
    event = {**event, "channel": CHANNEL, "event_ts": event["ts"], "channel_type": "channel"}
    return json.dumps(
        {
            "token": "standinVerificationT0ken",
            "team_id": HOST_TEAM,
            "context_team_id": HOST_TEAM,
            "context_enterprise_id": None,
            "api_app_id": "A0DOCKET01",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(float(event["ts"])),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": HOST_TEAM,
                    "user_id": "U0DOCKETBT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": True,
            "event_context": "4-eyJldCI6Im1lc3NhZ2UifQ",
        }
    ).encode()


def send(bot: Bot, event: dict[str, Any]) -> int:
    return bot.sender.send(envelope(event), content_type="application/json").status


def comments(bot: Bot) -> list[Comment]:
    with session_scope(bot.database.engine) as session:
        return list(session.exec(select(Comment).order_by(col(Comment.id))))


def delegation_id(bot: Bot, name: str) -> int | None:
    with session_scope(bot.database.engine) as session:
        return session.exec(select(Delegation.id).where(Delegation.name == name)).one()


def test_a_reply_from_another_workspace_is_a_formal_comment_of_the_delegation(
    bot: Bot, roots: dict[int, str]
):
    ts = bot.sender.next_ts()
    message = connect_message(
        user=AWA, team=DOUANES, text="La Côte d'Ivoire appuie.", ts=ts, thread_ts=roots[3]
    )
    assert send(bot, message) == 200
    [comment] = comments(bot)
    assert (comment.user_id, comment.role, comment.text, comment.ts) == (
        AWA,
        "member",
        "La Côte d'Ivoire appuie.",
        ts,
    )
    assert comment.delegation_id == delegation_id(bot, "Côte d'Ivoire")
    bot.settle()
    [receipt] = bot.standin.calls_to("reactions.add")
    assert (receipt.params["channel"], receipt.params["timestamp"]) == (CHANNEL, ts)

    # Her edit, from her workspace too, is a new version of the same comment.
    edited_ts = bot.sender.next_ts()
    changed = {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "ts": edited_ts,
        "message": {
            **connect_message(
                user=AWA,
                team=DOUANES,
                text="La Côte d'Ivoire appuie pleinement.",
                ts=ts,
                thread_ts=roots[3],
            ),
            "edited": {"user": AWA, "ts": edited_ts},
        },
        "previous_message": message,
    }
    assert send(bot, changed) == 200
    [comment] = comments(bot)
    assert comment.text == "La Côte d'Ivoire appuie pleinement." and comment.revisions == 1
    with session_scope(bot.database.engine) as session:
        versions = session.exec(
            select(CommentRevision.text).where(CommentRevision.comment_id == comment.id)
        ).all()
    assert sorted(versions) == ["La Côte d'Ivoire appuie pleinement.", "La Côte d'Ivoire appuie."]


def test_a_guests_reply_is_a_formal_comment_like_anyones(bot: Bot, roots: dict[int, str]):
    ts = bot.sender.next_ts()
    message = connect_message(
        user=GUEST,
        team=HOST_TEAM,
        text="The UPU notes the annexes.",
        ts=ts,
        thread_ts=roots[4],
        guest=True,
    )
    assert send(bot, message) == 200
    [comment] = comments(bot)
    assert (comment.user_id, comment.role) == (GUEST, "observer")
    assert comment.delegation_id == delegation_id(bot, "Universal Postal Union")


def test_someone_from_another_workspace_not_on_the_roster_is_kept_aside_not_dropped(
    bot: Bot, roots: dict[int, str]
):
    ts = bot.sender.next_ts()
    message = connect_message(
        user=STRANGER, team=DOUANES, text="Puis-je commenter ?", ts=ts, thread_ts=roots[3]
    )
    assert send(bot, message) == 200
    assert comments(bot) == []
    with session_scope(bot.database.engine) as session:
        [stray] = session.exec(select(StrayReply)).all()
    assert (stray.user_id, stray.text, stray.ts) == (STRANGER, "Puis-je commenter ?", ts)


def test_the_event_reader_keeps_the_authors_workspace():
    message = connect_message(
        user=AWA, team=DOUANES, text="Oui.", ts="1594375200.000100", thread_ts="1594375100.000100"
    )
    posted = read_message_event({**message, "channel": CHANNEL})
    assert isinstance(posted, Posted)
    assert (posted.user_id, posted.user_team, posted.is_reply) == (AWA, DOUANES, True)
    # source_team alone (Slack sends it on some shapes) says the same.
    del message["user_team"]
    posted = read_message_event({**message, "channel": CHANNEL})
    assert isinstance(posted, Posted) and posted.user_team == DOUANES
    edited = read_message_event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": CHANNEL,
            "ts": "1594375300.000100",
            "message": {**message, "edited": {"user": AWA, "ts": "1594375300.000100"}},
        }
    )
    assert isinstance(edited, Edited) and edited.user_team == DOUANES
    # A host member's message names no other workspace.
    own = read_message_event(
        {
            "type": "message",
            "user": "U0AU00001",
            "text": "Yes.",
            "ts": "1594375200.000200",
            "channel": CHANNEL,
            "team": HOST_TEAM,
        }
    )
    assert isinstance(own, Posted) and own.user_team is None
