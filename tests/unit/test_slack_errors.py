"""Slack's errors sorted: passing ones retried at the next beat, lasting ones reported once."""

from datetime import timedelta
from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import Engine

from bot.clock.claims import Due, deliver, deliver_in_steps, deliver_one
from bot.slack.api import PERMANENT_ERRORS, classify_error, error_code, error_detail
from bot.views.failures import failure_notice, invite_text, not_a_member_text
from tests.unit.deliveries import NOW, delivery_database, due, row


def slack_error(error: str | None, *, status: int = 200, **extra: object) -> SlackApiError:
    data: dict[str, object] = {"ok": False, **extra}
    if error is not None:
        data["error"] = error
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data=data,
        headers={},
        status_code=status,
    )
    return SlackApiError("refused", response)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return delivery_database(tmp_path / "errors.db")


# -- classification -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        "invalid_blocks",
        "msg_too_long",
        "msg_blocks_too_long",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "missing_scope",
        "user_not_found",
        "invalid_arguments",
        "invalid_auth",
        "account_inactive",
    ],
)
def test_errors_no_retry_can_cure_are_permanent(error: str):
    assert error in PERMANENT_ERRORS
    assert classify_error(slack_error(error)) == "permanent"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        ("ratelimited", 429),
        ("internal_error", 500),
        ("service_unavailable", 503),
        (None, 502),  # a gateway's HTML page: no JSON error at all
        ("fatal_error", 200),
        ("request_timeout", 200),
        ("some_error_slack_adds_next_year", 200),
    ],
)
def test_rate_limits_server_errors_and_unknown_errors_are_transient(error: str | None, status: int):
    assert classify_error(slack_error(error, status=status)) == "transient"


def test_a_permanent_code_in_a_5xx_answer_is_still_retried():
    assert classify_error(slack_error("channel_not_found", status=503)) == "transient"


def test_the_error_code_falls_back_to_the_http_status():
    assert error_code(slack_error(None, status=502)) == "http_502"


def test_missing_scope_names_the_scope_slack_says_is_needed():
    exc = slack_error("missing_scope", needed="channels:read", provided="chat:write")
    assert error_detail(exc) == "missing_scope (needed channels:read)"


def test_an_error_raised_with_a_bare_dict_is_still_read():
    exc = SlackApiError("refused", {"ok": False, "error": "not_in_channel"})
    assert (error_code(exc), classify_error(exc)) == ("not_in_channel", "permanent")


# -- the claim helper -----------------------------------------------------------------------


def test_a_permanent_refusal_marks_the_delivery_failed_and_it_is_never_retried(engine: Engine):
    tries: list[int] = []

    def refuse() -> None:
        tries.append(1)
        raise slack_error("not_in_channel")

    attempt = deliver_one(engine, due("r"), refuse, now=NOW)
    assert (attempt.outcome, attempt.error, attempt.exception) == (
        "gave_up",
        "not_in_channel",
        None,
    )
    failed = row(engine, "r")
    assert failed.skipped_at == NOW and failed.sent_at is None and failed.claimed_at is None
    assert failed.note == "failed: not_in_channel"
    later = deliver_one(engine, due("r"), refuse, now=NOW + timedelta(days=1))
    assert later.outcome == "held_elsewhere" and len(tries) == 1


def test_a_transient_refusal_is_released_and_retried_at_the_next_beat(engine: Engine):
    def refuse() -> None:
        raise slack_error("ratelimited", status=429)

    first = deliver_one(engine, due("t"), refuse, now=NOW)
    assert first.outcome == "failed" and first.exception is not None
    assert row(engine, "t").skipped_at is None and row(engine, "t").note == "ratelimited"
    assert deliver_one(engine, due("t"), lambda: None, now=NOW + timedelta(minutes=1)).outcome == (
        "sent"
    )


def test_a_batch_refused_for_good_is_failed_as_a_whole(engine: Engine):
    def refuse(_held: list[Due]) -> None:
        raise slack_error("msg_blocks_too_long")

    attempt = deliver(engine, [due("b1"), due("b2")], refuse, now=NOW)
    assert attempt.outcome == "gave_up" and len(attempt.held) == 2
    assert {row(engine, k).note for k in ("b1", "b2")} == {"failed: msg_blocks_too_long"}


def test_a_step_refused_for_good_does_not_stop_the_later_steps(engine: Engine):
    made: list[str] = []

    def notice() -> None:
        raise slack_error("msg_too_long")

    finished = deliver_in_steps(
        engine, due("close:1"), [("", notice), (":root", lambda: made.append("root"))], now=NOW
    )
    assert finished == "finished" and made == ["root"]
    assert row(engine, "close:1").note == "failed: msg_too_long"
    assert row(engine, "close:1:root").sent_at == NOW
    # Settled: a later beat makes neither step again.
    again = deliver_in_steps(
        engine, due("close:1"), [("", notice), (":root", lambda: made.append("root"))], now=NOW
    )
    assert again == "already_done" and made == ["root"]


def test_a_transient_step_failure_still_propagates_for_the_next_beat(engine: Engine):
    def notice() -> None:
        raise slack_error("internal_error", status=500)

    with pytest.raises(SlackApiError):
        deliver_in_steps(engine, due("close:2"), [("", notice), (":root", lambda: None)], now=NOW)
    assert row(engine, "close:2").skipped_at is None


# -- what the secretariat reads ---------------------------------------------------------------


def test_not_in_channel_tells_the_secretariat_to_invite_the_bot_to_the_channel():
    message = failure_notice(
        meeting_title="PTC & friends",
        channel="C0TEST0001",
        kind="reminder",
        item_number=4,
        recipient=None,
        error="not_in_channel",
    )
    assert "the reminder for item 4" in message.text
    assert "`not_in_channel`" in message.text
    assert "Invite @Docket to <#C0TEST0001>" in message.text
    assert "*PTC &amp; friends*" in message.text
    assert "will not send it again by itself" in message.text
    assert all(len(b["text"]["text"]) <= 3000 for b in message.blocks)


def test_a_failed_item_post_says_how_to_post_it_again():
    message = failure_notice(
        meeting_title="PTC",
        channel="C0TEST0001",
        kind="post",
        item_number=3,
        recipient=None,
        error="invalid_blocks",
    )
    assert "the agenda item for item 3" in message.text
    assert "fault in Docket" in message.text
    assert "`python -m bot post 3`" in message.text


def test_a_direct_message_to_an_unknown_user_names_the_user():
    message = failure_notice(
        meeting_title="PTC",
        channel="C0TEST0001",
        kind="nudge",
        item_number=4,
        recipient="U0GONE001",
        error="user_not_found",
    )
    assert "the nudge for item 4 to <@U0GONE001>" in message.text
    assert "<@U0GONE001> is not a member of this workspace" in message.text


def test_missing_scope_names_the_scope_and_the_manifest():
    message = failure_notice(
        meeting_title="PTC",
        channel="C0TEST0001",
        kind="digest",
        item_number=None,
        recipient="U0SEC0001",
        error="missing_scope (needed im:write)",
    )
    assert "`im:write`" in message.text and "manifest" in message.text


def test_the_command_line_says_invite_docket_to_the_channel():
    assert invite_text("ptc-2020").startswith("invite @Docket to #ptc-2020")
    assert "invite @Docket to #ptc-2020" in not_a_member_text("ptc-2020")
