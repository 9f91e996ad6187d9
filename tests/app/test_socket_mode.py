"""Socket Mode: `python -m bot run` with SLACK_APP_TOKEN dials the stand-in's WebSocket, serves
events and commands over it with the scheduler alongside, and serves only its health check (and
metrics) on PORT. The stand-in's side of the protocol is checked here too, with a plain
WebSocket client."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import col, select
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from bot.app import build_app
from bot.core.db import make_engine, session_scope
from bot.demo.standin import Call, SlackSender, SlackStandIn, SocketModeSender
from bot.slack.api import make_client
from bot.slack.socket_mode import LoggingSocketModeHandler, health_server
from models import Comment, Decision
from tests.conftest import SIGNING_SECRET, Bot, Meeting

CHAIR = "U0CHAIR01"
DELEGATE = "U0AU00001"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def comments(bot: Bot) -> list[Comment]:
    with session_scope(bot.database.engine) as session:
        return list(session.exec(select(Comment).order_by(col(Comment.id))))


def get(url: str) -> tuple[int, str]:
    """The status and body of a GET; (0, "") when nothing answers (not listening yet)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def wait_for_post(standin: SlackStandIn, text: str, timeout: float = 10.0) -> Call:
    """The first chat.postMessage with this text, waiting for it to be made."""
    give_up = time.monotonic() + timeout
    count = 1
    while True:
        calls = standin.wait_for(
            "chat.postMessage", count=count, timeout=max(0.0, give_up - time.monotonic())
        )
        for call in calls:
            if call.params.get("text") == text:
                return call
        count = len(calls) + 1


# -- the bot as a process ---------------------------------------------------------------------


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    port: int
    log: Path
    give_up: float  # time.monotonic() past which start-up has failed

    def output(self) -> str:
        """The process's log so far, for failure messages."""
        return self.log.read_text(errors="replace")[-4000:]

    def check_running(self, waiting_for: str) -> None:
        if self.popen.poll() is not None:
            pytest.fail(f"bot exited with {self.popen.returncode}:\n{self.output()}")
        if time.monotonic() > self.give_up:
            pytest.fail(f"bot did not {waiting_for}:\n{self.output()}")


@contextmanager
def bot_run(bot: Bot, tmp_path: Path, **variables: str) -> Iterator[Process]:
    """`python -m bot run` as a platform starts it, ended with its whole process group."""
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("SLACK_") and name not in ("DATABASE_URL", "PORT")
    }
    env.update(
        SLACK_BOT_TOKEN=bot.standin.token,
        SLACK_API_URL=bot.standin.api_url,
        DATABASE_URL=bot.settings.database_url,
        PORT=str(port),
        **variables,
    )
    log = tmp_path / "bot.log"
    workdir = tmp_path / "cwd"  # no .env here, so only the variables above configure it
    workdir.mkdir()
    with log.open("wb") as output:
        popen = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=workdir,
            env=env,
            start_new_session=True,  # its own process group, ended whole below
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield Process(popen, port, log, give_up=time.monotonic() + 30)
    finally:
        os.killpg(popen.pid, signal.SIGTERM)
        try:
            popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(popen.pid, signal.SIGKILL)
            popen.wait(timeout=10)
    # Nothing of the group may outlive the test (a scheduler or worker child, say).
    with pytest.raises(ProcessLookupError):
        os.killpg(popen.pid, 0)


@pytest.fixture
def socket_mode_process(bot: Bot, meeting: Meeting, tmp_path: Path) -> Iterator[Process]:
    """`python -m bot run` with an app token, connected to the stand-in over Socket Mode."""
    with bot_run(bot, tmp_path, SLACK_APP_TOKEN=bot.standin.app_token) as process:
        # Start-up time, not a deadline waited out: each wait returns as soon as it connects.
        while not bot.standin.socket_connected(timeout=0.2):
            process.check_running("connect over Socket Mode")
        yield process


