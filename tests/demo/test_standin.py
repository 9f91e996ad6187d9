"""The local Slack stand-in: the Web API half through a real WebClient, the sender half through a
small signature-checking receiver. Other tests trust both halves to behave like Slack."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl
from urllib.request import Request, urlopen

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from bot.demo.standin import Call, Delivery, SlackSender, SlackStandIn
from bot.demo.standin.triggers import TriggerIds

CHANNEL = "C0PTC2020"
DELEGATE = "U0AU00001"
CHAIR = "U0CHAIR01"
BOT_USER = "U0DOCKETBT"
SIGNING_SECRET = "standin-signing-secret"
FROZEN_EPOCH = 1589533200.0  # 2020-05-15 09:00 UTC, when the demo meeting opens


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(clock=lambda: FROZEN_EPOCH) as running:
        running.add_bot_to(CHANNEL)  # the meeting channel, as `/invite @Docket` does
        yield running


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    # No retry handlers: each test sees Slack's first answer unless it asks for retries.
    return WebClient(base_url=standin.api_url, token=standin.token, retry_handlers=[])


def slack_error(excinfo: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(excinfo.value.response["error"])


# -- the Web API half ---------------------------------------------------------------------


def test_auth_test_identifies_the_bot(client: WebClient) -> None:
    answer = client.auth_test()

    assert answer["user_id"] == BOT_USER
    assert answer["bot_id"] == "B0DOCKETBT"
    assert answer["team_id"] == "T0DOCKET01"
    assert answer["is_enterprise_install"] is False


def test_post_message_returns_increasing_ts_and_is_recorded(
    standin: SlackStandIn, client: WebClient
) -> None:
    first = client.chat_postMessage(channel=CHANNEL, text="Item 3 is open")
    second = client.chat_postMessage(channel=CHANNEL, text="Item 4 is open")

    # The clock stands still, yet every ts is distinct and increasing, as Slack's ids are.
    assert first["ts"] == "1589533200.000000"
    assert second["ts"] == "1589533200.000001"
    assert first["channel"] == CHANNEL
    assert first["message"]["user"] == BOT_USER
    calls = standin.calls_to("chat.postMessage")
    assert [call.params["text"] for call in calls] == ["Item 3 is open", "Item 4 is open"]
    assert all(isinstance(call, Call) and call.status == 200 for call in calls)
    assert standin.message(CHANNEL, second["ts"]) == second["message"]


def test_blocks_are_recorded_as_lists_whichever_encoding_the_client_used(
    standin: SlackStandIn, client: WebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Item 3*"}}]
    client.chat_postMessage(channel=CHANNEL, text="Item 3", blocks=blocks)  # sent as JSON
    client.api_call(  # sent as a form, with blocks as a JSON string
        "chat.postMessage", params={"channel": CHANNEL, "blocks": json.dumps(blocks)}
    )

    assert [call.params["blocks"] for call in standin.calls_to("chat.postMessage")] == [
        blocks,
        blocks,
    ]
    assert [message["blocks"] for message in standin.messages[CHANNEL]] == [blocks, blocks]


def test_thread_reply_is_stored_with_its_thread_ts(
    standin: SlackStandIn, client: WebClient
) -> None:
    parent = client.chat_postMessage(channel=CHANNEL, text="Item 3")
    reply = client.chat_postMessage(channel=CHANNEL, text="Noted", thread_ts=parent["ts"])

    stored = standin.message(CHANNEL, reply["ts"])
    assert stored is not None
    assert stored["thread_ts"] == parent["ts"]


@pytest.mark.expect_refusals("channel_not_found")
def test_post_message_without_channel_is_channel_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="", text="lost")

    assert slack_error(excinfo) == "channel_not_found"


@pytest.mark.expect_refusals("no_text")
def test_post_message_without_text_or_blocks_is_no_text(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        # api_call, because chat_postMessage itself already warns about the missing text.
        client.api_call("chat.postMessage", json={"channel": CHANNEL, "text": ""})

    assert slack_error(excinfo) == "no_text"


def test_post_message_to_a_user_lands_in_the_dm_that_conversations_open_gives(
    standin: SlackStandIn, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel=DELEGATE, text="Reminder")
    opened = client.conversations_open(users=[DELEGATE])

    assert posted["channel"].startswith("D")
    assert posted["channel"] == opened["channel"]["id"]
    assert standin.message(posted["channel"], posted["ts"]) is not None


def test_update_marks_the_message_edited(standin: SlackStandIn, client: WebClient) -> None:
    posted = client.chat_postMessage(channel=CHANNEL, text="Item 3: open")

    updated = client.chat_update(channel=CHANNEL, ts=posted["ts"], text="Item 3: closed")

    assert updated["ts"] == posted["ts"]
    assert updated["text"] == "Item 3: closed"
    stored = standin.message(CHANNEL, posted["ts"])
    assert stored is not None
    assert stored["text"] == "Item 3: closed"
    assert stored["edited"]["user"] == BOT_USER


@pytest.mark.expect_refusals("message_not_found")
def test_update_unknown_message_is_message_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_update(channel=CHANNEL, ts="1589533200.999999", text="nothing there")

    assert slack_error(excinfo) == "message_not_found"


def test_post_ephemeral_answers_a_message_ts(standin: SlackStandIn, client: WebClient) -> None:
    answer = client.chat_postEphemeral(channel=CHANNEL, user=DELEGATE, text="Only the chair")

    assert answer["message_ts"] == "1589533200.000000"
    assert standin.calls_to("chat.postEphemeral")[0].params["user"] == DELEGATE


def test_permalink_has_slack_shape(client: WebClient) -> None:
    answer = client.chat_getPermalink(channel=CHANNEL, message_ts="1589533200.000123")

    assert answer["permalink"] == (
        "https://standin.slack.local/archives/C0PTC2020/p1589533200000123"
    )


@pytest.mark.expect_refusals("already_reacted")
def test_reaction_twice_is_already_reacted(standin: SlackStandIn, client: WebClient) -> None:
    client.reactions_add(channel=CHANNEL, timestamp="1589533200.000042", name="white_check_mark")

    with pytest.raises(SlackApiError) as excinfo:
        client.reactions_add(
            channel=CHANNEL, timestamp="1589533200.000042", name="white_check_mark"
        )

    assert slack_error(excinfo) == "already_reacted"
    assert standin.reactions(CHANNEL, "1589533200.000042") == {"white_check_mark"}


@pytest.mark.expect_refusals("no_reaction")
def test_removing_a_missing_reaction_is_no_reaction(
    standin: SlackStandIn, client: WebClient
) -> None:
    client.reactions_add(channel=CHANNEL, timestamp="1589533200.000042", name="eyes")
    client.reactions_remove(channel=CHANNEL, timestamp="1589533200.000042", name="eyes")

    with pytest.raises(SlackApiError) as excinfo:
        client.reactions_remove(channel=CHANNEL, timestamp="1589533200.000042", name="eyes")

    assert slack_error(excinfo) == "no_reaction"
    assert standin.reactions(CHANNEL, "1589533200.000042") == set()


def test_users_info_returns_the_directory_entry(standin: SlackStandIn, client: WebClient) -> None:
    standin.add_user(DELEGATE, email="jane.doe@customs.example", name="jane", real_name="Jane Doe")

    user = client.users_info(user=DELEGATE)["user"]

    assert user["id"] == DELEGATE
    assert user["real_name"] == "Jane Doe"
    assert user["tz"] == "Europe/Brussels"
    assert user["tz_offset"] == 7200  # summer time on the frozen date
    assert user["is_bot"] is False
    assert user["profile"]["email"] == "jane.doe@customs.example"


@pytest.mark.expect_refusals("user_not_found")
def test_users_info_unknown_is_user_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.users_info(user="U0NOBODY01")

    assert slack_error(excinfo) == "user_not_found"


def test_lookup_by_email_ignores_case(standin: SlackStandIn, client: WebClient) -> None:
    standin.add_user(DELEGATE, email="jane.doe@customs.example")

    answer = client.users_lookupByEmail(email="Jane.Doe@Customs.Example")

    assert answer["user"]["id"] == DELEGATE


@pytest.mark.expect_refusals("users_not_found")
def test_lookup_by_email_unknown_is_users_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.users_lookupByEmail(email="nobody@customs.example")

    assert slack_error(excinfo) == "users_not_found"


def test_conversations_info_names_the_channel_and_says_the_bot_is_a_member(
    standin: SlackStandIn, client: WebClient
) -> None:
    standin.add_channel(CHANNEL, name="ptc-2020")

    channel = client.conversations_info(channel=CHANNEL)["channel"]

    assert channel["name"] == "ptc-2020"
    assert channel["is_member"] is True


def test_files_upload_v2_round_trip(standin: SlackStandIn, client: WebClient) -> None:
    answer = client.files_upload_v2(
        channel=CHANNEL, content="item,comment\n3,Agreed\n", filename="record.csv", title="Record"
    )

    file_id = answer["file"]["id"]
    assert answer["file"]["title"] == "Record"
    assert answer["file"]["name"] == "record.csv"
    assert standin.uploaded_files[file_id] == b"item,comment\n3,Agreed\n"
    completed = standin.calls_to("files.completeUploadExternal")[0].params
    assert completed["channel_id"] == CHANNEL
    assert completed["files"] == [{"id": file_id, "title": "Record"}]


def test_files_upload_v2_with_several_files(standin: SlackStandIn, client: WebClient) -> None:
    answer = client.files_upload_v2(
        channel=CHANNEL,
        file_uploads=[
            {"content": b"%PDF-1.7 binary\r\n\x00\xff", "filename": "record.pdf"},
            {"content": "# Record", "filename": "record.md", "title": "Record (Markdown)"},
        ],
    )

    titles = [uploaded["title"] for uploaded in answer["files"]]
    assert titles == ["record.pdf", "Record (Markdown)"]
    assert sorted(standin.uploaded_files.values()) == [b"# Record", b"%PDF-1.7 binary\r\n\x00\xff"]


def test_upload_url_also_accepts_multipart(standin: SlackStandIn, client: WebClient) -> None:
    upload = client.files_getUploadURLExternal(filename="note.bin", length=6)
    boundary = "standin-boundary"
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="note.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    body = head.encode() + b"ab\r\ncd" + f"\r\n--{boundary}--\r\n".encode()
    request = Request(
        upload["upload_url"],
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )

    with urlopen(request, timeout=5) as response:
        assert response.status == 200

    assert standin.uploaded_files[upload["file_id"]] == b"ab\r\ncd"


@pytest.mark.expect_refusals("unknown_method")
def test_unknown_method_is_answered_and_recorded(standin: SlackStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("pins.add", params={"channel": CHANNEL})

    assert slack_error(excinfo) == "unknown_method"
    assert standin.calls_to("pins.add")[0].params == {"channel": CHANNEL}


@pytest.mark.expect_refusals("not_authed")
def test_missing_token_is_not_authed(standin: SlackStandIn) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        WebClient(base_url=standin.api_url, retry_handlers=[]).auth_test()

    assert slack_error(excinfo) == "not_authed"


@pytest.mark.expect_refusals("invalid_auth")
def test_invalid_token_is_invalid_auth(standin: SlackStandIn) -> None:
    stranger = WebClient(base_url=standin.api_url, token="xoxb-wrong", retry_handlers=[])

    with pytest.raises(SlackApiError) as excinfo:
        stranger.chat_postMessage(channel=CHANNEL, text="hello")

    assert slack_error(excinfo) == "invalid_auth"
    assert standin.messages == {}


def test_token_sent_as_a_param_is_accepted_but_never_recorded(standin: SlackStandIn) -> None:
    anonymous = WebClient(base_url=standin.api_url, retry_handlers=[])

    anonymous.api_call("auth.test", params={"token": standin.token})

    assert "token" not in standin.calls_to("auth.test")[0].params


def test_rate_limit_answers_429_with_retry_after(standin: SlackStandIn, client: WebClient) -> None:
    standin.rate_limit("chat.postMessage", retry_after=7)

    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel=CHANNEL, text="too fast")

    assert excinfo.value.response.status_code == 429
    assert excinfo.value.response.headers["Retry-After"] == "7"
    assert slack_error(excinfo) == "ratelimited"
    assert client.chat_postMessage(channel=CHANNEL, text="later")["ok"] is True


def test_rate_limit_answers_429_with_retry_after_and_client_retries(
    standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    # slack_sdk waits Retry-After plus up to a second of jitter; without the jitter the test
    # takes exactly the one second it has to.
    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.random.random", lambda: 0.0)
    patient = WebClient(
        base_url=standin.api_url,
        token=standin.token,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    standin.rate_limit("chat.postMessage", retry_after=1)

    answer = patient.chat_postMessage(channel=CHANNEL, text="eventually")

    assert answer["ok"] is True
    limited, accepted = standin.calls_to("chat.postMessage")
    assert (limited.status, accepted.status) == (429, 200)
    assert accepted.at - limited.at >= 1.0


def test_fail_returns_logical_error(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail("chat.postMessage", error="channel_not_found", times=2)

    for _ in range(2):
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel=CHANNEL, text="lost")
        assert excinfo.value.response.status_code == 200
        assert slack_error(excinfo) == "channel_not_found"

    assert client.chat_postMessage(channel=CHANNEL, text="found")["ok"] is True
    assert [call.status for call in standin.calls_to("chat.postMessage")] == [200, 200, 200]


def test_server_error_status(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail("users.info", error="fatal_error", status=503)

    with pytest.raises(SlackApiError) as excinfo:
        client.users_info(user=DELEGATE)

    assert excinfo.value.response.status_code == 503
    assert slack_error(excinfo) == "fatal_error"
    assert standin.calls_to("users.info")[0].status == 503


def test_response_url_is_recorded(standin: SlackStandIn) -> None:
    url = standin.new_response_url()

    answer = WebhookClient(url).send(text="Decision recorded", response_type="ephemeral")

    assert answer.status_code == 200
    (call,) = standin.calls_to("response_url")
    assert call.params == {"text": "Decision recorded", "response_type": "ephemeral", "url": url}


@pytest.mark.expect_refusals("expired_url")
def test_unknown_response_url_is_404_and_recorded(standin: SlackStandIn) -> None:
    url = standin.base_url + "/response/never-issued"

    answer = WebhookClient(url).send(text="lost")

    assert answer.status_code == 404
    assert standin.calls_to("response_url")[0].status == 404


def test_wait_for_returns_once_the_call_arrives(standin: SlackStandIn, client: WebClient) -> None:
    later = threading.Timer(0.05, lambda: client.chat_postMessage(channel=CHANNEL, text="late"))
    later.start()
    try:
        calls = standin.wait_for("chat.postMessage", timeout=5)
    finally:
        later.join()

    assert calls[0].params["text"] == "late"


def test_wait_for_times_out_with_a_clear_message(standin: SlackStandIn, client: WebClient) -> None:
    client.auth_test()

    with pytest.raises(TimeoutError) as excinfo:
        standin.wait_for("chat.postMessage", count=2, timeout=0.2)

    message = str(excinfo.value)
    assert "2 call(s) to chat.postMessage" in message
    assert "auth.test(200)" in message


def test_clear_calls_forgets_what_was_recorded(standin: SlackStandIn, client: WebClient) -> None:
    client.auth_test()

    standin.clear_calls()

    assert standin.calls == []


@pytest.mark.expect_refusals("invalid_json", "invalid_form_data")
def test_malformed_body_is_answered_and_the_server_keeps_serving(
    standin: SlackStandIn, client: WebClient
) -> None:
    request = Request(
        standin.api_url + "chat.postMessage",
        data=b"{not json",
        headers={"Content-Type": "application/json", "Authorization": "Bearer x"},
    )

    with urlopen(request, timeout=5) as response:
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert json.loads(response.read()) == {"ok": False, "error": "invalid_json"}
    assert client.auth_test()["ok"] is True


def test_stop_releases_the_port() -> None:
    standin = SlackStandIn().start()
    url = standin.api_url

    standin.stop()

    with pytest.raises(OSError):
        urlopen(url + "auth.test", timeout=1)


# -- the sender half ----------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    signature_valid: bool

    def envelope(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclass
class Receiver:
    url: str
    received: list[Received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A tiny app stand-in that checks signatures as Bolt does and keeps what it was sent."""
    verifier = SignatureVerifier(SIGNING_SECRET)
    received: list[Received] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = dict(self.headers.items())
            valid = verifier.is_valid_request(body, headers)
            received.append(Received(headers, body, valid))
            self.send_response(200 if valid else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    try:
        yield Receiver(f"http://127.0.0.1:{server.server_address[1]}/slack/events", received)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def sender(receiver: Receiver) -> SlackSender:
    return SlackSender(receiver.url, SIGNING_SECRET, clock=lambda: FROZEN_EPOCH)


def test_reply_is_a_signed_event_callback_in_slack_shape(
    sender: SlackSender, receiver: Receiver
) -> None:
    delivery = sender.reply(
        channel=CHANNEL, user=DELEGATE, text="We agree &amp; support", thread_ts="1589533200.000000"
    )

    assert isinstance(delivery, Delivery)
    assert delivery.status == 200
    assert delivery.json() == {}
    (got,) = receiver.received
    assert got.signature_valid
    assert got.headers["Content-Type"] == "application/json"
    envelope = got.envelope()
    assert envelope["type"] == "event_callback"
    assert envelope["event_id"] == delivery.event_id
    assert delivery.event_id is not None and delivery.event_id.startswith("Ev")
    assert envelope["authorizations"][0]["user_id"] == BOT_USER
    event = envelope["event"]
    assert event["type"] == "message" and "subtype" not in event
    assert (event["channel"], event["user"], event["text"]) == (
        CHANNEL,
        DELEGATE,
        "We agree &amp; support",
    )
    assert event["ts"] == event["event_ts"] == delivery.ts == "1589533200.000000"
    assert event["thread_ts"] == "1589533200.000000"
    assert event["parent_user_id"] == BOT_USER
    assert event["blocks"][0]["elements"][0]["elements"][0]["text"] == "We agree & support"
    assert "X-Slack-Retry-Num" not in got.headers


def test_sender_ts_increase_even_when_the_clock_stands_still(sender: SlackSender) -> None:
    assert [sender.next_ts() for _ in range(3)] == [
        "1589533200.000000",
        "1589533200.000001",
        "1589533200.000002",
    ]


def test_sender_can_share_the_stand_in_ts_sequence(
    standin: SlackStandIn, client: WebClient, receiver: Receiver
) -> None:
    sender = SlackSender(receiver.url, SIGNING_SECRET, ts_source=standin.next_ts)

    parent = client.chat_postMessage(channel=CHANNEL, text="Item 3")
    reply = sender.reply(channel=CHANNEL, user=DELEGATE, text="Yes", thread_ts=parent["ts"])

    assert reply.ts is not None and reply.ts > parent["ts"]


def test_retry_sends_slack_retry_headers(sender: SlackSender, receiver: Receiver) -> None:
    first = sender.reply(channel=CHANNEL, user=DELEGATE, text="Yes", thread_ts="1589533200.0")
    sender.reply(
        channel=CHANNEL,
        user=DELEGATE,
        text="Yes",
        thread_ts="1589533200.0",
        ts=first.ts,
        event_id=first.event_id,
        retry_num=1,
    )

    original, retried = receiver.received
    assert retried.headers["X-Slack-Retry-Num"] == "1"
    assert retried.headers["X-Slack-Retry-Reason"] == "http_timeout"
    assert retried.envelope()["event_id"] == original.envelope()["event_id"]
    assert (
        retried.envelope()["event"]["client_msg_id"]
        == original.envelope()["event"]["client_msg_id"]
    )


def test_redeliver_resends_the_identical_body(sender: SlackSender, receiver: Receiver) -> None:
    first = sender.reply(channel=CHANNEL, user=DELEGATE, text="Yes", thread_ts="1589533200.0")

    again = sender.redeliver(first, retry_num=2, retry_reason="http_error")

    original, retried = receiver.received
    assert retried.body == original.body
    assert retried.signature_valid
    assert retried.headers["X-Slack-Retry-Num"] == "2"
    assert retried.headers["X-Slack-Retry-Reason"] == "http_error"
    assert (again.event_id, again.ts) == (first.event_id, first.ts)


def test_edit_is_message_changed_with_an_edited_marker(
    sender: SlackSender, receiver: Receiver
) -> None:
    posted = sender.reply(channel=CHANNEL, user=DELEGATE, text="Draft", thread_ts="1589533200.0")
    assert posted.ts is not None

    edited = sender.edit(
        channel=CHANNEL,
        user=DELEGATE,
        ts=posted.ts,
        thread_ts="1589533200.0",
        text="Final",
        previous_text="Draft",
    )

    got = receiver.received[1]
    assert got.signature_valid
    event = got.envelope()["event"]
    assert (event["subtype"], event["hidden"]) == ("message_changed", True)
    assert event["ts"] == edited.ts != posted.ts
    assert event["message"]["ts"] == event["previous_message"]["ts"] == posted.ts
    assert event["message"]["text"] == "Final"
    assert event["message"]["edited"] == {"user": DELEGATE, "ts": edited.ts}
    assert event["message"]["thread_ts"] == "1589533200.0"
    assert event["previous_message"]["text"] == "Draft"
    assert "edited" not in event["previous_message"]
    original_event = receiver.received[0].envelope()["event"]
    assert event["message"]["client_msg_id"] == original_event["client_msg_id"]


def test_unfurl_is_message_changed_with_the_same_text_and_no_edited_marker(
    sender: SlackSender, receiver: Receiver
) -> None:
    text = "See <https://example.org/PC0601E1.pdf>"

    sender.unfurl(
        channel=CHANNEL, user=DELEGATE, ts="1589533300.000000", thread_ts="1589533200.0", text=text
    )

    event = receiver.received[0].envelope()["event"]
    assert event["subtype"] == "message_changed"
    assert event["message"]["text"] == event["previous_message"]["text"] == text
    assert "edited" not in event["message"]
    assert event["message"]["attachments"][0]["from_url"] == "https://example.org/PC0601E1.pdf"


def test_delete_is_message_deleted_keeping_the_previous_text(
    sender: SlackSender, receiver: Receiver
) -> None:
    deleted = sender.delete(
        channel=CHANNEL,
        ts="1589533300.000000",
        thread_ts="1589533200.0",
        user=DELEGATE,
        previous_text="Withdrawn remark",
    )

    event = receiver.received[0].envelope()["event"]
    assert (event["subtype"], event["hidden"]) == ("message_deleted", True)
    assert event["deleted_ts"] == "1589533300.000000"
    assert event["ts"] == deleted.ts != "1589533300.000000"
    assert event["previous_message"]["text"] == "Withdrawn remark"
    assert event["previous_message"]["user"] == DELEGATE


def test_thread_broadcast_carries_the_root_and_file_share_the_files(
    sender: SlackSender, receiver: Receiver
) -> None:
    sender.reply(
        channel=CHANNEL,
        user=DELEGATE,
        text="Also to the channel",
        thread_ts="1589533200.0",
        subtype="thread_broadcast",
    )
    sender.reply(
        channel=CHANNEL,
        user=DELEGATE,
        text="Our written statement",
        thread_ts="1589533200.0",
        subtype="file_share",
    )

    broadcast, shared = (got.envelope()["event"] for got in receiver.received)
    assert broadcast["subtype"] == "thread_broadcast"
    assert broadcast["root"]["ts"] == "1589533200.0"
    assert shared["subtype"] == "file_share"
    assert shared["files"][0]["id"].startswith("F")


def test_bot_message_has_a_bot_id_and_no_user(sender: SlackSender, receiver: Receiver) -> None:
    sender.bot_message(channel=CHANNEL, text="Build passed")

    event = receiver.received[0].envelope()["event"]
    assert event["subtype"] == "bot_message"
    assert event["bot_id"] == "B0OTHERBOT"
    assert "user" not in event


def test_post_is_a_top_level_message(sender: SlackSender, receiver: Receiver) -> None:
    sender.post(channel=CHANNEL, user=DELEGATE, text="Good morning")

    event = receiver.received[0].envelope()["event"]
    assert "thread_ts" not in event
    assert event["channel_type"] == "channel"


def test_command_is_a_signed_form_with_slack_fields(
    sender: SlackSender, receiver: Receiver
) -> None:
    delivery = sender.command(text="3 adopted", user=CHAIR, channel=CHANNEL)

    assert delivery.status == 200
    (got,) = receiver.received
    assert got.signature_valid
    assert got.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = got.form()
    assert form["command"] == "/approve"
    assert form["text"] == "3 adopted"
    assert (form["user_id"], form["channel_id"], form["team_id"]) == (
        CHAIR,
        CHANNEL,
        "T0DOCKET01",
    )
    assert form["api_app_id"] == "A0DOCKET01"
    assert form["is_enterprise_install"] == "false"
    assert form["response_url"].startswith("https://")
    assert form["trigger_id"]
    assert form["token"]


def test_forged_signature_is_not_valid_and_the_answer_is_returned(
    sender: SlackSender, receiver: Receiver
) -> None:
    delivery = sender.send(b"{}", content_type="application/json", signature="v0=" + "0" * 64)

    assert delivery.status == 401
    assert receiver.received[0].signature_valid is False


def test_stale_timestamp_is_not_valid(sender: SlackSender, receiver: Receiver) -> None:
    stale = int(time.time()) - 10 * 60

    delivery = sender.send(b"{}", content_type="application/json", timestamp=stale)

    assert delivery.status == 401
    assert receiver.received[0].signature_valid is False


@pytest.mark.expect_refusals("name_taken", "invalid_trigger_id")
def test_views_open_publish_and_private_channels_answer_like_slack(
    client: WebClient, standin: SlackStandIn
) -> None:
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Decide"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Item 3"}}],
    }
    opened = client.views_open(trigger_id=standin.trigger_ids.issue(), view=modal)
    assert opened["view"]["id"].startswith("V")
    updated = client.views_update(view_id=opened["view"]["id"], view=modal)
    assert updated["ok"]
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
    }
    client.views_publish(user_id="U0AU00001", view=home)
    published = standin.home_view("U0AU00001")
    assert published is not None and published["blocks"] == home["blocks"]
    created = client.conversations_create(name="drafting-rop", is_private=True)
    channel = created["channel"]["id"]
    client.conversations_invite(channel=channel, users="U0AU00001,U0CI00001")
    assert standin.members(channel) >= {"U0AU00001", "U0CI00001"}
    with pytest.raises(SlackApiError) as taken:
        client.conversations_create(name="drafting-rop", is_private=True)
    assert taken.value.response["error"] == "name_taken"
    with pytest.raises(SlackApiError) as no_trigger:
        client.views_open(trigger_id="", view=modal)
    assert no_trigger.value.response["error"] == "invalid_trigger_id"


