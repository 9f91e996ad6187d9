"""Enrolment: someone not on a meeting's roster asks, from Slack, to join a delegation, and the
secretariat approves or declines.

The rules:
- Someone with no active place on the roster of a meeting that is not closed is offered to ask
  (`offer_for`): in an item's thread, after a slack command, on their Home (`join_lines`).
- One request per person and meeting (`EnrolmentRequest`, unique on both).  Asking again while
  it is pending updates it; after a decline it reopens it; someone on the roster is told so.
- Only the secretariat decides (`permissions.require`, MANAGE); a request is decided once: the
  decision is a conditional UPDATE of a pending row, so two secretariat members pressing at the
  same moment, or a button pressed twice, decide it once and the other is told it was decided.
- Approval puts the person on the roster as a delegate of the delegation (role = the
  delegation's kind, source "enrolled", with the name and language they gave).  Their replies
  kept aside (`StrayReply`) on items still open (not decided, session not closed) may then be
  attached as formal comments (`attach_replies`), through the very capture path a reply takes
  (`comments.capture_reply`), so each keeps its own time and is judged late or not exactly as
  a reply is; keyed by (channel, ts), a reply is never attached twice.
- Every request, decision and attachment is in the audit log.

The secretariat's direct messages about a request are kept on it (`notices`, JSON list of
[channel, ts, user id]: the user id says whose language the message is in), so a decision
updates every one of them.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import and_, exists, func, update
from sqlmodel import Session, col, select

from bot.core.db import insert_or_ignore
from bot.domain.audit import record_audit
from bot.domain.comments import capture_reply
from bot.domain.languages import meeting_languages
from bot.domain.meetings import find_participant, role_ids
from bot.domain.permissions import Permission, Refusal, require
from models import (
    AgendaItem,
    Comment,
    Decision,
    Delegation,
    DelegationKind,
    EnrolmentRequest,
    EnrolmentStatus,
    Meeting,
    Participant,
    PendingPerson,
    StrayReply,
)

NAME_LIMIT = 150  # who they say they are: the form's field holds this much
ABOUT_LIMIT = 500  # their organisation and function
JOIN_LIMIT = 10  # meetings a Home offers to join at most
ENROLLED = "enrolled"  # Participant.source of someone approved here (see models.RosterSource)


# -- what views are given -------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One of the secretariat's direct messages about a request."""

    channel: str
    ts: str
    user_id: str | None  # whose it is (their language); None in a notice stored without it


@dataclass(frozen=True)
class RequestLine:
    """A request as the secretariat reads it (their direct message, their Home)."""

    request_id: int
    meeting: Meeting
    user_id: str
    user_team: str | None  # their own workspace when it is not the meeting's (Slack Connect)
    name: str
    about: str
    language: str | None
    delegation: str
    kind: DelegationKind
    status: EnrolmentStatus
    requested_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    attachable: int = 0  # their replies kept aside on open items, not attached yet
    attached: int = 0  # their replies kept aside now recorded as formal comments


@dataclass(frozen=True)
class Offer:
    """Someone not on a meeting's roster, who may ask to join it."""

    meeting: Meeting
    languages: tuple[str, ...]
    secretariat: tuple[str, ...]
    status: EnrolmentStatus | None = None  # their request: pending or declined; None: none
    delegation: str | None = None  # the delegation their request names


@dataclass(frozen=True)
class JoinLine:
    """A meeting the Home of someone on no roster offers to join."""

    meeting: Meeting
    status: EnrolmentStatus | None = None
    delegation: str | None = None


@dataclass(frozen=True)
class Choice:
    """A delegation the form lists."""

    delegation_id: int
    name: str
    kind: DelegationKind


FormKind = Literal["form", "on_roster", "closed", "no_delegations", "gone"]


@dataclass(frozen=True)
class Form:
    """What the form to ask to join shows, or why there is none."""

    kind: FormKind
    meeting: Meeting | None = None
    languages: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    request: EnrolmentRequest | None = None  # their pending or declined request: prefilled
    delegation: str | None = None  # on_roster: theirs


Problem = Literal["delegation", "name", "about", "language"]
SubmitKind = Literal[
    "requested",  # a new request
    "updated",  # their pending request, changed
    "reopened",  # asked again after a decline (or after leaving the roster)
    "on_roster",  # nothing to ask: they are on it
    "closed",  # the session is closed
    "gone",  # no such meeting any more
    "invalid",  # see `problems`
]


