"""Scheduled deliveries: claimed atomically before sending, marked once sent.

Each delivery has a key naming what it is and for which deadline.  A clock inserts the row
(a no-op if it exists), claims it with a conditional UPDATE and commits before any Web API
call, so a second clock cannot claim it too.  After sending it marks the row sent.  A claim
not marked within CLAIM_TIMEOUT is from a clock that crashed in between: it is taken again,
so nothing is lost.  (The one window left is a crash after Slack accepted the message and
before the mark: that message may go out twice.  It is minutes after a crash, not routine.)
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, and_, or_, update
from sqlmodel import Session, col, select

from bot.core.db import insert_or_ignore, session_scope
from models import Delivery

CLAIM_TIMEOUT = timedelta(minutes=5)


@dataclass(frozen=True)
class Due:
    """A delivery the calendar says is due now."""

    key: str
    kind: str
    meeting_id: int
    item_id: int | None
    due_at: datetime


def deadline_key(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def settled_keys(session: Session, *, keys: list[str]) -> set[str]:
    """Of `keys`, those already sent or skipped: nothing more to do for them."""
    if not keys:
        return set()
    rows = session.exec(
        select(Delivery.key).where(
            col(Delivery.key).in_(keys),
            or_(col(Delivery.sent_at).is_not(None), col(Delivery.skipped_at).is_not(None)),
        )
    )
    return set(rows)


def claim(engine: Engine, due: list[Due], *, now: datetime) -> tuple[str, list[Due]]:
    """Claim each delivery that nobody holds; commit; return the token and what we hold."""
    token = secrets.token_hex(8)
    held: list[Due] = []
    with session_scope(engine) as session:
        for item in due:
            _ensure(session, item)
            result: Any = session.execute(
                update(Delivery)
                .where(col(Delivery.key) == item.key, _open_or_stale(now))
                .values(claimed_at=now, claim_token=token, attempts=col(Delivery.attempts) + 1)
            )
            if result.rowcount == 1:
                held.append(item)
    return token, held


def mark_sent(engine: Engine, keys: list[str], *, token: str, now: datetime) -> None:
    with session_scope(engine) as session:
        session.execute(
            update(Delivery)
            .where(col(Delivery.key).in_(keys), col(Delivery.claim_token) == token)
            .values(sent_at=now, note="")
        )


def release(engine: Engine, keys: list[str], *, token: str, error: str) -> None:
    """Sending failed: let the next heartbeat try again."""
    with session_scope(engine) as session:
        session.execute(
            update(Delivery)
            .where(
                col(Delivery.key).in_(keys),
                col(Delivery.claim_token) == token,
                col(Delivery.sent_at).is_(None),
            )
            .values(claimed_at=None, claim_token=None, note=error[:500])
        )


def skip(engine: Engine, due: list[Due], *, now: datetime, reason: str) -> int:
    """Record deliveries that are no longer useful, so they are neither sent nor reconsidered."""
    skipped = 0
    with session_scope(engine) as session:
        for item in due:
            _ensure(session, item)
            result: Any = session.execute(
                update(Delivery)
                .where(col(Delivery.key) == item.key, _open_or_stale(now))
                .values(skipped_at=now, note=reason)
            )
            skipped += result.rowcount
    return skipped


def _ensure(session: Session, due: Due) -> None:
    values = {
        "key": due.key,
        "kind": due.kind,
        "meeting_id": due.meeting_id,
        "item_id": due.item_id,
        "due_at": due.due_at,
        "attempts": 0,
        "note": "",
    }
    insert_or_ignore(session, Delivery, values, ["key"])


def _open_or_stale(now: datetime) -> Any:
    """Not sent, not skipped, and unclaimed or claimed by a clock that has since died."""
    return and_(
        col(Delivery.sent_at).is_(None),
        col(Delivery.skipped_at).is_(None),
        or_(col(Delivery.claimed_at).is_(None), col(Delivery.claimed_at) < now - CLAIM_TIMEOUT),
    )


def deliver_in_steps(
    engine: Engine, base: Due, steps: list[tuple[str, Callable[[], object]]], *, now: datetime
) -> bool:
    """Make a delivery of several Slack calls, each step its own delivery (base key + suffix).

    A notice already posted is never posted again because a later step (redrawing the root
    message, say) failed: only the failed step is retried at the next beat.  Returns True when
    every step is done; False when another clock holds a step.  SlackApiError propagates after
    the failed step's claim is released.
    """
    keys = [base.key + suffix for suffix, _ in steps]
    with session_scope(engine) as session:
        settled = settled_keys(session, keys=keys)
    for key, (_, action) in zip(keys, steps, strict=True):
        if key in settled:
            continue
        token, held = claim(engine, [replace(base, key=key)], now=now)
        if not held:
            return False
        try:
            action()
        except SlackApiError as exc:
            release(engine, [key], token=token, error=str(exc.response.get("error")))
            raise
        mark_sent(engine, [key], token=token, now=now)
    return True