@pytest.mark.expect_refusals(
    "invalid_name_required",
    "invalid_name_maxlength",
    "invalid_name_specials",
    "invalid_name_punctuation",
)
@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("x" * 81, "invalid_name_maxlength"),
        ("Drafting-ROP", "invalid_name_specials"),
        ("rules of procedure", "invalid_name_specials"),
        ("---", "invalid_name_punctuation"),
    ],
)
def test_conversations_create_refuses_names_slack_refuses(
    client: WebClient, name: str, error: str
) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.conversations_create(name=name, is_private=True)
    assert slack_error(refused) == error


def test_a_created_private_channel_is_private_and_has_the_bot_in_it(
    client: WebClient, standin: SlackStandIn
) -> None:
    created = client.conversations_create(name="ptc-2020-rules_of_procedure", is_private=True)
    channel = created["channel"]
    assert channel["id"].startswith("C") and channel["is_private"] is True
    assert channel["name"] == "ptc-2020-rules_of_procedure"
    assert client.conversations_info(channel=channel["id"])["channel"]["is_private"] is True
    assert standin.members(channel["id"]) == {standin.bot_user_id}


@pytest.mark.expect_refusals("already_in_channel", "cant_invite_self", "channel_not_found")
def test_inviting_someone_already_in_the_channel_fails_the_whole_call_unless_forced(
    client: WebClient, standin: SlackStandIn
) -> None:
    channel = client.conversations_create(name="drafting", is_private=True)["channel"]["id"]
    client.conversations_invite(channel=channel, users="U0AU00001")
    with pytest.raises(SlackApiError) as again:
        client.conversations_invite(channel=channel, users="U0AU00001,U0CI00001")
    assert slack_error(again) == "already_in_channel"
    assert again.value.response["errors"] == [
        {"user": "U0AU00001", "ok": False, "error": "already_in_channel"}
    ]
    assert "U0CI00001" not in standin.members(channel)  # nobody was invited
    forced = client.conversations_invite(channel=channel, users="U0AU00001,U0CI00001", force=True)
    assert forced["ok"] and forced["errors"][0]["error"] == "already_in_channel"
    assert "U0CI00001" in standin.members(channel)
    with pytest.raises(SlackApiError) as self_invite:
        client.conversations_invite(channel=channel, users=standin.bot_user_id)
    assert slack_error(self_invite) == "cant_invite_self"
    with pytest.raises(SlackApiError) as unknown:
        client.conversations_invite(channel="C0NOSUCH01", users="U0AU00001")
    assert slack_error(unknown) == "channel_not_found"