@dataclass(frozen=True)
class Submitted:
    kind: SubmitKind
    meeting: Meeting | None = None
    problems: tuple[Problem, ...] = ()
    request: RequestLine | None = None
    secretariat: tuple[str, ...] = ()  # who is told
    notices: tuple[Notice, ...] = ()  # "updated": the direct messages to update in place
    delegation: str | None = None  # on_roster: theirs


RulingKind = Literal["approved", "declined", "already", "refused", "retired", "gone"]


@dataclass(frozen=True)
class Ruling:
    """A secretariat member's Approve or Decline."""

    kind: RulingKind
    meeting: Meeting | None = None
    request: RequestLine | None = None
    refusal: Refusal | None = None
    notices: tuple[Notice, ...] = ()
    participant_added: bool = False  # approved: a new place on the roster (not one they had)


AttachKind = Literal["attached", "nothing", "not_enrolled", "refused", "gone"]


@dataclass(frozen=True)
class Attached:
    kind: AttachKind
    meeting: Meeting | None = None
    request: RequestLine | None = None
    refusal: Refusal | None = None
    replies: tuple[tuple[str, str], ...] = ()  # (channel, ts) of each reply attached
    notices: tuple[Notice, ...] = ()


# -- the offer ------------------------------------------------------------------------------------


def offer_for(session: Session, *, meeting: Meeting, user_id: str) -> Offer | None:
    """The offer to ask to join `meeting`, or None: on its roster already, or it is closed."""
    assert meeting.id is not None
    if meeting.closed_at is not None:
        return None
    if find_participant(session, meeting_id=meeting.id, user_id=user_id) is not None:
        return None
    request = _request_of(session, meeting_id=meeting.id, user_id=user_id)
    status: EnrolmentStatus | None = None
    delegation = None
    if request is not None and request.status in ("pending", "declined"):
        status = cast(EnrolmentStatus, request.status)
        found = session.get(Delegation, request.delegation_id)
        delegation = found.name if found is not None else None
    return Offer(
        meeting=meeting,
        languages=meeting_languages(meeting),
        secretariat=tuple(role_ids(session, meeting_id=meeting.id, role="secretariat")),
        status=status,
        delegation=delegation,
    )


def offer_in_thread(
    session: Session, *, channel: str, thread_ts: str, user_id: str
) -> Offer | None:
    """The offer to someone who replied in an item's thread (the item's meeting's)."""
    meeting = session.exec(
        select(Meeting)
        .join(AgendaItem, col(AgendaItem.meeting_id) == col(Meeting.id))
        .where(AgendaItem.post_channel == channel, AgendaItem.post_ts == thread_ts)
    ).first()
    return offer_for(session, meeting=meeting, user_id=user_id) if meeting is not None else None


def join_lines(session: Session, *, user_ids: Iterable[str]) -> dict[str, list[JoinLine]]:
    """For people on no roster (their Home): the meetings not closed they may ask to join, and
    where their request stands, in two queries whatever their number."""
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return {}
    meetings = list(
        session.exec(
            select(Meeting)
            .where(col(Meeting.closed_at).is_(None))
            .order_by(col(Meeting.key))
            .limit(JOIN_LIMIT)
        )
    )
    if not meetings:
        return {user: [] for user in wanted}
    asked: dict[tuple[int, str], tuple[str, str]] = {
        (request.meeting_id, request.user_id): (request.status, delegation.name)
        for request, delegation in session.exec(
            select(EnrolmentRequest, Delegation)
            .join(Delegation, col(Delegation.id) == col(EnrolmentRequest.delegation_id))
            .where(
                col(EnrolmentRequest.user_id).in_(wanted),
                col(EnrolmentRequest.meeting_id).in_([m.id for m in meetings]),
            )
        )
    }
    found: dict[str, list[JoinLine]] = {}
    for user in wanted:
        lines = []
        for meeting in meetings:
            status, delegation = asked.get((meeting.id or 0, user), (None, None))
            if status not in ("pending", "declined"):
                status, delegation = None, None
            lines.append(JoinLine(meeting, cast(EnrolmentStatus | None, status), delegation))
        found[user] = lines
    return found


