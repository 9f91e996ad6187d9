"""Replies in an agenda item's thread become formal comments, exactly once, whatever Slack does."""

import io
import json
import logging
import time
from typing import Any

import pytest
from sqlmodel import col, select

from bot.core.db import session_scope
from bot.demo.standin.sender import Delivery, SlackSender
from models import Comment, CommentRevision, StrayReply
from tests.conftest import SIGNING_SECRET, Bot, Meeting


def comments(bot: Bot) -> list[Comment]:
    with session_scope(bot.database.engine) as session:
        return list(session.exec(select(Comment).order_by(col(Comment.id))))


def versions(bot: Bot, comment: Comment) -> list[str]:
    with session_scope(bot.database.engine) as session:
        rows = session.exec(
            select(CommentRevision)
            .where(CommentRevision.comment_id == comment.id)
            .order_by(col(CommentRevision.version_at))
        )
        return [r.text for r in rows]


def strays(bot: Bot) -> list[StrayReply]:
    with session_scope(bot.database.engine) as session:
        return list(session.exec(select(StrayReply)))


def test_reply_in_item_thread_is_recorded_with_delegation_and_receipt(bot: Bot, meeting: Meeting):
    delivery = bot.sender.reply(
        channel=meeting.channel,
        user="U0AU00001",
        text="Australia supports.",
        thread_ts=meeting.roots[3],
    )
    assert delivery.status == 200
    [comment] = comments(bot)
    assert (comment.user_id, comment.role, comment.text) == (
        "U0AU00001",
        "member",
        "Australia supports.",
    )
    assert comment.ts == delivery.ts and comment.thread_ts == meeting.roots[3]
    assert not comment.late and comment.status == "active" and comment.revisions == 0
    bot.settle()
    [reaction] = bot.standin.calls_to("reactions.add")
    assert reaction.params["channel"] == meeting.channel
    assert reaction.params["timestamp"] == delivery.ts
    assert reaction.params["name"] == "white_check_mark"
    assert bot.standin.reactions(meeting.channel, delivery.ts) == {"white_check_mark"}


class _Unsent(SlackSender):
    """Builds Slack's request as SlackSender does, and keeps it instead of posting it."""

    def __init__(self, bot: Bot) -> None:
        super().__init__(bot.server.events_url, SIGNING_SECRET, slack=bot.standin)
        self.kept: list[tuple[bytes, str]] = []

    def send(self, body: bytes, *, content_type: str, **_: Any) -> Delivery:
        self.kept.append((body, content_type))
        return Delivery(0, "", {}, 0.0, None, None, body)


def test_a_replys_receipt_goes_out_once_its_answer_is_written(bot: Bot, meeting: Meeting):
    """Over HTTP the receipt is sent by the request's own thread when the server closes the
    response (PEP 3333: after writing it), not handed to another thread before the answer."""
    unsent = _Unsent(bot)
    unsent.reply(
        channel=meeting.channel, user="U0AU00001", text="We agree.", thread_ts=meeting.roots[3]
    )
    [(body, content_type)] = unsent.kept
    timestamp = int(time.time())
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": str(timestamp),
        "HTTP_X_SLACK_SIGNATURE": unsent.sign(body, timestamp=timestamp),
    }
    answered: list[tuple[str, dict[str, str]]] = []
    response: Any = bot.server.wsgi(
        environ, lambda status, headers, *_: answered.append((status, dict(headers)))
    )
    assert [status for status, _ in answered] == ["200 OK"]
    assert answered[0][1]["Content-Length"] == "0" and b"".join(response) == b""
    [comment] = comments(bot)  # committed before the answer
    assert bot.standin.calls_to("reactions.add") == []  # the server is still writing the 200
    response.close()  # PEP 3333: the server closes the response once it is written
    [reaction] = bot.standin.calls_to("reactions.add")
    assert reaction.params["timestamp"] == comment.ts


def test_delegate_named_by_email_comments_for_their_delegation(bot: Bot, meeting: Meeting):
    bot.sender.reply(
        channel=meeting.channel, user="U0AUJANE1", text="Noted.", thread_ts=meeting.roots[4]
    )
    [comment] = comments(bot)
    assert comment.user_id == "U0AUJANE1" and comment.role == "member"
    assert comment.delegation_id is not None