def test_run_uses_socket_mode_when_the_app_token_is_set(
    socket_mode_process: Process, bot: Bot, meeting: Meeting
):
    standin = bot.standin
    [opened] = standin.calls_to("apps.connections.open")
    assert opened.status == 200
    # The scheduler runs in the same process: its first beat closes the items, due since 2020.
    closed = wait_for_post(standin, "Comments on item 3 are closed.")
    assert closed.params["thread_ts"] == meeting.roots[3]

    sender = SocketModeSender(standin, ts_source=standin.next_ts)
    # A threaded reply arrives as an events_api envelope; the ack means it is committed.
    delivery = sender.reply(
        channel=meeting.channel, user=DELEGATE, text="Via Socket Mode.", thread_ts=meeting.roots[3]
    )
    assert delivery.status == 200 and delivery.body == ""
    [envelope] = standin.calls_to("socket_mode.envelope")
    assert envelope.params["type"] == "events_api"
    assert envelope.params["accepts_response_payload"] is False
    assert envelope.params["payload"]["event_id"] == delivery.event_id
    [ack] = standin.calls_to("socket_mode.ack")
    assert ack.params == {"envelope_id": envelope.params["envelope_id"]}
    [comment] = comments(bot)
    assert (comment.user_id, comment.text) == (DELEGATE, "Via Socket Mode.")
    assert comment.ts == delivery.ts and comment.thread_ts == meeting.roots[3]
    [receipt] = standin.wait_for("reactions.add", timeout=10)
    assert receipt.params["channel"] == meeting.channel
    assert receipt.params["timestamp"] == delivery.ts

    # Slack's retry of the same envelope (retry_attempt 1) is acked, and not recorded again.
    again = sender.redeliver(delivery, retry_num=1, retry_reason="timeout")
    assert again.status == 200
    retry = standin.calls_to("socket_mode.envelope")[-1].params
    assert retry == {**envelope.params, "retry_attempt": 1, "retry_reason": "timeout"}
    assert len(standin.calls_to("socket_mode.ack")) == 2
    assert [c.ts for c in comments(bot)] == [delivery.ts]

    # A slash command's private answer travels back in the ack's payload.
    command = sender.command(
        command="/approve",
        text="3 Approved as proposed.",
        user=CHAIR,
        channel=meeting.channel,
        response_url=standin.new_response_url(),
    )
    sent = standin.calls_to("socket_mode.envelope")[-1].params
    assert sent["type"] == "slash_commands" and sent["accepts_response_payload"] is True
    assert sent["payload"]["command"] == "/approve"
    assert sent["payload"]["text"] == "3 Approved as proposed."
    answer = command.json()
    assert answer.get("response_type", "ephemeral") == "ephemeral"
    assert "Recorded: item 3 approved" in answer["text"]
    with session_scope(bot.database.engine) as session:
        [decision] = session.exec(select(Decision))
    assert (decision.kind, decision.decided_by) == ("approved", CHAIR)

    # Slack asks for a reconnection now and then; the app opens a new connection and goes on.
    assert standin.socket_disconnect("refresh_requested") == 1
    standin.wait_for("socket_mode.hello", count=2, timeout=10)
    assert len(standin.calls_to("apps.connections.open")) == 2
    late = sender.reply(
        channel=meeting.channel,
        user=DELEGATE,
        text="After the refresh.",
        thread_ts=meeting.roots[4],
    )
    assert late.status == 200
    assert [c.text for c in comments(bot)] == ["Via Socket Mode.", "After the refresh."]

    # Slack's requests come over the WebSocket; PORT serves the health check, and only that.
    health = f"http://127.0.0.1:{socket_mode_process.port}"
    assert get(health + "/healthz") == (200, "ok\n")
    assert get(health + "/slack/events")[0] == 404
    assert socket_mode_process.popen.poll() is None, socket_mode_process.output()
    # One log line per request, as over HTTP, and never a token.
    output = socket_mode_process.output()
    assert "slack event message -> 200 in" in output and "slack command /approve -> 200" in output
    assert standin.token not in output and standin.app_token not in output


def test_socket_mode_health_fails_when_the_connection_to_slack_is_down(bot: Bot, tmp_path: Path):
    with bot_run(bot, tmp_path, SLACK_APP_TOKEN=bot.standin.app_token) as process:
        health = f"http://127.0.0.1:{process.port}/healthz"
        # Start-up time, not a deadline waited out: it answers 200 as soon as it is connected.
        while get(health) != (200, "ok\n"):
            process.check_running("answer /healthz with 200")
            time.sleep(0.1)
        assert bot.standin.socket_connected(timeout=5)
        bot.standin.stop()  # Slack goes away: the WebSocket is closed and cannot be reopened
        while (answer := get(health))[0] != 503:
            process.check_running("answer /healthz with 503 once disconnected")
            time.sleep(0.1)
        assert answer == (503, "Socket Mode connection down\n")
        assert process.popen.poll() is None, process.output()


def test_socket_mode_health_fails_when_the_database_is_unreachable(bot: Bot, tmp_path: Path):
    """The same health server as `run` starts in Socket Mode, in this process."""
    app = build_app(bot.settings, bot.database, client=make_client(bot.settings), socket_mode=True)
    handler = LoggingSocketModeHandler(app, bot.standin.app_token)
    health = health_server(bot.database, handler).start()
    try:
        assert get(health.url + "/healthz") == (503, "Socket Mode connection down\n")
        handler.connect()
        assert bot.standin.socket_connected(timeout=5)
        assert get(health.url + "/healthz") == (200, "ok\n")
        assert get(health.url + "/metrics")[0] == 200
        # A database file in a folder that does not exist cannot be opened.
        bot.database.engine = make_engine(f"sqlite:///{tmp_path / 'gone' / 'x.db'}")
        assert get(health.url + "/healthz") == (503, "database unreachable\n")
    finally:
        handler.close()
        health.stop()


