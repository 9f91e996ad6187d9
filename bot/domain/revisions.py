"""Revised documents: the secretariat publishes a revised version of an item's document.

`/revise N ...` (or its form) is checked whole before anything is written: who asks (the
secretariat only; a refusal is audited), the item (on the agenda and posted, since the
revision goes to its thread), the code, the link, and the optional final-concerns deadline
(ahead, after the comment deadline, not while another window on the item is open, not on a
decided item).  The revision is stored append-only, with an audit entry.

This module holds the rules and returns what happened as data; bot/views/revisions.py says
it.  Announcing a revision (the thread post, the root redrawn, the direct messages) is the
clock's (bot/clock/revisions.py): `revision_announcement` here reads what it needs.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.domain.audit import record_audit
from bot.domain.concern_phase import item_revisions, open_window, rejudge_item
from bot.domain.items import ItemState, current_decision, item_state
from bot.domain.meetings import find_item, item_documents
from bot.domain.permissions import Permission, Refusal, require
from bot.parse.revise import ReviseCommand, RevisionRequest
from bot.parse.timeparse import parse_moment
from models import AgendaItem, Comment, Delegation, Meeting, Participant, RevisedDocument

ACTION = "revise"  # the audit log's action; the command is /revise
CODE_LIMIT, TITLE_LIMIT, NOTE_LIMIT, URL_LIMIT = 60, 200, 2000, 2000

# The form's fields: a problem is shown under the field it is about.
RevisionField = Literal["code", "title", "url", "note", "until"]
ProblemCode = Literal[
    "code_missing",
    "code_too_long",
    "not_a_link",  # `text` is the link as given
    "title_too_long",
    "note_too_long",
    "bad_deadline",  # `text` is the deadline as typed: it could not be read
    "deadline_past",  # `at` is the deadline asked for
    "no_comment_deadline",  # the item has no comment period for a window to follow
    "before_comment_deadline",  # `at` is the item's comment deadline
    "decided",
    "window_open",  # `running` is the revision whose window is open
    "duplicate",  # `text` is the code: the same code and link are already published
]


@dataclass(frozen=True)
class RevisionProblem:
    """One thing wrong with a request, under the field it is about."""

    field: RevisionField
    code: ProblemCode
    text: str = ""
    at: datetime | None = None
    running: RevisedDocument | None = None


@dataclass(frozen=True)
class ReviseOutcome:
    """What `/revise` or the form's submission did.

    refused: not the secretariat (already audited).  help: the usage.  bad_command: the command
    could not be read (`command` says why).  no_such_item / not_posted: about item `number`.
    form: open the form for `item`, starting from `suggested_code`.  invalid: nothing written,
    `problems` in the order they are told.  published: `revision` is stored on `item`, to be
    announced after the acknowledgement.
    """

    outcome: Literal[
        "refused",
        "help",
        "bad_command",
        "no_such_item",
        "not_posted",
        "form",
        "invalid",
        "published",
    ]
    number: int | None = None
    refusal: Refusal | None = None
    command: ReviseCommand | None = None
    item: AgendaItem | None = None
    suggested_code: str = ""
    problems: tuple[RevisionProblem, ...] = ()
    revision: RevisedDocument | None = None


def _refuse(session: Session, *, meeting: Meeting, user_id: str, now: datetime) -> Refusal | None:
    return require(
        session,
        meeting=meeting,
        user_id=user_id,
        permission=Permission.MANAGE,
        action=ACTION,
        now=now,
        detail="not secretariat",
    )


def revise_command(
    session: Session, *, meeting: Meeting, user_id: str, command: ReviseCommand, now: datetime
) -> ReviseOutcome:
    """`/revise` or `/revise help` (usage), `/revise N` (the form), or the one-line form
    `/revise N CODE URL [until DATETIME] [title]`."""
    refusal = _refuse(session, meeting=meeting, user_id=user_id, now=now)
    if refusal is not None:
        return ReviseOutcome("refused", refusal=refusal)
    if command.action == "help":
        return ReviseOutcome("help")
    if command.number is None:  # not a number
        return ReviseOutcome("bad_command", command=command)
    item = _postable_item(session, meeting=meeting, number=command.number)
    if isinstance(item, ReviseOutcome):
        return item
    if command.action == "form":
        return ReviseOutcome(
            "form",
            number=command.number,
            item=item,
            suggested_code=suggest_code(session, item=item),
        )
    if command.action == "error" or command.request is None:
        return ReviseOutcome("bad_command", number=command.number, command=command, item=item)
    return publish_revision(
        session, meeting=meeting, user_id=user_id, request=command.request, now=now
    )


def publish_revision(
    session: Session, *, meeting: Meeting, user_id: str, request: RevisionRequest, now: datetime
) -> ReviseOutcome:
    """Check everything, then store the revision (and open its window); nothing on error."""
    assert meeting.id is not None
    refusal = _refuse(session, meeting=meeting, user_id=user_id, now=now)
    if refusal is not None:
        return ReviseOutcome("refused", refusal=refusal)
    item = _postable_item(session, meeting=meeting, number=request.number)
    if isinstance(item, ReviseOutcome):
        return item
    assert item.id is not None
    problems: list[RevisionProblem] = []
    code, url = request.code.strip(), request.url.strip()
    if not code:
        problems.append(RevisionProblem("code", "code_missing"))
    elif len(code) > CODE_LIMIT:
        problems.append(RevisionProblem("code", "code_too_long"))
    if not _is_web_link(url):
        problems.append(RevisionProblem("url", "not_a_link", text=url))
    if len(request.title) > TITLE_LIMIT:
        problems.append(RevisionProblem("title", "title_too_long"))
    if len(request.note) > NOTE_LIMIT:
        problems.append(RevisionProblem("note", "note_too_long"))
    revisions = item_revisions(session, item_id=item.id)
    until, problem = _concerns_deadline(session, meeting, item, request, revisions, now=now)
    if problem is not None:
        problems.append(problem)
    if not problems and any(r.code == code and r.url == url for r in revisions):
        problems.append(RevisionProblem("code", "duplicate", text=code))
    if problems:
        return ReviseOutcome("invalid", number=item.number, item=item, problems=tuple(problems))
    revision = RevisedDocument(
        item_id=item.id,
        code=code,
        title=request.title.strip(),
        url=url,
        note=request.note.strip(),
        published_by=user_id,
        published_at=now,
        concerns_deadline_at=until,
    )
    session.add(revision)
    session.flush()
    if until is not None:
        rejudge_item(session, item=item)  # a reply that raced the window belongs to it
    window = f", final concerns until {until.isoformat()}" if until else ""
    record_audit(
        session,
        now=now,
        actor=user_id,
        action=ACTION,
        meeting_id=meeting.id,
        detail=f"item {item.number}: {code} {url}{window}",
    )
    return ReviseOutcome("published", number=item.number, item=item, revision=revision)


def suggest_code(session: Session, *, item: AgendaItem) -> str:
    """The form's starting point: the item's first document code, as the next revision."""
    assert item.id is not None
    revisions = item_revisions(session, item_id=item.id)
    documents = item_documents(session, item_id=item.id)
    base = documents[0].code if documents else (revisions[0].code if revisions else "")
    return f"{base}/Rev.{len(revisions) + 1}" if base else ""


def _postable_item(
    session: Session, *, meeting: Meeting, number: int | None
) -> AgendaItem | ReviseOutcome:
    """The item, or why not: a revision goes to the item's thread, so the item is posted."""
    assert meeting.id is not None
    item = find_item(session, meeting_id=meeting.id, number=number) if number is not None else None
    if item is None:
        return ReviseOutcome("no_such_item", number=number)
    if item.post_ts is None or item.post_channel is None:
        return ReviseOutcome("not_posted", number=number, item=item)
    return item