def reply_body(meeting: Meeting, ts: str, text: str) -> bytes:
    event = {
        "type": "message",
        "user": "U0AU00001",
        "text": text,
        "ts": ts,
        "thread_ts": meeting.roots[3],
        "channel": meeting.channel,
        "event_ts": ts,
        "channel_type": "channel",
    }
    envelope = {
        "token": "legacy",
        "team_id": "T0DOCKET01",
        "api_app_id": "A0DOCKET01",
        "event": event,
        "type": "event_callback",
        "event_id": "Ev0FORGED01",
        "event_time": int(float(ts)),
    }
    return json.dumps(envelope).encode()


def test_forged_signature_is_refused_and_nothing_recorded(bot: Bot, meeting: Meeting):
    body = reply_body(meeting, bot.sender.next_ts(), "forged")
    forged = bot.sender.send(body, content_type="application/json", signature="v0=" + "0" * 64)
    assert forged.status == 401
    assert comments(bot) == []
    genuine = bot.sender.send(body, content_type="application/json")  # the control: same body
    assert genuine.status == 200 and len(comments(bot)) == 1


def test_request_signed_with_another_secret_is_refused(bot: Bot, meeting: Meeting):
    from bot.demo.standin import SlackSender

    intruder = SlackSender(
        bot.server.events_url, SIGNING_SECRET + "x", ts_source=bot.standin.next_ts
    )
    delivery = intruder.reply(
        channel=meeting.channel, user="U0AU00001", text="intruder", thread_ts=meeting.roots[3]
    )
    assert delivery.status == 401
    assert comments(bot) == []


def test_stale_timestamp_is_refused_and_nothing_recorded(bot: Bot, meeting: Meeting):
    import time

    body = reply_body(meeting, bot.sender.next_ts(), "replayed")
    # Slack's replay window is five minutes; the signature itself is valid for that timestamp.
    stale = bot.sender.send(body, content_type="application/json", timestamp=int(time.time()) - 600)
    assert stale.status == 401
    assert comments(bot) == []


def test_redelivered_reply_is_recorded_once(bot: Bot, meeting: Meeting):
    first = bot.sender.reply(
        channel=meeting.channel, user="U0AU00001", text="Once.", thread_ts=meeting.roots[3]
    )
    same_id = bot.sender.reply(
        channel=meeting.channel,
        user="U0AU00001",
        text="Once.",
        thread_ts=meeting.roots[3],
        ts=first.ts,
        event_id=first.event_id,
    )
    retry = bot.sender.reply(
        channel=meeting.channel,
        user="U0AU00001",
        text="Once.",
        thread_ts=meeting.roots[3],
        ts=first.ts,
        event_id=first.event_id,
        retry_num=1,
        retry_reason="http_timeout",
    )
    new_id = bot.sender.reply(
        channel=meeting.channel,
        user="U0AU00001",
        text="Once.",
        thread_ts=meeting.roots[3],
        ts=first.ts,
    )
    assert [d.status for d in (first, same_id, retry, new_id)] == [200, 200, 200, 200]
    assert new_id.event_id != first.event_id
    [comment] = comments(bot)
    assert comment.revisions == 0 and versions(bot, comment) == ["Once."]
    # Every copy is answered with the receipt again (the first may have died before sending
    # it); Slack keeps one reaction, the stand-in too.
    bot.settle()
    receipts = bot.standin.calls_to("reactions.add")
    assert [c.params["timestamp"] for c in receipts] == [first.ts] * 4


def test_edit_updates_text_and_keeps_every_version(bot: Bot, meeting: Meeting):
    reply = bot.sender.reply(
        channel=meeting.channel, user="U0CI00001", text="First draft", thread_ts=meeting.roots[3]
    )
    assert reply.ts is not None
    for text, previous in (("Second draft", "First draft"), ("Final text", "Second draft")):
        edit = bot.sender.edit(
            channel=meeting.channel,
            user="U0CI00001",
            ts=reply.ts,
            thread_ts=meeting.roots[3],
            text=text,
            previous_text=previous,
        )
        assert edit.status == 200
    [comment] = comments(bot)
    assert comment.text == "Final text" and comment.revisions == 2
    assert versions(bot, comment) == ["First draft", "Second draft", "Final text"]


