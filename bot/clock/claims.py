"""The one claim helper: claim in the database, send, then mark sent or release.

Each delivery has a key naming what it is and for which deadline.  A clock inserts the row
(a no-op if it exists), claims it with a conditional UPDATE and commits before any Web API
call, so a second clock cannot claim it too.  After sending it marks the row sent; when Slack
refuses for a passing reason (rate limit, a 5xx answer) it releases the claim so the next beat
tries again.  When Slack refuses for good (`not_in_channel`, `invalid_blocks`, ...: see
`PERMANENT_ERRORS` in bot/slack/api.py), retrying at every beat would only fill the log: the
row is marked failed (skipped, with `failed: <error>` in its note), and the failure job
(bot/clock/failures.py) tells the meeting's secretariat once.  A claim not marked within
the claim timeout (DOCKET_CLAIM_TIMEOUT, 5 minutes by default: `configure_claims`) is from a
process that died in between (or whose answer from Slack never came): `claimable` lets it be
taken again, so nothing is lost.  Nor sent twice: while a delivery is sent, its channel posts
carry Slack message metadata naming it (`delivering`, bot/slack/api.py), and when its claim was
taken over from such a sender, each post is first looked for in the channel's history (or the
thread's replies) and recorded, not made again, when found.  Direct messages are not looked
for: a DM may still go out twice after a crash in that window.

Every job goes through `deliver` (one delivery or a batch sent by one call) or
`deliver_in_steps` (several calls, each its own delivery).  The rows that carry a claim of
their own (an item being posted, a drafting group being set up) use `claimable` for the same
rule of when a claim may be taken.
"""

import logging
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Generic, Literal, TypeVar

from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, and_, exists, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.core.config import DEFAULT_CLAIM_TIMEOUT
from bot.core.db import insert_or_ignore, session_scope
from bot.core.metrics import count_deliveries, observe_clock_lag
from bot.slack.api import classify_error, delivering, error_detail
from models import Delivery

log = logging.getLogger(__name__)

# The default; a process sets its own from DOCKET_CLAIM_TIMEOUT with configure_claims at start.
CLAIM_TIMEOUT = DEFAULT_CLAIM_TIMEOUT
_claim_timeout = CLAIM_TIMEOUT
FAILED = "failed: "  # the note's prefix on a delivery Slack refused for good

T = TypeVar("T")
# What became of a delivery made in steps (see deliver_in_steps).
StepsOutcome = Literal["finished", "already_done", "held_elsewhere"]


@dataclass(frozen=True)
class Due:
    """A delivery the calendar says is due now."""

    key: str
    kind: str
    meeting_id: int
    item_id: int | None
    due_at: datetime


class _Lag:
    """The most overdue delivery claimed since the clock last reported its lag."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.lock = threading.Lock()

    def note(self, due: Sequence[Due], now: datetime) -> None:
        if due:
            late = max((now - d.due_at).total_seconds() for d in due)
            with self.lock:
                self.worst = max(self.worst, late)

    def take(self) -> float:
        with self.lock:
            worst, self.worst = self.worst, 0.0
        return worst


_lag = _Lag()


def report_clock_lag() -> float:
    """Publish (docket_clock_lag_seconds) and reset how late the deliveries claimed since the
    last report were handled: the scheduler calls it once per beat."""
    worst = _lag.take()
    observe_clock_lag(worst)
    return worst


def _count(due: Sequence[Due], outcome: str) -> None:
    kinds: dict[str, int] = {}
    for item in due:
        kinds[item.kind] = kinds.get(item.kind, 0) + 1
    for kind, n in kinds.items():
        count_deliveries(kind, outcome, n)


def deadline_key(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def unfinished(
    session: Session,
    *,
    kind: str,
    now: datetime,
    last_step: str = "",
    scheduled: Callable[[str], bool] = lambda _key: True,
) -> list[Delivery]:
    """The deliveries of `kind` a request scheduled (`schedule`) and nobody finished once the
    claim timeout has passed since they were due: the clock's to send, because their sender
    died, lost Slack's answer, or met a passing failure.  A delivery made in steps
    (`deliver_in_steps`: the scheduled row is its first step's, each later step a row keyed
    with a suffix) is finished when the row of its `last_step` suffix is settled; `scheduled`
    tells its own rows from its steps' rows.  Oldest first."""
    last = aliased(Delivery)
    finished = exists().where(
        col(last.key) == col(Delivery.key) + last_step,
        or_(col(last.sent_at).is_not(None), col(last.skipped_at).is_not(None)),
    )
    rows = session.exec(
        select(Delivery)
        .where(Delivery.kind == kind, col(Delivery.due_at) <= now - _claim_timeout, ~finished)
        .order_by(col(Delivery.due_at), col(Delivery.id))
    )
    return [row for row in rows if scheduled(row.key)]


