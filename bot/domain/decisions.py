"""The chair's decisions: carrying out `/approve` and the decision form, listing what awaits one.

Decisions are append-only.  A new decision on an item supersedes the current one by pointing
at it; nothing is updated or deleted, so the record shows every correction.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, select

from bot.domain.audit import record_audit
from bot.domain.items import ItemState, current_decision, item_state
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
    root: ItemState | None = None  # the item's root message, redrawn
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
    session: Session, *, meeting: Meeting, user_id: str, request: ApproveRequest, now: datetime
) -> DecisionOutcome:
    """Carry out a parsed /approve for `meeting`: the chair only, everyone else refused."""
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
    previous = current_decision(session, item_id=item.id)
    decision = Decision(
        item_id=item.id,
        kind=request.kind,
        text=text,
        procedure="chair",
        decided_by=user_id,
        decided_at=now,
        supersedes_id=previous.id if previous else None,
    )
    session.add(decision)
    session.flush()
    closed_silence = close_open_procedure(session, item=item, now=now)
    record_audit(
        session,
        now=now,
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
        root=item_state(session, meeting=meeting, item=item, now=now),
        closed_silence=closed_silence,
    )