def test_stale_edit_never_overwrites_a_newer_one(bot: Bot, meeting: Meeting):
    reply = bot.sender.reply(
        channel=meeting.channel, user="U0CI00001", text="v1", thread_ts=meeting.roots[3]
    )
    assert reply.ts is not None
    older, newer = bot.sender.next_ts(), bot.sender.next_ts()
    bot.sender.edit(
        channel=meeting.channel,
        user="U0CI00001",
        ts=reply.ts,
        thread_ts=meeting.roots[3],
        text="v3",
        previous_text="v2",
        edited_ts=newer,
    )
    bot.sender.edit(  # arrives late: Slack does not promise order
        channel=meeting.channel,
        user="U0CI00001",
        ts=reply.ts,
        thread_ts=meeting.roots[3],
        text="v2",
        previous_text="v1",
        edited_ts=older,
    )
    [comment] = comments(bot)
    assert comment.text == "v3"
    assert versions(bot, comment) == ["v1", "v2", "v3"] and comment.revisions == 2


def test_edit_arriving_before_its_original_records_one_comment(bot: Bot, meeting: Meeting):
    ts = bot.sender.next_ts()
    bot.sender.edit(
        channel=meeting.channel,
        user="U0AU00001",
        ts=ts,
        thread_ts=meeting.roots[4],
        text="edited",
        previous_text="original",
    )
    bot.sender.reply(
        channel=meeting.channel,
        user="U0AU00001",
        text="original",
        thread_ts=meeting.roots[4],
        ts=ts,
    )
    [comment] = comments(bot)
    assert comment.text == "edited" and comment.revisions == 1
    assert versions(bot, comment) == ["original", "edited"]


def test_link_unfurl_is_not_an_edit(bot: Bot, meeting: Meeting):
    reply = bot.sender.reply(
        channel=meeting.channel,
        user="U0AU00001",
        text="See <https://example.org/annex>",
        thread_ts=meeting.roots[3],
    )
    assert reply.ts is not None
    unfurl = bot.sender.unfurl(
        channel=meeting.channel,
        user="U0AU00001",
        ts=reply.ts,
        thread_ts=meeting.roots[3],
        text="See <https://example.org/annex>",
    )
    assert unfurl.status == 200
    [comment] = comments(bot)
    assert comment.revisions == 0 and comment.text == "See <https://example.org/annex>"


def test_deletion_withdraws_the_comment_and_keeps_its_text(bot: Bot, meeting: Meeting):
    reply = bot.sender.reply(
        channel=meeting.channel, user="U0AU00001", text="We object.", thread_ts=meeting.roots[3]
    )
    assert reply.ts is not None
    deleted = bot.sender.delete(
        channel=meeting.channel,
        ts=reply.ts,
        thread_ts=meeting.roots[3],
        user="U0AU00001",
        previous_text="We object.",
    )
    assert deleted.status == 200
    [comment] = comments(bot)
    assert comment.status == "withdrawn" and comment.text == "We object."
    assert comment.withdrawn_at is not None


def test_unregistered_replier_is_kept_aside_and_told_privately(bot: Bot, meeting: Meeting):
    delivery = bot.sender.reply(
        channel=meeting.channel,
        user="U0STRANGER",
        text="Can I comment?",
        thread_ts=meeting.roots[3],
    )
    assert delivery.status == 200
    assert comments(bot) == []
    [stray] = strays(bot)
    assert (stray.user_id, stray.text) == ("U0STRANGER", "Can I comment?")
    bot.settle()
    [notice] = bot.standin.calls_to("chat.postEphemeral")
    assert notice.params["user"] == "U0STRANGER" and notice.params["channel"] == meeting.channel
    assert "not on the roster" in notice.params["text"] and "<@U0SEC0001>" in notice.params["text"]
    assert bot.standin.calls_to("reactions.add") == []
    # A redelivery is neither kept twice nor told twice.
    bot.sender.reply(
        channel=meeting.channel,
        user="U0STRANGER",
        text="Can I comment?",
        thread_ts=meeting.roots[3],
        ts=delivery.ts,
    )
    bot.settle()
    assert len(strays(bot)) == 1 and len(bot.standin.calls_to("chat.postEphemeral")) == 1


