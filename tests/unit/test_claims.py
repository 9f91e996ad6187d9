"""The one claim helper: claim, send, mark sent or release; retake what a dead process left."""

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.app import create_app
from bot.cli import main
from bot.clock.claims import (
    CLAIM_TIMEOUT,
    claim,
    claim_timeout,
    configure_claims,
    deliver,
    deliver_one,
)
from bot.core.config import load_settings
from tests.unit.deliveries import NOW, delivery_database, due, row


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return delivery_database(tmp_path / "claims.db")


def test_a_sent_delivery_is_marked_and_never_sent_again(engine: Engine):
    sent: list[str] = []
    first = deliver_one(engine, due("a"), lambda: sent.append("a"), now=NOW)
    again = deliver_one(engine, due("a"), lambda: sent.append("a"), now=NOW + timedelta(days=1))
    assert (first.outcome, again.outcome, sent) == ("sent", "held_elsewhere", ["a"])
    assert row(engine, "a").sent_at == NOW


def test_a_passing_slack_refusal_releases_the_claim_for_the_next_beat(engine: Engine):
    def refuse() -> None:
        raise SlackApiError("refused", {"ok": False, "error": "internal_error"})

    failed = deliver_one(engine, due("b"), refuse, now=NOW)
    assert (failed.outcome, failed.error) == ("failed", "internal_error")
    assert row(engine, "b").claimed_at is None and row(engine, "b").note == "internal_error"
    retried = deliver_one(engine, due("b"), lambda: None, now=NOW + timedelta(minutes=1))
    assert retried.outcome == "sent"


def test_a_claim_left_by_a_dead_process_is_retaken_only_after_the_timeout(engine: Engine):
    _, held = claim(engine, [due("c")], now=NOW)  # a clock that claimed, then died
    assert held
    soon = deliver_one(engine, due("c"), lambda: None, now=NOW + CLAIM_TIMEOUT - timedelta(1))
    late = deliver_one(engine, due("c"), lambda: None, now=NOW + CLAIM_TIMEOUT + timedelta(1))
    assert (soon.outcome, late.outcome) == ("held_elsewhere", "sent")


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """DOCKET_CLAIM_TIMEOUT=90s, read as a process reads it at start-up; the default after."""
    monkeypatch.setenv("DOCKET_CLAIM_TIMEOUT", "90s")
    configure_claims(load_settings(None).claim_timeout)
    yield
    configure_claims(CLAIM_TIMEOUT)


@pytest.mark.usefixtures("short_timeout")
def test_the_claim_timeout_setting_decides_when_a_claim_is_retaken(engine: Engine):
    _, held = claim(engine, [due("e")], now=NOW)  # a clock that claimed, then died
    assert held
    soon = deliver_one(engine, due("e"), lambda: None, now=NOW + timedelta(seconds=89))
    late = deliver_one(engine, due("e"), lambda: None, now=NOW + timedelta(seconds=91))
    assert (soon.outcome, late.outcome) == ("held_elsewhere", "sent")


def test_every_process_that_claims_sets_the_timeout_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.chdir(tmp_path)  # no .env: only the variables below
    monkeypatch.setenv("DOCKET_CLAIM_TIMEOUT", "90s")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'docket.db'}")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "test-secret")
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)  # both entry points configure logging
    try:
        assert main(["migrate"]) == 0  # the command line: run, clock, post, ...
        assert claim_timeout() == timedelta(seconds=90)
        configure_claims(CLAIM_TIMEOUT)
        create_app()  # gunicorn's web workers
        assert claim_timeout() == timedelta(seconds=90)
    finally:
        configure_claims(CLAIM_TIMEOUT)
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def test_a_batch_sends_only_what_this_process_holds(engine: Engine):
    claim(engine, [due("d1")], now=NOW)  # another clock holds d1
    seen: list[list[str]] = []
    attempt = deliver(
        engine, [due("d1"), due("d2")], lambda held: seen.append([d.key for d in held]), now=NOW
    )
    assert attempt.outcome == "sent" and seen == [["d2"]]