def finish_unfinished(
    engine: Engine,
    *,
    kind: str,
    now: datetime,
    send: Callable[[str], bool],
    last_step: str = "",
    scheduled: Callable[[str], bool] = lambda _key: True,
) -> list[str]:
    """The clock's share of what requests owed: each `unfinished` delivery of `kind` sent again
    by `send(key)` (True when that call finished it).  A passing Slack failure is logged and
    left for the next beat.  Returns the keys finished."""
    with session_scope(engine, read_only=True) as session:
        keys = [
            row.key
            for row in unfinished(
                session, kind=kind, now=now, last_step=last_step, scheduled=scheduled
            )
        ]
    finished: list[str] = []
    for key in keys:
        try:
            if send(key):
                finished.append(key)
        except SlackApiError as exc:
            log.warning("%s: posting it failed, will retry: %s", key, error_detail(exc))
    return finished


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
    token, held, _ = _claim(engine, due, now=now)
    return token, held


def _claim(
    engine: Engine, due: list[Due], *, now: datetime
) -> tuple[str, list[Due], datetime | None]:
    """`claim`, and the earliest stale claim it took over (None when none): a sender that
    never finished, whose posts may have reached Slack."""
    token = secrets.token_hex(8)
    held: list[Due] = []
    retaken: list[datetime] = []
    with session_scope(engine) as session:
        for item in due:
            _ensure(session, item)
            previous = session.execute(
                select(col(Delivery.claimed_at)).where(col(Delivery.key) == item.key)
            ).scalar()
            result: Any = session.execute(
                update(Delivery)
                .where(col(Delivery.key) == item.key, _open_or_stale(now))
                .values(claimed_at=now, claim_token=token, attempts=col(Delivery.attempts) + 1)
            )
            if result.rowcount == 1:
                held.append(item)
                if previous is not None:
                    retaken.append(previous)
    return token, held, min(retaken, default=None)


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


def mark_failed(engine: Engine, keys: list[str], *, token: str, now: datetime, error: str) -> None:
    """Slack refused for good: settle the held rows as failed, never to be retried."""
    with session_scope(engine) as session:
        session.execute(
            update(Delivery)
            .where(
                col(Delivery.key).in_(keys),
                col(Delivery.claim_token) == token,
                col(Delivery.sent_at).is_(None),
            )
            .values(claimed_at=None, claim_token=None, skipped_at=now, note=(FAILED + error)[:500])
        )


def record_failure(engine: Engine, due: Due, *, now: datetime, error: str) -> bool:
    """What a claim of its own held (an item being posted) failed for good: record it as a
    failed delivery, so the failure job tells the secretariat once.  False if already so."""
    with session_scope(engine) as session:
        _ensure(session, due)
        result: Any = session.execute(
            update(Delivery)
            .where(
                col(Delivery.key) == due.key,
                col(Delivery.sent_at).is_(None),
                col(Delivery.skipped_at).is_(None),
            )
            .values(
                skipped_at=now, note=(FAILED + error)[:500], attempts=col(Delivery.attempts) + 1
            )
        )
        failed = bool(result.rowcount)
    if failed:
        _count([due], "failed")
    return failed


def failed_keys(session: Session, *, keys: list[str]) -> dict[str, str]:
    """Of `keys`, those that failed for good, with Slack's error."""
    if not keys:
        return {}
    rows = session.exec(
        select(Delivery.key, Delivery.note).where(
            col(Delivery.key).in_(keys),
            col(Delivery.skipped_at).is_not(None),
            col(Delivery.note).startswith(FAILED),
        )
    )
    return {key: note.removeprefix(FAILED) for key, note in rows}


def clear_failure(engine: Engine, key: str) -> None:
    """A person retries what failed (`python -m bot post 3`): reopen the row, so that a new
    failure is recorded (and its notice, already sent, is not sent again)."""
    with session_scope(engine) as session:
        session.execute(
            update(Delivery)
            .where(
                col(Delivery.key) == key,
                col(Delivery.sent_at).is_(None),
                col(Delivery.note).startswith(FAILED),
            )
            .values(skipped_at=None)
        )


def skip(engine: Engine, due: list[Due], *, now: datetime, reason: str) -> int:
    """Record deliveries that are no longer useful, so they are neither sent nor reconsidered."""
    skipped: list[Due] = []
    with session_scope(engine) as session:
        for item in due:
            _ensure(session, item)
            result: Any = session.execute(
                update(Delivery)
                .where(col(Delivery.key) == item.key, _open_or_stale(now))
                .values(skipped_at=now, note=reason)
            )
            if result.rowcount:
                skipped.append(item)
    _count(skipped, "skipped")
    return len(skipped)


def schedule(session: Session, due: Due) -> None:
    """Write a delivery's row, unclaimed, in the caller's transaction: from its commit on, the
    delivery is owed, and a clock job can find it if whoever was to send it never does."""
    _ensure(session, due)


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


