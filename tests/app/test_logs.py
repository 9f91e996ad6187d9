"""Logging: one line per Slack request, JSON when asked, never a token or a secret."""

import io
import json
import logging

import pytest

from bot.core.logs import JsonFormatter, RedactSecrets, configure_logging
from bot.demo.standin import SlackStandIn
from bot.slack.api import make_client
from tests.conftest import SIGNING_SECRET, Bot, Meeting, standin_settings


def test_each_slack_request_is_logged_once_with_its_kind_status_and_time(
    bot: Bot, meeting: Meeting, caplog: pytest.LogCaptureFixture
):
    # The meeting's own posts come back as message events, as Slack sends them: let those
    # arrive first, so the lines below are this test's two requests only.
    bot.standin.wait_for_events()
    bot.settle()
    caplog.set_level(logging.INFO, logger="docket.http")
    bot.sender.reply(
        channel=meeting.channel, user="U0AU00001", text="Hi", thread_ts=meeting.roots[3]
    )
    bot.sender.command(command="/approve", text="help", user="U0CHAIR01", channel=meeting.channel)
    lines = [r for r in caplog.records if r.name == "docket.http"]
    assert [r.request for r in lines] == ["event message", "command /approve"]  # type: ignore[attr-defined]
    assert all(r.status == 200 and r.ms >= 0 for r in lines)  # type: ignore[attr-defined]


def test_json_lines_carry_fields_and_mask_tokens_and_secrets(monkeypatch: pytest.MonkeyPatch):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactSecrets([SIGNING_SECRET]))
    logger = logging.getLogger("docket.test-json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(
            "token %s and secret %s", "xoxb-1234-5678-abcdef", SIGNING_SECRET, extra={"status": 200}
        )
    finally:
        logger.removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert entry["status"] == 200 and entry["level"] == "warning"
    assert "xoxb-1234" not in entry["message"] and SIGNING_SECRET not in entry["message"]
    assert "xoxb-***" in entry["message"]


def test_configure_logging_switches_to_json_when_asked(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    configure_logging(secrets=["a-secret-value"])  # undone by conftest's root_logging_restored
    [handler] = logging.getLogger().handlers
    assert isinstance(handler.formatter, JsonFormatter)


@pytest.mark.parametrize("level", [logging.INFO, logging.DEBUG])
def test_slack_sdk_builds_its_debug_lines_only_when_they_are_logged(
    standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch, level: int
):
    """slack_sdk decides from its logger's own level whether to format a call's parameters
    and headers for a debug line; at INFO it must not, at DEBUG the lines are still there."""
    # The root logger and these levels are put back by conftest's root_logging_restored.
    built: list[str] = []
    sdk = logging.getLogger("slack_sdk.web.base_client")
    monkeypatch.setattr(sdk, "debug", lambda message, *a, **k: built.append(message))
    configure_logging(secrets=[standin.token], level=level)
    assert make_client(standin_settings(standin)).auth_test()["ok"]
    if level == logging.INFO:
        assert built == []
    else:
        assert any(line.startswith("Sending a request - url:") for line in built)