def test_unicode_emoji_and_markup_are_kept_exactly(bot: Bot, meeting: Meeting):
    text = (
        "Côte d'Ivoire 👍 :+1: soutient; 中文 نص; <@U0SEC0001> see "
        "<https://example.org/a?b=1&amp;c=2|annex> *bold* _it_ &lt;draft&gt; &amp; more\nline 2"
    )
    bot.sender.reply(
        channel=meeting.channel, user="U0CI00001", text=text, thread_ts=meeting.roots[3]
    )
    [comment] = comments(bot)
    assert comment.text == text


def test_reply_after_deadline_is_marked_late(bot: Bot, meeting: Meeting):
    from datetime import UTC, datetime

    from bot.core.clock import datetime_to_ts

    after = datetime_to_ts(datetime(2020, 7, 18, 9, 0, tzinfo=UTC))  # item 3 closed 17 July
    bot.sender.reply(
        channel=meeting.channel,
        user="U0AU00001",
        text="Late.",
        thread_ts=meeting.roots[3],
        ts=after,
    )
    [comment] = comments(bot)
    assert comment.late is True


def test_thread_broadcast_and_observer_reply_are_comments(bot: Bot, meeting: Meeting):
    bot.sender.reply(
        channel=meeting.channel,
        user="U0UPU0001",
        text="UPU view",
        thread_ts=meeting.roots[3],
        subtype="thread_broadcast",
    )
    bot.sender.reply(
        channel=meeting.channel, user="U0CHAIR01", text="Thanks all", thread_ts=meeting.roots[3]
    )
    roles = sorted(c.role for c in comments(bot))
    assert roles == ["chair", "observer"]


def test_bot_top_level_and_foreign_thread_messages_are_ignored_but_answered(
    bot: Bot, meeting: Meeting
):
    answers = [
        bot.sender.bot_message(
            channel=meeting.channel, text="CI passed", thread_ts=meeting.roots[3]
        ),
        bot.sender.post(channel=meeting.channel, user="U0AU00001", text="Hello all"),
        bot.sender.reply(
            channel=meeting.channel,
            user="U0AU00001",
            text="side chat",
            thread_ts="1594375000.000001",
        ),
        bot.sender.event(
            {
                "type": "reaction_added",
                "user": "U0AU00001",
                "reaction": "eyes",
                "item": {"type": "message", "channel": meeting.channel, "ts": meeting.roots[3]},
                "event_ts": bot.sender.next_ts(),
            }
        ),
        bot.sender.event(
            {
                "type": "member_joined_channel",
                "user": "U0AU00001",
                "channel": meeting.channel,
                "event_ts": bot.sender.next_ts(),
            }
        ),
    ]
    assert [a.status for a in answers] == [200] * len(answers)
    assert comments(bot) == [] and strays(bot) == []
    bot.settle()
    assert bot.standin.calls_to("reactions.add") == []


def test_url_verification_challenge_is_answered(bot: Bot):
    body = json.dumps({"token": "x", "challenge": "abc123", "type": "url_verification"}).encode()
    delivery = bot.sender.send(body, content_type="application/json")
    assert delivery.status == 200 and "abc123" in delivery.body


def test_receipt_is_retried_when_slack_rate_limits(bot: Bot, meeting: Meeting):
    bot.standin.rate_limit("reactions.add", times=1, retry_after=1)
    reply = bot.sender.reply(
        channel=meeting.channel, user="U0AU00001", text="Noted.", thread_ts=meeting.roots[3]
    )
    bot.settle()
    statuses = [c.status for c in bot.standin.calls_to("reactions.add")]
    assert statuses == [429, 200]
    assert bot.standin.reactions(meeting.channel, reply.ts or "") == {"white_check_mark"}


def test_same_reply_delivered_concurrently_is_recorded_once(bot: Bot, meeting: Meeting):
    from concurrent.futures import ThreadPoolExecutor

    ts = bot.sender.next_ts()

    def deliver(_: int) -> int:
        return bot.sender.reply(
            channel=meeting.channel,
            user="U0AU00001",
            text="Racing.",
            thread_ts=meeting.roots[3],
            ts=ts,
        ).status

    def edit(_: int) -> int:
        return bot.sender.edit(
            channel=meeting.channel,
            user="U0AU00001",
            ts=ts,
            thread_ts=meeting.roots[3],
            text="Racing, edited.",
            previous_text="Racing.",
        ).status

    with ThreadPoolExecutor(max_workers=10) as pool:  # edits race their original
        futures = [pool.submit(edit, 0)] + [pool.submit(deliver, i) for i in range(8)]
        futures.append(pool.submit(edit, 1))
        statuses = [f.result() for f in futures]
    assert statuses == [200] * 10
    [comment] = comments(bot)
    assert comment.ts == ts
    assert versions(bot, comment)[0] == "Racing."  # the original is kept whatever arrived first
    assert comment.text == "Racing, edited." and comment.revisions == 2  # two distinct edits


