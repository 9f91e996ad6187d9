"""The chair's decisions: carrying out `/approve` and the decision form, listing what awaits one.

Decisions are append-only.  A new decision on an item supersedes the current one by pointing
at it; nothing is updated or deleted, so the record shows every correction.

Decisions on one item are serialised: the item's row is locked (PostgreSQL; on SQLite the
session already holds the single writer's turn) before the current decision is read, and the
decision's time is taken after that, so the decision committed second supersedes the first and
never carries an earlier time.  The unique indexes on `decision` hold the line if this is ever
bypassed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, select

from bot.domain.audit import record_audit
from bot.domain.items import current_decision, lock_for_decision
from bot.domain.meetings import find_item, list_items
from bot.domain.permissions import Permission, Refusal, require
from bot.domain.silence import SilenceOutcome, close_open_procedure, end_silence, start_silence
from bot.parse.approve import ApproveRequest
from models import AgendaItem, Decision, Meeting, SilenceProcedure

DecisionOutcomeKind = Literal[
    "help",
    "refused",
    "bad_request",  # `request.error` says what could not be read
    "list",  # `awaiting` holds the posted items without a decision
    "no_such_item",  # `numbers` are the agenda's items
    "not_posted",  # delegations have not had the chance to comment
    "form",  # open the decision form (a modal) for `item`
    "silence",  # `silence` says what became of the procedure
    "no_proposal",  # no text given and the item has no proposed decision
    "decided",
]


@dataclass(frozen=True)
class DecisionOutcome:
    """The answer to one `/approve` (or decision form): what happened, and what to show."""

    kind: DecisionOutcomeKind
    meeting: Meeting
    request: ApproveRequest
    refusal: Refusal | None = None
    item: AgendaItem | None = None
    decision: Decision | None = None
    superseded: Decision | None = None
    # decided: the superseded decision's author, to be told privately, when they could not see
    # this one coming (another chair's, or two decisions submitted at once); else None.
    tell_superseded: str | None = None
    silence: SilenceOutcome | None = None  # a silence procedure started, ended or refused
    closed_silence: SilenceProcedure | None = None  # ended by this decision
    awaiting: tuple[AgendaItem, ...] = ()
    numbers: tuple[int, ...] = ()  # no_such_item: the numbers on the agenda


def items_awaiting_decision(session: Session, *, meeting_id: int) -> list[AgendaItem]:
    items = list_items(session, meeting_id=meeting_id)
    ids = [item.id for item in items]
    decided = set(session.exec(select(Decision.item_id).where(col(Decision.item_id).in_(ids))))
    return [item for item in items if item.post_ts is not None and item.id not in decided]


def decide(
    session: Session,
    *,
    meeting: Meeting,
    user_id: str,
    request: ApproveRequest,
    now: datetime,
    clock: Callable[[], datetime] | None = None,
) -> DecisionOutcome:
    """Carry out a parsed /approve for `meeting`: the chair only, everyone else refused.

    `now` is when the request came; a decision's own time is read from `clock` (default: `now`)
    once the item is locked.
    """
    assert meeting.id is not None
    if request.action == "help":  # anyone may read how it works
        return DecisionOutcome("help", meeting, request)
    refusal = require(
        session,
        meeting=meeting,
        user_id=user_id,
        permission=Permission.DECIDE,
        action="approve",
        now=now,
        detail=f"not the chair; asked: {request.action} {request.number or ''}".strip(),
    )
    if refusal is not None:
        return DecisionOutcome("refused", meeting, request, refusal=refusal)
    if request.action == "error":
        return DecisionOutcome("bad_request", meeting, request)
    if request.action == "list":
        awaiting = items_awaiting_decision(session, meeting_id=meeting.id)
        return DecisionOutcome("list", meeting, request, awaiting=tuple(awaiting))

    assert request.number is not None
    item = find_item(session, meeting_id=meeting.id, number=request.number)
    if item is None:
        numbers = tuple(i.number for i in list_items(session, meeting_id=meeting.id))
        return DecisionOutcome("no_such_item", meeting, request, numbers=numbers)
    if item.post_ts is None:
        return DecisionOutcome("not_posted", meeting, request, item=item)
    if request.action == "form":
        return DecisionOutcome("form", meeting, request, item=item)
    if request.action == "silence":
        assert request.until is not None
        started = start_silence(
            session,
            meeting=meeting,
            item=item,
            user_id=user_id,
            until_text=request.until,
            text=request.text,
            now=now,
        )
        return DecisionOutcome("silence", meeting, request, item=item, silence=started)
    if request.action == "silence_end":
        ended = end_silence(session, meeting=meeting, item=item, user_id=user_id, now=now)
        return DecisionOutcome("silence", meeting, request, item=item, silence=ended)
    text = request.text or item.proposal
    if not text:
        return DecisionOutcome("no_proposal", meeting, request, item=item)
    assert item.id is not None
    seen = current_decision(session, item_id=item.id)  # before waiting for the lock
    item, previous, decided_at = lock_for_decision(session, item, requested=now, clock=clock)
    assert item.id is not None
    decision = Decision(
        item_id=item.id,
        kind=request.kind,
        text=text,
        procedure="chair",
        decided_by=user_id,
        decided_at=decided_at,
        supersedes_id=previous.id if previous else None,
    )
    session.add(decision)
    session.flush()
    closed_silence = close_open_procedure(session, item=item, now=decided_at)
    record_audit(
        session,
        now=decided_at,
        actor=user_id,
        action="decide",
        meeting_id=meeting.id,
        detail=f"item {item.number}: {request.kind}"
        + (f" (supersedes decision {previous.id})" if previous else ""),
    )
    return DecisionOutcome(
        "decided",
        meeting,
        request,
        item=item,
        decision=decision,
        superseded=previous,
        tell_superseded=_unaware(previous, seen=seen, user_id=user_id, requested=now),
        closed_silence=closed_silence,
    )


def _unaware(
    previous: Decision | None, *, seen: Decision | None, user_id: str, requested: datetime
) -> str | None:
    """Who must be told that `previous` was just superseded: its author, unless they are the
    one superseding it knowingly.  They are not when another chair decided, or when `previous`
    came in while this request was on its way: recorded after it was made, or committed while
    it waited for the item's lock."""
    if previous is None:
        return None
    raced = previous.decided_at > requested or seen is None or seen.id != previous.id
    if previous.decided_by != user_id or raced:
        return previous.decided_by
    return None