def configure_claims(timeout: timedelta) -> None:
    """Set this process's claim timeout (Settings.claim_timeout), once, at start-up: `run`,
    `clock`, `post` and the web workers all claim deliveries and must agree on when a claim
    counts as dead.  Tests and tools that never call it keep CLAIM_TIMEOUT."""
    global _claim_timeout
    _claim_timeout = timeout


def claim_timeout() -> timedelta:
    return _claim_timeout


def claimable(claimed_at: Any, *, now: datetime) -> Any:
    """The condition on a claim column: nobody holds it, or its holder has since died."""
    return or_(col(claimed_at).is_(None), col(claimed_at) < now - _claim_timeout)


def _open_or_stale(now: datetime) -> Any:
    """Not sent, not skipped, and claimable."""
    return and_(
        col(Delivery.sent_at).is_(None),
        col(Delivery.skipped_at).is_(None),
        claimable(Delivery.claimed_at, now=now),
    )


def slack_error(exc: SlackApiError) -> str:
    return str(exc.response.get("error"))


class StepHeldElsewhere(Exception):
    """Raised by a send that found one of its steps held by another process: release and wait."""


@dataclass(frozen=True)
class Attempt(Generic[T]):
    """What became of one claim-send-mark: sent, held by another process, failed (released for
    the next beat) or gave up (Slack refused for good: marked failed, the secretariat is told)."""

    outcome: Literal["sent", "held_elsewhere", "failed", "gave_up"]
    held: tuple[Due, ...] = ()  # the deliveries this process claimed
    result: T | None = None  # what the send returned
    error: str = ""
    exception: SlackApiError | None = None


def deliver(
    engine: Engine, due: Sequence[Due], send: Callable[[list[Due]], T], *, now: datetime
) -> Attempt[T]:
    """Claim what nobody holds of `due`, send it with one call of `send`, mark it sent.

    `send` gets the deliveries actually held (a batch may be partly held elsewhere) and is not
    called when none is.  A transient SlackApiError releases them with Slack's error for the
    next beat and is returned in the Attempt, not raised: the caller decides whether to log or
    raise.  A permanent one marks them failed (logged here) and returns "gave_up".
    """
    token, held, retaken_since = _claim(engine, list(due), now=now)
    if not held:
        return Attempt("held_elsewhere")
    _lag.note(held, now)
    keys = [d.key for d in held]
    first = held[0]
    try:
        # Its channel posts carry metadata naming it; after a dead sender, each is looked for
        # in the channel before it is made (bot/slack/api.py, delivering).
        with delivering(
            first.key,
            meeting_id=first.meeting_id,
            item_id=first.item_id,
            retaken_since=retaken_since,
        ):
            result = send(held)
    except SlackApiError as exc:
        if classify_error(exc) == "permanent":
            detail = error_detail(exc)
            mark_failed(engine, keys, token=token, now=now, error=detail)
            log.warning(
                "delivery %s failed for good (%s): not retried; the secretariat will be told",
                ", ".join(keys),
                detail,
            )
            _count(held, "failed")
            return Attempt("gave_up", tuple(held), error=detail)
        release(engine, keys, token=token, error=slack_error(exc))
        return Attempt("failed", tuple(held), error=slack_error(exc), exception=exc)
    except StepHeldElsewhere:
        release(engine, keys, token=token, error="a step is held elsewhere")
        return Attempt("held_elsewhere", tuple(held))
    mark_sent(engine, keys, token=token, now=now)
    _count(held, "sent")
    return Attempt("sent", tuple(held), result)


def deliver_one(engine: Engine, due: Due, send: Callable[[], T], *, now: datetime) -> Attempt[T]:
    """`deliver` for a single delivery whose send needs nothing from the claim."""
    return deliver(engine, [due], lambda _held: send(), now=now)


def deliver_in_steps(
    engine: Engine, base: Due, steps: list[tuple[str, Callable[[], object]]], *, now: datetime
) -> StepsOutcome:
    """Make a delivery of several Slack calls, each step its own delivery (base key + suffix).

    A notice already posted is never posted again because a later step (redrawing the root
    message, say) failed: only the failed step is retried at the next beat.  A step that fails
    for good counts as settled and the later steps are still made, since a notice Slack refuses
    need not stop the root's redraw.  Returns "finished" when this call settled the last steps,
    "already_done" when every step was settled before it (another clock finished it: not to be
    reported twice), "held_elsewhere" when another clock holds a step.  A transient
    SlackApiError propagates after the failed step's claim is released.
    """
    keys = [base.key + suffix for suffix, _ in steps]
    with session_scope(engine) as session:
        settled = settled_keys(session, keys=keys)
    if settled.issuperset(keys):
        return "already_done"
    for key, (_, action) in zip(keys, steps, strict=True):
        if key in settled:
            continue
        attempt = deliver_one(engine, replace(base, key=key), action, now=now)
        if attempt.exception is not None:
            raise attempt.exception
        if attempt.outcome not in ("sent", "gave_up"):
            return "held_elsewhere"
    return "finished"