# -- as strict as Slack: Block Kit, limits, trigger_ids, membership, events ------------------


def section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def modal(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Decide"}, "blocks": blocks}


def refused(call: Callable[[], Any]) -> str:
    with pytest.raises(SlackApiError) as excinfo:
        call()
    return slack_error(excinfo)


def test_legal_block_kit_is_accepted_and_nothing_is_refused(
    standin: SlackStandIn, client: WebClient
) -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Item 3"}},
        section("x" * 3000),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Deadline Friday"}]},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "approve",
                    "text": {"type": "plain_text", "text": "Approve"},
                }
            ],
        },
    ]

    client.chat_postMessage(channel=CHANNEL, text="Item 3", blocks=blocks)

    assert standin.refusals() == []


@pytest.mark.expect_refusals("invalid_blocks")
@pytest.mark.parametrize(
    "block",
    [
        section("x" * 3001),  # section text: 3,000 characters at most
        {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}},
        {"type": "carousel"},  # a type Slack does not know
        {  # a nested element over its own limit: a button's text is 75 characters at most
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Item 3"},
            "accessory": {
                "type": "button",
                "action_id": "open",
                "text": {"type": "plain_text", "text": "x" * 76},
            },
        },
    ],
    ids=["long-section", "long-header", "unknown-type", "long-nested-button"],
)
def test_a_block_slack_kit_refuses_is_invalid_blocks_and_nothing_is_posted(
    standin: SlackStandIn, client: WebClient, block: dict[str, Any]
) -> None:
    error = refused(lambda: client.chat_postMessage(channel=CHANNEL, text="Item", blocks=[block]))

    assert error == "invalid_blocks"
    assert standin.messages.get(CHANNEL, []) == []
    (call,) = standin.refusals()
    assert (call.method, call.error) == ("chat.postMessage", "invalid_blocks")