# -- events with fields of the wrong type ---------------------------------------------------------


def envelope(event: object) -> bytes:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "T0DOCKET01",
            "api_app_id": "A0DOCKET01",
            "event": event,
            "type": "event_callback",
            "event_id": "Ev0MALFORMED",
            "event_time": 1594375300,
        }
    ).encode()


def malformed_events(meeting: Meeting) -> dict[str, object]:
    def reply(**changes: object) -> dict[str, object]:
        event: dict[str, object] = {
            "type": "message",
            "user": "U0AU00001",
            "text": "Australia supports.",
            "ts": "1594375300.000100",
            "thread_ts": meeting.roots[3],
            "channel": meeting.channel,
            "event_ts": "1594375300.000100",
            "channel_type": "channel",
        }
        event.update(changes)
        return event

    edit = reply(subtype="message_changed", ts="1594375300.000200")
    return {
        "user-a-number": reply(user=12345),
        "user-a-list": reply(user=["U0AU00001"]),
        "ts-a-number": reply(ts=1594375300.0001),
        "ts-not-a-timestamp": reply(ts="yesterday"),
        "thread-ts-a-number": reply(thread_ts=1.5),
        "text-a-list": reply(text=["Australia supports."]),
        "channel-a-number": reply(channel=5),
        "event-a-string": "a message",
        "event-a-list": [reply()],
        "event-null": None,
        "event-type-a-number": reply(type=7),
        "edited-message-a-string": {**edit, "message": "Australia supports."},
        "edited-mark-a-string": {
            **edit,
            "message": {**reply(), "edited": "yes"},
        },
        "deleted-previous-a-string": reply(
            subtype="message_deleted", deleted_ts="1594375300.000100", previous_message="gone"
        ),
        "home-user-a-number": {
            "type": "app_home_opened",
            "user": 5,
            "channel": "D0AU00001",
            "tab": "home",
            "event_ts": "1594375300.000100",
        },
    }


MALFORMED = [
    "user-a-number",
    "user-a-list",
    "ts-a-number",
    "ts-not-a-timestamp",
    "thread-ts-a-number",
    "text-a-list",
    "channel-a-number",
    "event-a-string",
    "event-a-list",
    "event-null",
    "event-type-a-number",
    "edited-message-a-string",
    "edited-mark-a-string",
    "deleted-previous-a-string",
    "home-user-a-number",
]


@pytest.mark.parametrize("case", MALFORMED)
def test_an_event_with_fields_of_the_wrong_type_is_answered_200_ignored_and_logged(
    bot: Bot, meeting: Meeting, caplog: pytest.LogCaptureFixture, case: str
):
    caplog.set_level(logging.WARNING)
    body = envelope(malformed_events(meeting)[case])
    delivery = bot.sender.send(body, content_type="application/json")
    bot.settle()
    assert delivery.status == 200, delivery.body  # Slack does not send it again
    assert comments(bot) == [] and strays(bot) == []
    assert bot.standin.calls_to("reactions.add") == []
    assert [r for r in caplog.records if "event ignored" in r.getMessage()], caplog.text
    assert not [r for r in caplog.records if r.exc_info], "no traceback"


def test_a_malformed_event_without_a_valid_signature_is_refused(bot: Bot, meeting: Meeting):
    body = envelope(malformed_events(meeting)["user-a-number"])
    forged = bot.sender.send(body, content_type="application/json", signature="v0=" + "0" * 64)
    assert forged.status == 401


def test_a_well_formed_reply_after_a_malformed_one_is_recorded(bot: Bot, meeting: Meeting):
    bot.sender.send(
        envelope(malformed_events(meeting)["ts-a-number"]), content_type="application/json"
    )
    delivery = bot.sender.reply(
        channel=meeting.channel, user="U0AU00001", text="Supports.", thread_ts=meeting.roots[3]
    )
    assert delivery.status == 200
    assert [c.text for c in comments(bot)] == ["Supports."]
