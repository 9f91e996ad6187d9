"""The Web API client's keep-alive connections (bot/slack/transport.py), against the stand-in
over real HTTP and HTTPS: calls reuse one set of connections per process, and slack_sdk's retry
handlers and errors behave as they do over urllib."""

import os
import select
import socket
import ssl
import threading
from collections.abc import Iterator
from urllib.error import URLError

import pytest
import trustme
from slack_sdk.errors import SlackApiError

from bot.demo.standin import SlackStandIn
from bot.slack import transport
from bot.slack.api import make_client
from tests.conftest import standin_settings


@pytest.fixture
def fresh_pools() -> Iterator[None]:
    transport.close_pools()
    yield
    transport.close_pools()


def _pool_of(standin: SlackStandIn, context: object = None) -> transport.Connections:
    scheme, host, port, _ = transport._split(standin.api_url)
    return transport._pool(context, scheme, host, port)  # type: ignore[arg-type]


def _connections_opened(standin: SlackStandIn) -> int:
    return _pool_of(standin).opened


@pytest.mark.usefixtures("fresh_pools")
def test_calls_reuse_one_kept_alive_connection(standin: SlackStandIn):
    client = make_client(standin_settings(standin))
    for n in range(20):
        assert client.auth_test()["ok"], n
    assert len(standin.calls_to("auth.test")) == 20
    assert _connections_opened(standin) == 1  # urllib would have opened 20


@pytest.mark.usefixtures("fresh_pools")
def test_threads_share_the_pool_without_mixing_answers(standin: SlackStandIn):
    client = make_client(standin_settings(standin))
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
    client = make_client(standin_settings(standin))
    standin.rate_limit("auth.test", times=1, retry_after=0)
    assert client.auth_test()["ok"]
    standin.fail("auth.test", status=503, error="service_unavailable", times=1)
    assert client.auth_test()["ok"]
    assert [c.status for c in standin.calls_to("auth.test")] == [429, 200, 503, 200]


@pytest.mark.usefixtures("fresh_pools")
def test_slack_errors_are_raised_as_slack_api_errors(standin: SlackStandIn):
    standin.expect_refusals("channel_not_found", "not_in_channel")
    client = make_client(standin_settings(standin))
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0NOWHERE", text="hello")
    assert raised.value.response["error"] in ("channel_not_found", "not_in_channel")
    assert raised.value.response.status_code == 200


@pytest.mark.usefixtures("fresh_pools")
def test_a_refused_connection_is_a_url_error_retried_by_the_handlers(standin: SlackStandIn):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(standin_settings(standin, f"http://127.0.0.1:{port}/api/"))
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
    client = make_client(standin_settings(standin))
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
    client = make_client(standin_settings(standin))
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


@pytest.mark.usefixtures("fresh_pools")
def test_a_connection_slack_closed_while_idle_is_replaced_before_anything_is_sent_on_it(
    standin: SlackStandIn,
):
    """Slack closes kept-alive connections that sit idle.  A post is not safe to send twice,
    so it must not be sent on such a connection and lost: the client sees the close first."""
    client = make_client(standin_settings(standin))
    standin.add_bot_to("C0TRANSPORT")
    client.chat_postMessage(channel="C0TRANSPORT", text="first")
    [kept] = _pool_of(standin).idle
    standin.close_kept_connections()
    assert select.select([kept.sock], [], [], 5)[0]  # the close has reached the client

    assert client.chat_postMessage(channel="C0TRANSPORT", text="second")["ok"]
    assert _connections_opened(standin) == 2
    calls = standin.calls_to("chat.postMessage")
    assert [(c.params["text"], c.lost) for c in calls] == [("first", None), ("second", None)]
    assert kept.sock is None  # closed, not kept


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_standin(authority: trustme.CA) -> Iterator[SlackStandIn]:
    """The stand-in on https://, with a certificate for 127.0.0.1 from a test authority."""
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server)
    with SlackStandIn(tls=server) as slack:
        yield slack


@pytest.mark.usefixtures("fresh_pools")
def test_calls_over_tls_reuse_one_connection(tls_standin: SlackStandIn, authority: trustme.CA):
    assert tls_standin.api_url.startswith("https://127.0.0.1:")
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)
    client = make_client(standin_settings(tls_standin))
    client.ssl = trusting
    for n in range(5):
        assert client.auth_test()["ok"], n
    assert len(tls_standin.calls_to("auth.test")) == 5
    assert _pool_of(tls_standin, trusting).opened == 1  # one handshake, not five


@pytest.mark.usefixtures("fresh_pools")
def test_a_certificate_the_client_does_not_trust_is_a_url_error_and_nothing_is_sent(
    tls_standin: SlackStandIn,
):
    client = make_client(standin_settings(tls_standin))  # the system's authorities, not the test's
    with pytest.raises(URLError) as raised:
        client.auth_test()
    assert isinstance(raised.value.reason, ssl.SSLCertVerificationError)
    assert not isinstance(raised.value, transport.AnswerLost)  # never sent, so retried
    assert tls_standin.calls_to("auth.test") == []