@pytest.mark.expect_refusals("invalid_blocks")
def test_more_than_50_blocks_or_a_repeated_block_id_is_invalid_blocks(client: WebClient) -> None:
    many = [section(f"part {n}") for n in range(51)]
    twice = [section("one", block_id="item-3"), section("two", block_id="item-3")]

    assert refused(lambda: client.chat_postMessage(channel=CHANNEL, blocks=many)) == (
        "invalid_blocks"
    )
    assert refused(lambda: client.chat_postMessage(channel=CHANNEL, blocks=twice)) == (
        "invalid_blocks"
    )
    assert client.chat_postMessage(channel=CHANNEL, blocks=many[:50])["ok"]


@pytest.mark.expect_refusals("msg_too_long", "msg_blocks_too_long")
def test_text_over_40000_or_block_text_over_12000_characters_is_refused(
    client: WebClient,
) -> None:
    five_full_sections = [section("x" * 2500) for _ in range(5)]  # 12,500 characters

    assert refused(lambda: client.chat_postMessage(channel=CHANNEL, text="x" * 40_001)) == (
        "msg_too_long"
    )
    assert refused(
        lambda: client.chat_postMessage(channel=CHANNEL, text="Digest", blocks=five_full_sections)
    ) == ("msg_blocks_too_long")
    assert client.chat_postMessage(channel=CHANNEL, text="x" * 40_000)["ok"]
    assert client.chat_postMessage(channel=CHANNEL, blocks=five_full_sections[:4])["ok"]