def _is_web_link(url: str) -> bool:
    if not url or len(url) > URL_LIMIT or any(c.isspace() for c in url) or "|" in url:
        return False  # a space or a pipe would break Slack's <url|label> link
    parts = urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _concerns_deadline(
    session: Session,
    meeting: Meeting,
    item: AgendaItem,
    request: RevisionRequest,
    revisions: list[RevisedDocument],
    *,
    now: datetime,
) -> tuple[datetime | None, RevisionProblem | None]:
    """The final-concerns deadline asked for (or None), and why it cannot be, if it cannot."""
    until = request.until
    if request.until_text is not None:
        try:
            until = parse_moment(request.until_text, ZoneInfo(meeting.timezone))
        except ValueError:
            return None, RevisionProblem("until", "bad_deadline", text=request.until_text)
    if until is None:
        return None, None
    if until <= now:
        return None, RevisionProblem("until", "deadline_past", at=until)
    if item.deadline_at is None:
        return None, RevisionProblem("until", "no_comment_deadline")
    if until <= item.deadline_at:
        return None, RevisionProblem("until", "before_comment_deadline", at=item.deadline_at)
    assert item.id is not None
    if current_decision(session, item_id=item.id) is not None:
        return None, RevisionProblem("until", "decided")
    running = open_window(revisions, now=now)
    if running is not None and running.concerns_deadline_at is not None:
        return None, RevisionProblem("until", "window_open", running=running)
    return until, None


