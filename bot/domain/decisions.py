"""The chair's decisions: parsing `/approve`, recording decisions, listing what awaits one.

Decisions are append-only.  A new decision on an item supersedes the current one by pointing
at it; nothing is updated or deleted, so the record shows every correction.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.domain.audit import record_audit
from bot.domain.items import ItemState, current_decision, item_state
from bot.domain.meetings import find_item, find_participant, list_items, role_ids
from bot.domain.silence import SilenceOutcome, close_open_procedure, end_silence, start_silence
from bot.parse.commands import split_moment
from models import AgendaItem, Decision, Meeting, SilenceProcedure

KINDS = {"approve": "approved", "note": "noted", "defer": "deferred"}

USAGE = (
    "*How to use /approve* (chair only)\n"
    "• `/approve` lists the items awaiting a decision\n"
    "• `/approve 3` opens the decision form for item 3, prefilled with its proposal\n"
    "• `/approve 3 The PTC endorsed the proposals, as amended.` approves with your wording\n"
    "• `/approve 3 note [text]` records that the committee took note of item 3\n"
    "• `/approve 3 defer [text]` records that item 3 was deferred\n"
    "• `/approve 3 silence 2020-08-14T17:00 [text]` starts a silence procedure: adopted "
    "unless a member objects by then (meeting time zone unless an offset is given)\n"
    "• `/approve 3 silence end` ends a silence procedure without a decision\n"
    "A new decision on the same item supersedes the earlier one; both stay in the record."
)


@dataclass(frozen=True)
class ApproveRequest:
    """What the chair typed, parsed.  `error` set means the input was malformed."""

    action: str  # help | list | form | decide | silence | silence_end | error
    number: int | None = None
    kind: str = "approved"
    text: str | None = None
    until: str | None = None  # the silence deadline as typed
    error: str = ""


def parse_approve(text: str) -> ApproveRequest:
    words = text.strip()
    if not words:
        return ApproveRequest("list")
    if words.lower() in ("help", "?", "-h", "--help"):
        return ApproveRequest("help")
    match = re.fullmatch(r"#?(\S+)(?:\s+(.*))?", words, flags=re.DOTALL)
    assert match is not None  # any non-empty text matches
    head, rest = match.group(1), (match.group(2) or "").strip()
    if not head.isdigit():
        return ApproveRequest("error", error=f"`{head}` is not an agenda item number.")
    number = int(head)
    kind = "approved"
    first, _, remainder = rest.partition(" ")
    if first.lower() == "silence":
        remainder = remainder.strip()
        if remainder.lower() in ("end", "cancel", "stop"):
            return ApproveRequest("silence_end", number=number)
        until, text = split_moment(remainder)
        if until is None:
            return ApproveRequest(
                "error", error=f"Give the silence deadline: `/approve {number} silence DATETIME`."
            )
        return ApproveRequest("silence", number=number, until=until, text=text or None)
    if first.lower() in ("note", "defer"):
        kind = KINDS[first.lower()]
        rest = remainder.strip()
    if not rest and kind == "approved":
        return ApproveRequest("form", number=number)  # `/approve N` alone: the decision form
    return ApproveRequest("decide", number=number, kind=kind, text=rest or None)


@dataclass(frozen=True)
class DecisionOutcome:
    """The answer to one `/approve`: a private reply, and what to post if a decision was taken."""

    reply: str
    meeting: Meeting | None = None
    item: AgendaItem | None = None
    decision: Decision | None = None
    superseded: Decision | None = None
    root: ItemState | None = None  # the item's root message, redrawn
    silence: SilenceOutcome | None = None  # a silence procedure started, ended or closed
    form: bool = False  # open the decision form (a modal) for `item`
    closed_silence: SilenceProcedure | None = None  # ended by this decision
    awaiting: list[AgendaItem] | None = None


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
    chairs = role_ids(session, meeting_id=meeting.id, role="chair")
    participant = find_participant(session, meeting_id=meeting.id, user_id=user_id)
    if request.action == "help":
        return DecisionOutcome(USAGE)
    if participant is None or participant.role != "chair":
        record_audit(
            session,
            now=now,
            actor=user_id,
            action="approve",
            meeting_id=meeting.id,
            outcome="refused",
            detail=f"not the chair; asked: {request.action} {request.number or ''}".strip(),
        )
        names = ", ".join(f"<@{c}>" for c in chairs) or "the chair"
        return DecisionOutcome(
            f"Only the chair of {meeting.title} ({names}) can record decisions. "
            "If you think the committee should decide, say so in the item's thread."
        )
    if request.action == "error":
        return DecisionOutcome(f"{request.error}\n\n{USAGE}")
    if request.action == "list":
        awaiting = items_awaiting_decision(session, meeting_id=meeting.id)
        return DecisionOutcome("", meeting=meeting, awaiting=awaiting)

    assert request.number is not None
    item = find_item(session, meeting_id=meeting.id, number=request.number)
    if item is None:
        numbers = ", ".join(str(i.number) for i in list_items(session, meeting_id=meeting.id))
        return DecisionOutcome(
            f"There is no item {request.number} on the agenda of {meeting.title}. "
            f"Items: {numbers}.\n\n{USAGE}"
        )
    if item.post_ts is None:
        return DecisionOutcome(
            f"Item {item.number} has not been posted to the channel yet, so delegations have "
            "not had the chance to comment. Post it first (`python -m bot post "
            f"{item.number}`)."
        )
    if request.action == "form":
        return DecisionOutcome("", meeting=meeting, item=item, form=True)
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
        return DecisionOutcome(started.reply, meeting=meeting, item=item, silence=started)
    if request.action == "silence_end":
        ended = end_silence(session, meeting=meeting, item=item, user_id=user_id, now=now)
        return DecisionOutcome(ended.reply, meeting=meeting, item=item, silence=ended)
    text = request.text or item.proposal
    if not text:
        return DecisionOutcome(
            f"Item {item.number} has no proposed decision in the meeting file; "
            f"write the decision: `/approve {item.number} The PTC ...`"
        )
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
        "",
        meeting=meeting,
        item=item,
        decision=decision,
        superseded=previous,
        root=item_state(session, meeting=meeting, item=item, now=now),
        closed_silence=closed_silence,
    )