@pytest.mark.expect_refusals("invalid_blocks")
def test_an_update_with_refused_blocks_leaves_the_message_as_it_was(
    standin: SlackStandIn, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel=CHANNEL, text="Item 3", blocks=[section("Item 3")])

    error = refused(
        lambda: client.chat_update(channel=CHANNEL, ts=posted["ts"], blocks=[section("x" * 3001)])
    )

    assert error == "invalid_blocks"
    assert standin.message(CHANNEL, posted["ts"]) == posted["message"]


@pytest.mark.expect_refusals("invalid_arguments")
@pytest.mark.parametrize(
    "view",
    [
        modal([]),  # a view holds 1 to 100 blocks
        modal([section(f"part {n}") for n in range(101)]),
        {**modal([section("x")]), "title": {"type": "plain_text", "text": "x" * 25}},
        {**modal([section("x")]), "submit": {"type": "plain_text", "text": "x" * 25}},
        {**modal([section("x")]), "close": {"type": "plain_text", "text": "x" * 25}},
        {**modal([section("x")]), "private_metadata": "x" * 3001},
        modal([section("x", block_id="b"), section("y", block_id="b")]),
        modal([section("x" * 3001)]),
        modal(
            [
                {
                    "type": "input",
                    "block_id": "text",
                    "label": {"type": "plain_text", "text": "Decision"},
                    "element": {
                        "type": "plain_text_input",
                        "action_id": "text",
                        "max_length": 3000,
                        "initial_value": "x" * 3001,
                    },
                }
            ]
        ),
    ],
    ids=[
        "no-blocks",
        "101-blocks",
        "long-title",
        "long-submit",
        "long-close",
        "long-metadata",
        "repeated-block-id",
        "long-section",
        "prefilled-past-max-length",
    ],
)
def test_a_view_slack_would_not_render_is_invalid_arguments_and_the_trigger_stays_good(
    standin: SlackStandIn, client: WebClient, view: dict[str, Any]
) -> None:
    trigger_id = standin.trigger_ids.issue()

    assert refused(lambda: client.views_open(trigger_id=trigger_id, view=view)) == (
        "invalid_arguments"
    )
    assert refused(lambda: client.views_publish(user_id=DELEGATE, view={**view, "type": "home"}))
    assert client.views_open(trigger_id=trigger_id, view=modal([section("ok")]))["ok"]