def test_run_serves_http_when_no_app_token(bot: Bot, meeting: Meeting, tmp_path: Path):
    with bot_run(bot, tmp_path, SLACK_SIGNING_SECRET=SIGNING_SECRET) as process:
        health = f"http://127.0.0.1:{process.port}/healthz"
        while True:
            process.check_running("serve /healthz")
            try:
                with urllib.request.urlopen(health, timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)  # not listening yet
        sender = SlackSender(
            f"http://127.0.0.1:{process.port}/slack/events",
            SIGNING_SECRET,
            ts_source=bot.standin.next_ts,
        )
        delivery = sender.reply(
            channel=meeting.channel, user=DELEGATE, text="Over HTTP.", thread_ts=meeting.roots[3]
        )
        assert delivery.status == 200
        assert [c.text for c in comments(bot)] == ["Over HTTP."]
    assert bot.standin.calls_to("apps.connections.open") == []
    assert not bot.standin.socket_connected(timeout=0)


# -- the stand-in's side of the protocol --------------------------------------------------------


@pytest.fixture
def web(standin: SlackStandIn) -> WebClient:
    return WebClient(base_url=standin.api_url, retry_handlers=[])


@contextmanager
def app_connection(
    standin: SlackStandIn, web: WebClient
) -> Iterator[tuple[ClientConnection, dict]]:
    """What an app does: apps.connections.open, connect, read the hello."""
    url = web.apps_connections_open(app_token=standin.app_token)["url"]
    with connect(url, open_timeout=5) as connection:
        yield connection, json.loads(connection.recv(timeout=5))


def test_connections_open_hands_out_a_local_websocket_and_hello_greets(
    standin: SlackStandIn, web: WebClient
):
    with app_connection(standin, web) as (connection, hello):
        assert connection.request is not None
        assert connection.request.path.startswith("/link/?ticket=")
        assert (hello["type"], hello["num_connections"]) == ("hello", 1)
        assert hello["connection_info"] == {"app_id": standin.app_id}
        assert "host" in hello["debug_info"]
        assert standin.socket_connected(timeout=5)
    [call] = standin.calls_to("apps.connections.open")
    assert call.status == 200


@pytest.mark.expect_refusals("not_allowed_token_type", "invalid_auth")
def test_connections_open_refuses_a_bot_token_and_a_wrong_app_token(
    standin: SlackStandIn, web: WebClient
):
    with pytest.raises(SlackApiError) as refused:
        web.apps_connections_open(app_token=standin.token)
    assert refused.value.response["error"] == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as wrong:
        web.apps_connections_open(app_token="xapp-1-not-this-one")
    assert wrong.value.response["error"] == "invalid_auth"
    # And the app token is good for nothing else.
    with pytest.raises(SlackApiError) as elsewhere:
        WebClient(base_url=standin.api_url, token=standin.app_token).auth_test()
    assert elsewhere.value.response["error"] == "not_allowed_token_type"


def test_a_ticket_admits_one_connection(standin: SlackStandIn, web: WebClient):
    url = web.apps_connections_open(app_token=standin.app_token)["url"]
    with connect(url, open_timeout=5):
        with pytest.raises(InvalidStatus) as refused:
            connect(url, open_timeout=5)
        assert refused.value.response.status_code == 401


def test_socket_send_returns_the_ack_and_records_both(standin: SlackStandIn, web: WebClient):
    with app_connection(standin, web) as (connection, _):
        command = {"command": "/approve", "text": "3", "user_id": CHAIR}

        def acknowledge() -> None:
            envelope = json.loads(connection.recv(timeout=5))
            answer = {"envelope_id": envelope["envelope_id"], "payload": {"text": "Done."}}
            connection.send(json.dumps(answer))

        app = threading.Thread(target=acknowledge)
        app.start()
        ack = standin.socket_send(command, envelope_type="slash_commands")
        app.join()
    [envelope] = standin.calls_to("socket_mode.envelope")
    assert envelope.params == {
        "envelope_id": ack["envelope_id"],
        "type": "slash_commands",
        "payload": command,
        "accepts_response_payload": True,
    }
    assert ack["payload"] == {"text": "Done."}
    assert [c.params for c in standin.calls_to("socket_mode.ack")] == [ack]


def test_socket_send_times_out_clearly_when_nobody_acknowledges(
    standin: SlackStandIn, web: WebClient
):
    with app_connection(standin, web) as (connection, _):
        with pytest.raises(TimeoutError, match=r"did not acknowledge events_api envelope .* 0.2s"):
            standin.socket_send({"type": "event_callback"}, timeout=0.2)
        envelope = json.loads(connection.recv(timeout=5))
        assert (envelope["retry_attempt"], envelope["retry_reason"]) == (0, "")


def test_socket_send_without_a_connection_says_so(standin: SlackStandIn):
    assert not standin.socket_connected(timeout=0)
    with pytest.raises(ConnectionError, match="no app is connected over Socket Mode"):
        standin.socket_send({"type": "event_callback"})


def test_stopping_the_stand_in_closes_the_websocket():
    standin = SlackStandIn().start()
    web = WebClient(base_url=standin.api_url, retry_handlers=[])
    with app_connection(standin, web) as (connection, _):
        standin.stop()
        with pytest.raises(ConnectionClosed):
            connection.recv(timeout=5)
    assert connection.close_code == 1001  # going away