# -- what the announcement needs ----------------------------------------------------------------


@dataclass(frozen=True)
class Announcement:
    """A posted item's revision, its root as it now stands, and the delegates to tell:
    (user id, delegation name), each person once, in roster order."""

    meeting: Meeting
    item: AgendaItem
    revision: RevisedDocument
    state: ItemState
    delegates: tuple[tuple[str, str], ...]


def revision_announcement(
    session: Session, *, revision_id: int, now: datetime
) -> Announcement | None:
    """None when the revision, its item or meeting is gone, or the item is not posted."""
    revision = session.get(RevisedDocument, revision_id)
    item = session.get(AgendaItem, revision.item_id) if revision else None
    meeting = session.get(Meeting, item.meeting_id) if item else None
    if revision is None or item is None or meeting is None or item.post_ts is None:
        return None
    state = item_state(session, meeting=meeting, item=item, now=now)
    delegates = tuple(commenting_delegates(session, item=item))
    return Announcement(meeting, item, revision, state, delegates)


def commenting_delegates(session: Session, *, item: AgendaItem) -> list[tuple[str, str]]:
    """(user id, delegation name) for each delegate of a delegation with an active comment on
    `item`: each person once, in roster order; the chair and the secretariat are in no
    delegation, and a delegation whose only comments were withdrawn is not told."""
    spoke = (
        select(Comment.delegation_id)
        .where(
            Comment.item_id == item.id,
            Comment.status == "active",
            col(Comment.delegation_id).is_not(None),
        )
        .distinct()
    )
    rows = session.exec(
        select(Participant.user_id, Delegation.name)
        .join(Delegation, col(Delegation.id) == col(Participant.delegation_id))
        .where(
            Participant.meeting_id == item.meeting_id,
            col(Participant.active),
            col(Delegation.active),
            col(Delegation.id).in_(spoke),
        )
        .order_by(col(Delegation.position), col(Participant.user_id))
    )
    return [(user_id, name) for user_id, name in rows]


def posted_revisions(session: Session) -> list[tuple[int, int, str]]:
    """(revision id, item number, meeting key) of every revision on a posted, active item:
    those whose announcement the clock makes sure is finished."""
    rows = session.exec(
        select(RevisedDocument.id, AgendaItem.number, Meeting.key)
        .join(AgendaItem, col(AgendaItem.id) == col(RevisedDocument.item_id))
        .join(Meeting, col(Meeting.id) == col(AgendaItem.meeting_id))
        .where(col(AgendaItem.active), col(AgendaItem.post_ts).is_not(None))
    )
    return [(revision_id or 0, number, key) for revision_id, number, key in rows]