@pytest.mark.expect_refusals("view_too_large")
def test_a_view_over_250_kb_is_view_too_large(standin: SlackStandIn, client: WebClient) -> None:
    heavy = modal([section("é" * 1500) for _ in range(90)])  # 90 x 3,000 bytes

    error = refused(lambda: client.views_open(trigger_id=standin.trigger_ids.issue(), view=heavy))

    assert error == "view_too_large"


@pytest.mark.expect_refusals("exchanged_trigger_id", "expired_trigger_id", "invalid_trigger_id")
def test_a_trigger_id_is_good_once_and_for_3_seconds() -> None:
    now = [100.0]
    triggers = TriggerIds(clock=lambda: now[0])
    with SlackStandIn(trigger_ids=triggers) as standin:
        client = WebClient(base_url=standin.api_url, token=standin.token, retry_handlers=[])
        view = modal([section("Item 3")])
        used, late = triggers.issue(), triggers.issue()

        assert client.views_open(trigger_id=used, view=view)["ok"]
        assert refused(lambda: client.views_open(trigger_id=used, view=view)) == (
            "exchanged_trigger_id"
        )
        now[0] += 3.5
        assert refused(lambda: client.views_open(trigger_id=late, view=view)) == (
            "expired_trigger_id"
        )
        assert refused(lambda: client.views_open(trigger_id="1.2.abc", view=view)) == (
            "invalid_trigger_id"
        )


