"""GET /metrics: Prometheus text, counted through the real app, summed across processes."""

import os
import subprocess
import sys
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.errors import SlackApiError
from sqlmodel import select

from bot.clock.claims import Due, deliver, report_clock_lag, skip
from bot.core.db import session_scope
from bot.core.metrics import MULTIPROC_ENV, render_metrics, request_kind
from bot.slack.api import make_client
from models import Meeting as MeetingRow
from tests.conftest import IN_SESSION, Bot, Meeting

ROOT = Path(__file__).resolve().parents[2]


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


def scrape(bot: Bot) -> str:
    with urllib.request.urlopen(bot.server.url + "/metrics", timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        return str(response.read().decode())


def test_metrics_count_slack_requests_and_captured_comments(bot: Bot, meeting: Meeting):
    bot.standin.wait_for_events()
    bot.settle()
    before = scrape(bot)
    reply = bot.sender.reply(
        channel=meeting.channel, user="U0AU00001", text="We agree.", thread_ts=meeting.roots[3]
    )
    assert reply.status == 200
    bot.sender.command(command="/approve", text="help", user="U0CHAIR01", channel=meeting.channel)
    after = scrape(bot)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("docket_comments_captured_total") == 1
    assert delta("docket_slack_requests_total", kind="event", outcome="2xx") == 1
    assert delta("docket_slack_requests_total", kind="command", outcome="2xx") == 1
    assert delta("docket_ack_seconds_count", kind="command") == 1
    assert delta("docket_ack_seconds_bucket", kind="event", le="+Inf") == 1
    for name in (
        "docket_deliveries",
        "docket_web_api_errors",
        "docket_web_api_rate_limited",
        "docket_clock_lag_seconds",
        "docket_clock_job_errors",
    ):
        assert f"# HELP {name}" in after


def test_web_api_errors_and_429s_are_counted_by_method(bot: Bot):
    bot.standin.expect_refusals("not_in_channel", "ratelimited")
    client = make_client(bot.settings)
    before = render_metrics()[0].decode()
    bot.standin.rate_limit("auth.test", times=1, retry_after=1)
    client.auth_test()  # one 429, retried, then answered
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0NOTTHERE", text="hello")
    after = render_metrics()[0].decode()
    rate_limited = "docket_web_api_rate_limited_total"
    assert (
        value(after, rate_limited, method="auth.test")
        - value(before, rate_limited, method="auth.test")
        == 1
    )
    failed = {
        dict(labels)["error"]: n - samples(before).get((name, labels), 0.0)
        for (name, labels), n in samples(after).items()
        if name == "docket_web_api_errors_total" and ("method", "chat.postMessage") in labels
    }
    assert {error: n for error, n in failed.items() if n} == {"not_in_channel": 1}


def test_deliveries_are_counted_by_outcome_and_the_clock_lag_reported(bot: Bot, meeting: Meeting):
    with session_scope(bot.database.engine) as session:
        meeting_id = session.exec(select(MeetingRow.id)).first()
    assert meeting_id is not None
    now = IN_SESSION
    due = [
        Due(f"metrics-test:{n}", "metrics_test", meeting_id, None, now - timedelta(seconds=s))
        for n, s in ((1, 40), (2, 5), (3, 0))
    ]
    report_clock_lag()  # what earlier tests in this process left
    before = render_metrics()[0].decode()
    assert deliver(bot.database.engine, [due[0]], lambda held: None, now=now).outcome == "sent"

    def refuse(held: list[Due]) -> None:
        raise SlackApiError("refused", {"ok": False, "error": "not_in_channel"})

    assert deliver(bot.database.engine, [due[1]], refuse, now=now).outcome == "gave_up"
    assert skip(bot.database.engine, [due[2]], now=now, reason="no longer useful") == 1
    assert report_clock_lag() == 40.0
    after = render_metrics()[0].decode()
    for outcome in ("sent", "failed", "skipped"):
        name = "docket_deliveries_total"
        labels = {"kind": "metrics_test", "outcome": outcome}
        assert value(after, name, **labels) - value(before, name, **labels) == 1
    assert value(after, "docket_clock_lag_seconds") == 40.0
    assert report_clock_lag() == 0.0  # a beat with nothing due: no lag
    assert value(render_metrics()[0].decode(), "docket_clock_lag_seconds") == 0.0


def test_request_kinds_follow_the_log_line():
    assert request_kind("event message.message_changed") == "event"
    assert request_kind("command /approve") == "command"
    assert request_kind("interaction block_actions") == "action"
    assert request_kind("interaction view_submission") == "view"
    assert request_kind("interaction block_suggestion") == "options"
    assert request_kind("url_verification") == "other"
    assert request_kind("unreadable request") == "other"


WORKER = """
import sys
from bot.core import metrics
metrics.count_comment()
metrics.count_request("command", 200, 0.02)
metrics.count_rate_limited("chat.postMessage")
metrics.observe_clock_lag(float(sys.argv[1]))
"""


def test_multiprocess_mode_sums_the_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    directory = tmp_path / "prometheus"
    directory.mkdir()
    env = {**os.environ, MULTIPROC_ENV: str(directory)}
    for lag in ("5", "7"):  # two workers, one after the other: the clock lag is the latest
        subprocess.run([sys.executable, "-c", WORKER, lag], cwd=ROOT, env=env, check=True)
    assert len(list(directory.glob("*.db"))) >= 2  # each process wrote its own files
    monkeypatch.setenv(MULTIPROC_ENV, str(directory))
    body, content_type = render_metrics()
    text = body.decode()
    assert content_type.startswith("text/plain")
    assert value(text, "docket_comments_captured_total") == 2
    assert value(text, "docket_slack_requests_total", kind="command", outcome="2xx") == 2
    assert value(text, "docket_ack_seconds_count", kind="command") == 2
    assert value(text, "docket_web_api_rate_limited_total", method="chat.postMessage") == 2
    assert value(text, "docket_clock_lag_seconds") == 7