# -- the form -------------------------------------------------------------------------------------


def open_form(session: Session, *, meeting_id: int | None, user_id: str) -> Form:
    """What the form to ask to join `meeting_id` shows, prefilled with their open request."""
    meeting = session.get(Meeting, meeting_id) if meeting_id is not None else None
    if meeting is None or meeting.id is None:
        return Form("gone")
    participant = find_participant(session, meeting_id=meeting.id, user_id=user_id)
    if participant is not None:
        return Form("on_roster", meeting, delegation=_delegation_name(session, participant))
    if meeting.closed_at is not None:
        return Form("closed", meeting)
    choices = tuple(
        Choice(d.id or 0, d.name, cast(DelegationKind, d.kind))
        for d in session.exec(
            select(Delegation)
            .where(Delegation.meeting_id == meeting.id, col(Delegation.active))
            .order_by(col(Delegation.position), col(Delegation.name))
        )
    )
    if not choices:
        return Form("no_delegations", meeting)
    request = _request_of(session, meeting_id=meeting.id, user_id=user_id)
    return Form(
        "form",
        meeting,
        languages=meeting_languages(meeting),
        choices=choices,
        request=request if request is not None and request.status != "approved" else None,
    )


def submit_request(
    session: Session,
    *,
    meeting_id: int | None,
    user_id: str,
    user_team: str | None,
    delegation_id: int | None,
    name: str,
    about: str,
    language: str | None,
    now: datetime,
) -> Submitted:
    """Store the request (one per person and meeting) and say who is to be told."""
    meeting = session.get(Meeting, meeting_id) if meeting_id is not None else None
    if meeting is None or meeting.id is None:
        return Submitted("gone")
    participant = find_participant(session, meeting_id=meeting.id, user_id=user_id)
    if participant is not None:
        return Submitted("on_roster", meeting, delegation=_delegation_name(session, participant))
    if meeting.closed_at is not None:
        return Submitted("closed", meeting)
    name, about = " ".join(name.split()), about.strip()
    languages = meeting_languages(meeting)
    delegation = session.get(Delegation, delegation_id) if delegation_id is not None else None
    problems: list[Problem] = []
    if delegation is None or delegation.meeting_id != meeting.id or not delegation.active:
        problems.append("delegation")
    if not name or len(name) > NAME_LIMIT:
        problems.append("name")
    if not about or len(about) > ABOUT_LIMIT:
        problems.append("about")
    if language is not None and language not in languages:
        problems.append("language")
    if problems or delegation is None:
        return Submitted("invalid", meeting, problems=tuple(problems))
    values = {
        "delegation_id": delegation.id,
        "name": name,
        "about": about,
        "language": language or languages[0],
        "user_team": user_team,
    }
    # The database's conflict handling, not check-then-insert: two submissions at once (a
    # double click) still make one request.
    created = insert_or_ignore(
        session,
        EnrolmentRequest,
        {
            "meeting_id": meeting.id,
            "user_id": user_id,
            **values,
            "status": "pending",
            "requested_at": now,
            "decided_by": None,
            "decided_at": None,
            "notices": "",
        },
        ["meeting_id", "user_id"],
    )
    request = _request_of(session, meeting_id=meeting.id, user_id=user_id)
    assert request is not None
    kind: SubmitKind = "requested"
    notices: tuple[Notice, ...] = ()
    if not created:
        if request.status == "pending":
            kind, notices = "updated", notices_of(request)
        else:  # declined, or approved and since gone from the roster: asked anew
            kind = "reopened"
            request.status, request.requested_at = "pending", now
            request.decided_by, request.decided_at, request.notices = None, None, ""
        for attribute, value in values.items():
            setattr(request, attribute, value)
        session.add(request)
        session.flush()
    record_audit(
        session,
        now=now,
        actor=user_id,
        action="enrolment_request",
        meeting_id=meeting.id,
        detail=f"request {request.id} ({kind}): to join {delegation.name} as {name}"[:4000],
    )
    return Submitted(
        kind,
        meeting,
        request=_line(session, request, meeting, delegation),
        secretariat=tuple(role_ids(session, meeting_id=meeting.id, role="secretariat")),
        notices=notices,
    )


# -- the secretariat's decision -------------------------------------------------------------------