def test_the_sender_hands_out_trigger_ids_the_stand_in_accepts(
    standin: SlackStandIn, receiver: Receiver, client: WebClient
) -> None:
    sender = SlackSender(receiver.url, SIGNING_SECRET, slack=standin)

    sender.command(text="3", user=CHAIR, channel=CHANNEL)
    sender.button(action_id="decide", value="3", user=CHAIR, channel=CHANNEL, message_ts="1.2")

    triggers = [receiver.received[0].form()["trigger_id"]]
    triggers.append(json.loads(receiver.received[1].form()["payload"])["trigger_id"])
    for trigger_id in triggers:
        assert client.views_open(trigger_id=trigger_id, view=modal([section("Item 3")]))["ok"]


@pytest.mark.expect_refusals("not_in_channel")
def test_posting_where_the_bot_was_not_added_is_not_in_channel(
    standin: SlackStandIn, client: WebClient
) -> None:
    elsewhere = "C0ELSEWHERE"
    standin.add_channel(elsewhere, name="general", members=[DELEGATE])

    assert refused(lambda: client.chat_postMessage(channel=elsewhere, text="hi")) == (
        "not_in_channel"
    )
    assert client.conversations_info(channel=elsewhere)["channel"]["is_member"] is False
    assert client.chat_postMessage(channel=DELEGATE, text="a DM needs no invitation")["ok"]
    standin.add_bot_to(elsewhere)
    assert client.chat_postMessage(channel=elsewhere, text="hi")["ok"]


