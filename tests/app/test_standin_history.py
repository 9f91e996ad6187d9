"""The stand-in's message metadata, conversations.history / conversations.replies, and answers
lost after Slack acted (lose_response), through an unmodified slack_sdk WebClient over HTTP."""

import json
import threading
import time
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.demo.standin import SlackStandIn

CHANNEL = "C0TEST0001"  # the bot was added to it (tests/conftest.py)


def _client(standin: SlackStandIn, *, timeout: int = 5) -> WebClient:
    # No retry handlers: a connection error reaches the test instead of being resent.
    return WebClient(
        base_url=standin.api_url, token=standin.token, timeout=timeout, retry_handlers=[]
    )


def _meta(delivery: str) -> dict[str, Any]:
    return {"event_type": "docket_item_posted", "event_payload": {"delivery": delivery}}


def _post(client: WebClient, text: str, **extra: Any) -> str:
    return str(client.chat_postMessage(channel=CHANNEL, text=text, **extra)["ts"])


def _metadata(standin: SlackStandIn, ts: str) -> Any:
    message = standin.message(CHANNEL, ts)
    assert message is not None
    return message.get("metadata")


def _texts(answer: Any) -> list[str]:
    return [message["text"] for message in answer["messages"]]


# -- metadata -------------------------------------------------------------------------------


def test_metadata_is_stored_and_read_back_only_when_asked(standin: SlackStandIn):
    client = _client(standin)
    ts = _post(client, "item 1", metadata=_meta("d1"))  # a JSON body
    client.api_call(  # a form body, as Slack's form-encoded clients send it
        "chat.postMessage",
        data={"channel": CHANNEL, "text": "item 2", "metadata": json.dumps(_meta("d2"))},
    )
    assert _metadata(standin, ts) == _meta("d1")

    with_metadata = client.conversations_history(channel=CHANNEL, include_all_metadata=True)
    assert [m["metadata"] for m in with_metadata["messages"]] == [_meta("d2"), _meta("d1")]
    without = client.conversations_history(channel=CHANNEL)
    assert _texts(without) == ["item 2", "item 1"]
    assert all("metadata" not in message for message in without["messages"])


def test_update_replaces_metadata_and_keeps_it_when_left_out(standin: SlackStandIn):
    client = _client(standin)
    ts = _post(client, "item", metadata=_meta("d1"))
    client.chat_update(channel=CHANNEL, ts=ts, text="item, redrawn", metadata=_meta("d2"))
    assert _metadata(standin, ts) == _meta("d2")
    client.chat_update(channel=CHANNEL, ts=ts, text="item, again")
    assert _metadata(standin, ts) == _meta("d2")


@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ("{not json", "invalid_metadata_format"),
        (json.dumps(["docket_item_posted"]), "invalid_metadata_format"),
        (json.dumps({"event_payload": {"delivery": "d1"}}), "invalid_metadata_schema"),
        (json.dumps({"event_type": "docket_item_posted"}), "invalid_metadata_schema"),
        (json.dumps({"event_type": "x", "event_payload": "d1"}), "invalid_metadata_schema"),
        (json.dumps({"event_type": 7, "event_payload": {}}), "invalid_metadata_schema"),
    ],
)
def test_bad_metadata_is_refused_with_slacks_code(standin: SlackStandIn, metadata: str, error: str):
    standin.expect_refusals(error)
    client = _client(standin)
    with pytest.raises(SlackApiError) as refused:
        client.api_call(
            "chat.postMessage", data={"channel": CHANNEL, "text": "item", "metadata": metadata}
        )
    assert refused.value.response["error"] == error
    assert standin.messages.get(CHANNEL, []) == []  # nothing was posted

    ts = _post(client, "item", metadata=_meta("d1"))
    with pytest.raises(SlackApiError) as refused:
        client.api_call("chat.update", data={"channel": CHANNEL, "ts": ts, "metadata": metadata})
    assert refused.value.response["error"] == error
    assert _metadata(standin, ts) == _meta("d1")


# -- conversations.history ------------------------------------------------------------------


def test_history_pages_newest_first(standin: SlackStandIn):
    client = _client(standin)
    for n in range(5):
        _post(client, f"m{n}")
    pages, cursor = [], None
    while True:
        answer = client.conversations_history(channel=CHANNEL, limit=2, cursor=cursor)
        pages.append(_texts(answer))
        cursor = answer["response_metadata"]["next_cursor"]
        assert answer["has_more"] == bool(cursor)
        if not cursor:
            break
    assert pages == [["m4", "m3"], ["m2", "m1"], ["m0"]]


