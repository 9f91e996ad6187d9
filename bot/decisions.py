"""The chair's decisions: parsing `/approve`, recording decisions, listing what awaits one.

Decisions are append-only.  A new decision on an item supersedes the current one by pointing
at it; nothing is updated or deleted, so the record shows every correction.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from bot.audit import record_audit
from bot.meetings import find_item, find_participant, item_documents, list_items, role_ids
from models import AgendaItem, Decision, Document, Meeting

KINDS = {"approve": "approved", "note": "noted", "defer": "deferred"}

USAGE = (
    "*How to use /approve* (chair only)\n"
    "• `/approve` lists the items awaiting a decision\n"
    "• `/approve 3` approves item 3 with its proposed decision\n"
    "• `/approve 3 The PTC endorsed the proposals, as amended.` approves with your wording\n"
    "• `/approve 3 note [text]` records that the committee took note of item 3\n"
    "• `/approve 3 defer [text]` records that item 3 was deferred\n"
    "A new decision on the same item supersedes the earlier one; both stay in the record."
)


@dataclass(frozen=True)
class ApproveRequest:
    """What the chair typed, parsed.  `error` set means the input was malformed."""

    action: str  # help | list | decide | error
    number: int | None = None
    kind: str = "approved"
    text: str | None = None
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
    if first.lower() in ("note", "defer"):
        kind = KINDS[first.lower()]
        rest = remainder.strip()
    return ApproveRequest("decide", number=number, kind=kind, text=rest or None)


@dataclass(frozen=True)
class DecisionOutcome:
    """The answer to one `/approve`: a private reply, and what to post if a decision was taken."""

    reply: str
    meeting: Meeting | None = None
    item: AgendaItem | None = None
    decision: Decision | None = None
    superseded: Decision | None = None
    documents: list[Document] = field(default_factory=list)  # to redraw the item's root message
    awaiting: list[AgendaItem] | None = None


def current_decision(session: Session, *, item_id: int) -> Decision | None:
    return session.exec(
        select(Decision)
        .where(Decision.item_id == item_id)
        .order_by(col(Decision.decided_at).desc(), col(Decision.id).desc())
    ).first()


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
        documents=item_documents(session, item_id=item.id),
    )