def test_events_in_a_private_channel_carry_channel_type_group(
    standin: SlackStandIn, receiver: Receiver, client: WebClient
) -> None:
    private = client.conversations_create(name="drafting", is_private=True)["channel"]["id"]
    sender = SlackSender(receiver.url, SIGNING_SECRET, slack=standin)

    sender.post(channel=private, user=DELEGATE, text="Draft 2 attached")
    sender.post(channel=CHANNEL, user=DELEGATE, text="Good morning")

    types = [got.envelope()["event"]["channel_type"] for got in receiver.received]
    assert types == ["group", "channel"]


def test_the_sender_gives_up_on_an_ack_after_slacks_3_seconds() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        sender = SlackSender(f"http://127.0.0.1:{silent.getsockname()[1]}/", SIGNING_SECRET)
        started = time.monotonic()

        with pytest.raises(TimeoutError):
            sender.post(channel=CHANNEL, user=DELEGATE, text="anyone there?")

    assert 2.9 <= time.monotonic() - started < 6


@dataclass
class Sink:
    """An app that takes every event the stand-in sends it."""

    events: list[dict[str, Any]]

    def event(self, event: dict[str, Any]) -> Delivery:
        self.events.append(event)
        return Delivery(status=200, body="", headers={}, elapsed=0.0, event_id=None, ts=None)


def test_the_bots_own_channel_posts_come_back_as_message_events_like_slacks(
    standin: SlackStandIn, client: WebClient
) -> None:
    sink = Sink([])
    standin.deliver_events_to(sink)
    root = client.chat_postMessage(channel=CHANNEL, text="Item 3", blocks=[section("Item 3")])
    client.chat_postMessage(channel=CHANNEL, text="Reminder", thread_ts=root["ts"])
    client.chat_postMessage(channel=DELEGATE, text="A nudge, in a DM")  # message.im: not subscribed

    standin.wait_for_events()
    first, reply = sink.events
    assert "subtype" not in first
    assert (first["user"], first["bot_id"], first["app_id"]) == (
        BOT_USER,
        "B0DOCKETBT",
        "A0DOCKET01",
    )
    assert first["bot_profile"]["id"] == "B0DOCKETBT"
    assert (first["channel"], first["channel_type"], first["ts"]) == (
        CHANNEL,
        "channel",
        root["ts"],
    )
    assert first["blocks"] == [section("Item 3")]
    assert (reply["thread_ts"], reply["parent_user_id"]) == (root["ts"], BOT_USER)
    assert [d.status for d in standin.event_deliveries] == [200, 200]


@pytest.mark.expect_refusals("channel_not_found")
def test_refusals_are_listed_but_failures_a_test_injected_are_not(
    standin: SlackStandIn, client: WebClient
) -> None:
    standin.fail("users.info", error="user_not_found")
    with pytest.raises(SlackApiError):
        client.users_info(user=DELEGATE)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="", text="lost")

    assert [(call.method, call.error) for call in standin.refusals()] == [
        ("chat.postMessage", "channel_not_found")
    ]
    assert standin.unexpected_refusals() == standin.refusals()
    standin.expect_refusals("channel_not_found")
    assert standin.unexpected_refusals() == []