def test_history_oldest_and_latest_are_exclusive_unless_inclusive(standin: SlackStandIn):
    client = _client(standin)
    ts = [_post(client, f"m{n}") for n in range(4)]

    def texts(**bounds: Any) -> list[str]:
        return _texts(client.conversations_history(channel=CHANNEL, **bounds))

    assert texts(oldest=ts[1]) == ["m3", "m2"]
    assert texts(oldest=ts[1], inclusive=True) == ["m3", "m2", "m1"]
    assert texts(oldest=ts[1], latest=ts[3]) == ["m2"]
    assert texts(oldest=ts[1], latest=ts[3], inclusive=True) == ["m3", "m2", "m1"]


def test_history_shows_thread_parents_and_leaves_replies_out(standin: SlackStandIn):
    client = _client(standin)
    parent = _post(client, "item")
    replies = [_post(client, f"reply {n}", thread_ts=parent) for n in range(2)]
    _post(client, "next item")
    answer = client.conversations_history(channel=CHANNEL)
    assert _texts(answer) == ["next item", "item"]
    root = answer["messages"][1]
    assert root["thread_ts"] == parent
    assert root["reply_count"] == 2
    assert root["latest_reply"] == replies[-1]
    assert root["reply_users"] == [standin.bot_user_id]


def test_history_refuses_what_slack_refuses(standin: SlackStandIn):
    standin.expect_refusals("not_in_channel", "channel_not_found", "invalid_cursor")
    standin.add_channel("C0NOTBOT01", members=["U0AUJANE1"])
    standin.add_channel("C0PRIVATE1", members=["U0AUJANE1"], private=True)
    client = _client(standin)
    for channel, error in [
        ("C0NOTBOT01", "not_in_channel"),
        ("C0PRIVATE1", "channel_not_found"),
        ("C0UNKNOWN1", "channel_not_found"),
    ]:
        with pytest.raises(SlackApiError) as refused:
            client.conversations_history(channel=channel)
        assert refused.value.response["error"] == error
    with pytest.raises(SlackApiError) as refused:
        client.conversations_history(channel=CHANNEL, cursor="bm9wZQ==")
    assert refused.value.response["error"] == "invalid_cursor"


# -- conversations.replies ------------------------------------------------------------------


def test_replies_give_the_parent_then_replies_oldest_first(standin: SlackStandIn):
    client = _client(standin)
    parent = _post(client, "item", metadata=_meta("root"))
    replies = [
        _post(client, f"reply {n}", thread_ts=parent, metadata=_meta(f"r{n}")) for n in range(3)
    ]
    _post(client, "elsewhere")

    answer = client.conversations_replies(channel=CHANNEL, ts=parent)
    assert _texts(answer) == ["item", "reply 0", "reply 1", "reply 2"]
    assert answer["has_more"] is False
    assert all("metadata" not in message for message in answer["messages"])
    # Asked by a reply's ts, Slack answers with the whole thread.
    by_reply = client.conversations_replies(
        channel=CHANNEL, ts=replies[1], include_all_metadata=True
    )
    assert [m["metadata"]["event_payload"]["delivery"] for m in by_reply["messages"]] == [
        "root",
        "r0",
        "r1",
        "r2",
    ]
    assert _texts(client.conversations_replies(channel=CHANNEL, ts=parent, oldest=replies[0])) == [
        "item",
        "reply 1",
        "reply 2",
    ]


def test_history_and_replies_show_peoples_messages_too(standin: SlackStandIn):
    client = _client(standin)
    parent = _post(client, "item", metadata=_meta("d1"))
    standin.add_message(CHANNEL, "U0AUJANE1", "a comment", thread_ts=parent)
    standin.add_message(CHANNEL, "U0AUJANE1", "hello all")
    answer = client.conversations_history(channel=CHANNEL, include_all_metadata=True)
    assert _texts(answer) == ["hello all", "item"]
    assert "metadata" not in answer["messages"][0]
    assert answer["messages"][1]["reply_users"] == ["U0AUJANE1"]
    thread = client.conversations_replies(channel=CHANNEL, ts=parent)
    assert [(m["user"], m["text"]) for m in thread["messages"]] == [
        (standin.bot_user_id, "item"),
        ("U0AUJANE1", "a comment"),
    ]