def decide_request(
    session: Session, *, request_id: int | None, user_id: str, approve: bool, now: datetime
) -> Ruling:
    """Approve or decline a pending request; only the secretariat may, and only once."""
    request = session.get(EnrolmentRequest, request_id) if request_id is not None else None
    meeting = session.get(Meeting, request.meeting_id) if request is not None else None
    if request is None or meeting is None:
        return Ruling("gone")
    action = "approve_enrolment" if approve else "decline_enrolment"
    refusal = require(
        session,
        meeting=meeting,
        user_id=user_id,
        permission=Permission.MANAGE,
        action=action,
        now=now,
        detail=f"not secretariat: request {request.id} of {request.user_id}",
    )
    if refusal is not None:
        return Ruling("refused", meeting, refusal=refusal)
    delegation = session.get(Delegation, request.delegation_id)
    if request.status != "pending":
        return _ruling("already", session, request, meeting, delegation)
    if approve and (delegation is None or not delegation.active):
        return _ruling("retired", session, request, meeting, delegation)
    status: EnrolmentStatus = "approved" if approve else "declined"
    # Decided once: only a row still pending changes, whoever else presses at the same moment.
    decided = session.execute(
        update(EnrolmentRequest)
        .where(col(EnrolmentRequest.id) == request.id, col(EnrolmentRequest.status) == "pending")
        .values(status=status, decided_by=user_id, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(request)
    if decided.rowcount != 1:  # type: ignore[attr-defined]
        return _ruling("already", session, request, meeting, delegation)
    added = False
    if approve:
        assert delegation is not None
        added = _enrol(session, request, delegation)
    record_audit(
        session,
        now=now,
        actor=user_id,
        action=action,
        meeting_id=meeting.id,
        detail=(
            f"request {request.id}: {request.user_id} ({request.name}) "
            f"{'added as a delegate of' if approve else 'not added to'} "
            f"{delegation.name if delegation else request.delegation_id}"
        )[:4000],
    )
    kind: RulingKind = "approved" if approve else "declined"
    return replace(_ruling(kind, session, request, meeting, delegation), participant_added=added)


def _enrol(session: Session, request: EnrolmentRequest, delegation: Delegation) -> bool:
    """Put the person on the roster as a delegate of `delegation`; True when this added them
    (False: someone put them on it meanwhile, as the meeting file says, and that stands)."""
    participant = session.exec(
        select(Participant).where(
            Participant.meeting_id == request.meeting_id, Participant.user_id == request.user_id
        )
    ).first()
    if participant is not None and participant.active:
        return False
    if participant is None:
        participant = Participant(meeting_id=request.meeting_id, user_id=request.user_id, role="")
    participant.role = delegation.kind
    participant.delegation_id = delegation.id
    participant.name = request.name
    participant.language = request.language
    participant.active = True
    participant.source = ENROLLED
    session.add(participant)
    session.flush()
    return True


def match_pending(
    session: Session,
    *,
    request_id: int,
    email: str | None,
    profile_name: str | None,
    locale: str | None,
    now: datetime,
) -> PendingPerson | None:
    """After an approval, what Slack says of the person (users.info): their profile name and
    locale, and the roster entry of their delegation pending under their e-mail, if any, which
    they now are.  Returns that entry."""
    request = session.get(EnrolmentRequest, request_id)
    if request is None or request.status != "approved":
        return None
    participant = find_participant(session, meeting_id=request.meeting_id, user_id=request.user_id)
    if participant is None:
        return None
    participant.profile_name = profile_name or participant.profile_name
    participant.locale = locale or participant.locale
    session.add(participant)
    if not email:
        return None
    pending = session.exec(
        select(PendingPerson).where(
            PendingPerson.meeting_id == request.meeting_id,
            func.lower(PendingPerson.email) == email.strip().lower(),
            col(PendingPerson.active),
            col(PendingPerson.matched_user_id).is_(None),
        )
    ).first()
    if pending is None or pending.delegation_id not in (None, participant.delegation_id):
        return None
    pending.matched_user_id = request.user_id
    participant.email = participant.email or pending.email
    session.add(pending)
    record_audit(
        session,
        now=now,
        actor="slack",
        action="match_pending_person",
        meeting_id=request.meeting_id,
        detail=f"request {request.id}: {request.user_id} is the roster's {pending.email}",
    )
    return pending


# -- replies kept aside ---------------------------------------------------------------------------


def attach_replies(
    session: Session, *, request_id: int | None, user_id: str, now: datetime
) -> Attached:
    """Record an approved person's replies kept aside on open items as their formal comments:
    each through the capture path, with its own ts, so its time and lateness are those of any
    reply written then; a reply already recorded is left as it is."""
    request = session.get(EnrolmentRequest, request_id) if request_id is not None else None
    meeting = session.get(Meeting, request.meeting_id) if request is not None else None
    if request is None or meeting is None or meeting.id is None:
        return Attached("gone")
    refusal = require(
        session,
        meeting=meeting,
        user_id=user_id,
        permission=Permission.MANAGE,
        action="attach_replies",
        now=now,
        detail=f"not secretariat: replies of {request.user_id}",
    )
    if refusal is not None:
        return Attached("refused", meeting, refusal=refusal)
    delegation = session.get(Delegation, request.delegation_id)
    enrolled = find_participant(session, meeting_id=meeting.id, user_id=request.user_id)
    if request.status != "approved" or enrolled is None:
        line = _line(session, request, meeting, delegation)
        return Attached("not_enrolled", meeting, line, notices=notices_of(request))
    attached: list[tuple[str, str]] = []
    for stray, thread_ts in _attachable(session, request):
        capture = capture_reply(
            session,
            channel=stray.channel,
            thread_ts=thread_ts,
            ts=stray.ts,
            user_id=stray.user_id,
            text=stray.text,
            now=now,
        )
        if capture.outcome == "recorded":
            attached.append((stray.channel, stray.ts))
    if attached:
        record_audit(
            session,
            now=now,
            actor=user_id,
            action="attach_replies",
            meeting_id=meeting.id,
            detail=(
                f"request {request.id}: {len(attached)} replies kept aside from "
                f"{request.user_id} recorded as comments: "
                + ", ".join(f"{channel}/{ts}" for channel, ts in attached)
            )[:4000],
        )
    return Attached(
        "attached" if attached else "nothing",
        meeting,
        _line(session, request, meeting, delegation),
        replies=tuple(attached),
        notices=notices_of(request),
    )


def _open_strays(request: EnrolmentRequest) -> list[Any]:
    """Conditions on StrayReply (joined to its item and meeting) for replies of the request's
    person on items still open: not decided, the session not closed."""
    decided = exists().where(col(Decision.item_id) == col(AgendaItem.id))
    return [
        col(StrayReply.meeting_id) == request.meeting_id,
        col(StrayReply.user_id) == request.user_id,
        col(AgendaItem.active),
        col(AgendaItem.post_ts).is_not(None),
        col(Meeting.closed_at).is_(None),
        ~decided,
    ]


def _recorded() -> Any:
    return exists().where(
        and_(col(Comment.channel) == col(StrayReply.channel), col(Comment.ts) == col(StrayReply.ts))
    )


def _attachable(session: Session, request: EnrolmentRequest) -> list[tuple[StrayReply, str]]:
    """The replies kept aside that attaching would record, with their item's thread ts."""
    rows = session.exec(
        select(StrayReply, AgendaItem.post_ts)
        .join(AgendaItem, col(AgendaItem.id) == col(StrayReply.item_id))
        .join(Meeting, col(Meeting.id) == col(StrayReply.meeting_id))
        .where(*_open_strays(request), ~_recorded())
        .order_by(col(StrayReply.posted_at), col(StrayReply.id))
    )
    return [(stray, str(thread_ts)) for stray, thread_ts in rows]


def _counts(session: Session, request: EnrolmentRequest) -> tuple[int, int]:
    """(replies kept aside attachable now, replies kept aside recorded as comments)."""
    attachable = session.exec(
        select(func.count())
        .select_from(StrayReply)
        .join(AgendaItem, col(AgendaItem.id) == col(StrayReply.item_id))
        .join(Meeting, col(Meeting.id) == col(StrayReply.meeting_id))
        .where(*_open_strays(request), ~_recorded())
    ).one()
    attached = session.exec(
        select(func.count())
        .select_from(StrayReply)
        .where(
            StrayReply.meeting_id == request.meeting_id,
            StrayReply.user_id == request.user_id,
            _recorded(),
        )
    ).one()
    return int(attachable), int(attached)


# -- the secretariat's direct messages ------------------------------------------------------------


def notices_of(request: EnrolmentRequest) -> tuple[Notice, ...]:
    try:
        stored = json.loads(request.notices or "[]")
    except ValueError:
        return ()
    found = []
    for entry in stored if isinstance(stored, list) else []:
        if isinstance(entry, list) and len(entry) >= 2:
            user = str(entry[2]) if len(entry) > 2 and entry[2] else None
            found.append(Notice(str(entry[0]), str(entry[1]), user))
    return tuple(found)


def remember_notice(
    session: Session, *, request_id: int, channel: str, ts: str, user_id: str | None
) -> RequestLine | None:
    """Keep a direct message sent about a request, to update it once decided; returns the
    request as it now stands (the caller updates this message at once if it was decided while
    the message was on its way)."""
    request = session.get(EnrolmentRequest, request_id)
    if request is None:
        return None
    kept = [[n.channel, n.ts, n.user_id] for n in notices_of(request)]
    if [channel, ts] not in [entry[:2] for entry in kept]:
        kept.append([channel, ts, user_id])
    request.notices = json.dumps(kept)
    session.add(request)
    session.flush()
    return request_line(session, request_id=request_id)


def request_line(session: Session, *, request_id: int) -> RequestLine | None:
    request = session.get(EnrolmentRequest, request_id)
    meeting = session.get(Meeting, request.meeting_id) if request is not None else None
    if request is None or meeting is None:
        return None
    return _line(session, request, meeting, session.get(Delegation, request.delegation_id))


def pending_requests(
    session: Session, *, meeting_ids: Iterable[int]
) -> dict[int, list[RequestLine]]:
    """The pending requests of each meeting, oldest first, in one query (the secretariat's
    Home)."""
    wanted = list(meeting_ids)
    found: dict[int, list[RequestLine]] = defaultdict(list)
    if not wanted:
        return found
    for request, meeting, delegation in session.exec(
        select(EnrolmentRequest, Meeting, Delegation)
        .join(Meeting, col(Meeting.id) == col(EnrolmentRequest.meeting_id))
        .join(Delegation, col(Delegation.id) == col(EnrolmentRequest.delegation_id))
        .where(
            col(EnrolmentRequest.meeting_id).in_(wanted),
            col(EnrolmentRequest.status) == "pending",
        )
        .order_by(col(EnrolmentRequest.requested_at), col(EnrolmentRequest.id))
    ):
        found[request.meeting_id].append(_line(session, request, meeting, delegation, counts=False))
    return found


# -- internals ------------------------------------------------------------------------------------


def _request_of(session: Session, *, meeting_id: int, user_id: str) -> EnrolmentRequest | None:
    return session.exec(
        select(EnrolmentRequest).where(
            EnrolmentRequest.meeting_id == meeting_id, EnrolmentRequest.user_id == user_id
        )
    ).first()


def _delegation_name(session: Session, participant: Participant) -> str | None:
    if participant.delegation_id is None:
        return None
    delegation = session.get(Delegation, participant.delegation_id)
    return delegation.name if delegation is not None else None


def _line(
    session: Session,
    request: EnrolmentRequest,
    meeting: Meeting,
    delegation: Delegation | None,
    *,
    counts: bool = True,
) -> RequestLine:
    attachable, attached = _counts(session, request) if counts else (0, 0)
    assert request.id is not None
    return RequestLine(
        request_id=request.id,
        meeting=meeting,
        user_id=request.user_id,
        user_team=request.user_team,
        name=request.name,
        about=request.about,
        language=request.language,
        delegation=delegation.name if delegation is not None else "",
        kind=cast(DelegationKind, delegation.kind if delegation is not None else "member"),
        status=cast(EnrolmentStatus, request.status),
        requested_at=request.requested_at,
        decided_by=request.decided_by,
        decided_at=request.decided_at,
        attachable=attachable if request.status == "approved" else 0,
        attached=attached,
    )


def _ruling(
    kind: RulingKind,
    session: Session,
    request: EnrolmentRequest,
    meeting: Meeting,
    delegation: Delegation | None,
) -> Ruling:
    line = _line(session, request, meeting, delegation)
    return Ruling(kind, meeting, line, notices=notices_of(request))
