"""The one claim helper: claim, send, mark sent or release; retake what a dead process left."""

from datetime import timedelta
from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.clock.claims import CLAIM_TIMEOUT, claim, deliver, deliver_one
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


def test_a_batch_sends_only_what_this_process_holds(engine: Engine):
    claim(engine, [due("d1")], now=NOW)  # another clock holds d1
    seen: list[list[str]] = []
    attempt = deliver(
        engine, [due("d1"), due("d2")], lambda held: seen.append([d.key for d in held]), now=NOW
    )
    assert attempt.outcome == "sent" and seen == [["d2"]]