def test_replies_page_with_the_parent_on_the_first_page_only(standin: SlackStandIn):
    client = _client(standin)
    parent = _post(client, "item")
    for n in range(3):
        _post(client, f"reply {n}", thread_ts=parent)
    first = client.conversations_replies(channel=CHANNEL, ts=parent, limit=2)
    assert _texts(first) == ["item", "reply 0"]
    assert first["has_more"] is True
    cursor = first["response_metadata"]["next_cursor"]
    second = client.conversations_replies(channel=CHANNEL, ts=parent, limit=2, cursor=cursor)
    assert _texts(second) == ["reply 1", "reply 2"]
    assert second["has_more"] is False
    assert second["response_metadata"]["next_cursor"] == ""


def test_replies_to_an_unknown_message_are_thread_not_found(standin: SlackStandIn):
    standin.expect_refusals("thread_not_found")
    with pytest.raises(SlackApiError) as refused:
        _client(standin).conversations_replies(channel=CHANNEL, ts="1594375200.000001")
    assert refused.value.response["error"] == "thread_not_found"


# -- answers lost after Slack acted ---------------------------------------------------------


def test_a_dropped_answer_leaves_the_message_posted(standin: SlackStandIn):
    client = _client(standin)
    standin.lose_response("chat.postMessage", how="drop")
    with pytest.raises(OSError):  # http.client.RemoteDisconnected, no HTTP answer at all
        _post(client, "item", metadata=_meta("d1"))

    (call,) = standin.calls_to("chat.postMessage")
    assert call.lost == "drop" and call.status == 200 and call.error is None
    # Slack acted: reconciling through history finds the message the client never heard of.
    found = client.conversations_history(channel=CHANNEL, include_all_metadata=True)
    assert [m["metadata"] for m in found["messages"]] == [_meta("d1")]
    # Only that one answer was lost.
    _post(client, "next item")
    assert _texts(client.conversations_history(channel=CHANNEL)) == ["next item", "item"]


def test_a_hung_answer_leaves_the_message_posted_and_the_client_times_out(
    standin: SlackStandIn,
):
    client = _client(standin, timeout=1)
    standin.lose_response("chat.postMessage", how="hang")
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        _post(client, "item")
    assert time.monotonic() - started < 10  # the client gave up; the stand-in did not answer
    (call,) = standin.calls_to("chat.postMessage")
    assert call.lost == "hang"
    assert _texts(client.conversations_history(channel=CHANNEL)) == ["item"]


def test_stop_does_not_wait_for_a_held_answer():
    with SlackStandIn() as standin:
        standin.add_bot_to(CHANNEL)
        client = _client(standin, timeout=30)
        standin.lose_response("chat.postMessage", how="hang")  # held up to 30 s
        failures: list[BaseException] = []

        def post() -> None:
            try:
                _post(client, "item")
            except BaseException as exc:
                failures.append(exc)

        poster = threading.Thread(target=post)
        poster.start()
        standin.wait_for("chat.postMessage")
        started = time.monotonic()
        standin.stop()
        assert time.monotonic() - started < 2
        poster.join(5)
        assert not poster.is_alive()
        assert len(failures) == 1 and isinstance(failures[0], OSError)  # never an answer
        assert [m["text"] for m in standin.messages[CHANNEL]] == ["item"]


# -- conversations.list ----------------------------------------------------------------------


def test_list_shows_private_channels_to_their_members_only_and_pages(standin: SlackStandIn):
    client = _client(standin)
    created = [
        client.conversations_create(name=f"group-{n}", is_private=True)["channel"] for n in range(3)
    ]
    standin.add_channel("C0SOMEONE", name="someone-elses", private=True, members=["U0OTHER"])
    first = client.conversations_list(types="private_channel", limit=2)
    assert len(first["channels"]) == 2
    cursor = first["response_metadata"]["next_cursor"]
    assert cursor
    rest = client.conversations_list(types="private_channel", limit=2, cursor=cursor)
    assert rest["response_metadata"]["next_cursor"] == ""
    listed = {c["name"]: c for c in first["channels"] + rest["channels"]}
    assert sorted(listed) == ["group-0", "group-1", "group-2"]  # not someone else's channel
    bot_user = client.auth_test()["user_id"]
    assert all(c["creator"] == bot_user and c["is_private"] for c in listed.values())
    assert all(listed[c["name"]]["created"] == c["created"] for c in created)  # kept, not now
    # Public channels are the default; the meeting channel is one.
    assert CHANNEL in [c["id"] for c in client.conversations_list()["channels"]]
    standin.expect_refusals()
    with pytest.raises(SlackApiError) as refused:
        client.conversations_list(types="rooms")
    assert refused.value.response["error"] == "invalid_types"
    with pytest.raises(SlackApiError) as refused:
        client.conversations_list(types="private_channel", cursor="not a cursor")
    assert refused.value.response["error"] == "invalid_cursor"
