"""The Web API client's keep-alive connections (bot/slack/transport.py), against the stand-in
over real HTTP: calls reuse one pool per process, and slack_sdk's retry handlers and errors
behave as they do over urllib."""

import os
import socket
import threading
from collections.abc import Iterator
from urllib.error import URLError

import pytest
from slack_sdk.errors import SlackApiError

from bot.core.config import Settings
from bot.demo.standin import SlackStandIn
from bot.slack import transport
from bot.slack.api import make_client


@pytest.fixture
def fresh_pools() -> Iterator[None]:
    transport.close_pools()
    yield
    transport.close_pools()


def _settings(standin: SlackStandIn, api_url: str | None = None) -> Settings:
    return Settings(
        slack_bot_token=standin.token,
        slack_signing_secret="s",
        slack_app_token=None,
        slack_api_url=api_url or standin.api_url,
        database_url="sqlite://",
        port=3000,
    )


def _connections_opened(standin: SlackStandIn) -> int:
    scheme, host, port, _ = transport._split(standin.api_url)
    return int(transport._pool(None, scheme, host, port).num_connections)


@pytest.mark.usefixtures("fresh_pools")
def test_calls_reuse_one_kept_alive_connection(standin: SlackStandIn):
    client = make_client(_settings(standin))
    for n in range(20):
        assert client.auth_test()["ok"], n
    assert len(standin.calls_to("auth.test")) == 20
    assert _connections_opened(standin) == 1  # urllib would have opened 20


@pytest.mark.usefixtures("fresh_pools")
def test_threads_share_the_pool_without_mixing_answers(standin: SlackStandIn):
    client = make_client(_settings(standin))
    standin.add_bot_to("C0TRANSPORT")
    answers: dict[int, str] = {}
    lock = threading.Lock()

    def post(n: int) -> None:
        for k in range(10):
            sent = client.chat_postMessage(channel="C0TRANSPORT", text=f"thread {n} message {k}")
            with lock:
                answers[n * 100 + k] = sent["message"]["text"]

    threads = [threading.Thread(target=post, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers == {n * 100 + k: f"thread {n} message {k}" for n in range(8) for k in range(10)}
    assert _connections_opened(standin) <= 8


@pytest.mark.usefixtures("fresh_pools")
def test_retry_handlers_still_retry_429_and_5xx(standin: SlackStandIn):
    client = make_client(_settings(standin))
    standin.rate_limit("auth.test", times=1, retry_after=0)
    assert client.auth_test()["ok"]
    standin.fail("auth.test", status=503, error="service_unavailable", times=1)
    assert client.auth_test()["ok"]
    assert [c.status for c in standin.calls_to("auth.test")] == [429, 200, 503, 200]


@pytest.mark.usefixtures("fresh_pools")
def test_slack_errors_are_raised_as_slack_api_errors(standin: SlackStandIn):
    standin.expect_refusals("channel_not_found", "not_in_channel")
    client = make_client(_settings(standin))
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0NOWHERE", text="hello")
    assert raised.value.response["error"] in ("channel_not_found", "not_in_channel")
    assert raised.value.response.status_code == 200


@pytest.mark.usefixtures("fresh_pools")
def test_a_refused_connection_is_a_url_error_retried_by_the_handlers(standin: SlackStandIn):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(_settings(standin, f"http://127.0.0.1:{port}/api/"))
    attempts: list[str] = []
    handler = client.retry_handlers[0]
    original = handler.can_retry

    def counting(**kwargs: object) -> bool:
        attempts.append(type(kwargs.get("error")).__name__)
        return original(**kwargs)  # type: ignore[arg-type]

    handler.can_retry = counting  # type: ignore[method-assign]
    with pytest.raises(URLError):
        client.auth_test()
    assert attempts == ["URLError"] * 3  # two retries (ConnectionErrorRetryHandler), then given up


@pytest.mark.usefixtures("fresh_pools")
def test_a_forked_child_starts_with_no_pool(standin: SlackStandIn):
    client = make_client(_settings(standin))
    assert client.auth_test()["ok"]
    assert transport._pools
    pid = os.fork()
    if pid == 0:  # the child: the parent's sockets are not its to use
        os._exit(0 if not transport._pools else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert transport._pools  # the parent keeps its own


@pytest.mark.usefixtures("fresh_pools")
def test_a_lost_answer_is_not_resent_for_a_post_but_is_for_a_reaction(standin: SlackStandIn):
    """Slack acted and the answer was lost: a second chat.postMessage would be a second
    message, so it is not sent again; a reaction is safe to repeat (already_reacted)."""
    from bot.slack.transport import AnswerLost

    standin.add_bot_to("C0TRANSPORT")
    standin.expect_refusals("already_reacted")
    client = make_client(_settings(standin))
    standin.lose_response("chat.postMessage", how="drop")
    with pytest.raises(AnswerLost):
        client.chat_postMessage(channel="C0TRANSPORT", text="once")
    assert [c.lost for c in standin.calls_to("chat.postMessage")] == ["drop"]

    ts = client.chat_postMessage(channel="C0TRANSPORT", text="twice?")["ts"]
    standin.lose_response("reactions.add", how="drop")
    with pytest.raises(SlackApiError) as raised:  # the repeat finds its first try's reaction
        client.reactions_add(channel="C0TRANSPORT", timestamp=ts, name="white_check_mark")
    assert raised.value.response["error"] == "already_reacted"
    assert [c.lost for c in standin.calls_to("reactions.add")] == ["drop", None]
