"""Revised documents: the secretariat publishes a revised version of an item's document.

`/revise N ...` (or its form) is checked whole before anything is written: who asks (the
secretariat only; a refusal is audited), the item (on the agenda and posted, since the
revision goes to its thread), the code, the link, and the optional final-concerns deadline
(ahead, after the comment deadline, not while another window on the item is open, not on a
decided item).  The revision is stored append-only, with an audit entry.

Announcing it is separate and idempotent (`announce_revision`): a post in the item's thread,
the item's root message redrawn (it lists the revised documents and the window), and a direct
message to each delegate of every delegation with an active comment on the item.  The whole
round and each of its messages are deliveries claimed before they are sent (bot/deliveries.py),
so the lazy listener right after the command and the clock's catch-up (`announce_pending`)
never tell anyone twice, and a round a crash interrupted is finished by the next heartbeat.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.clock.claims import Due, claim, deliver_in_steps, mark_sent, release, settled_keys
from bot.core.db import session_scope
from bot.domain.audit import record_audit
from bot.domain.concern_phase import item_revisions, open_window, rejudge_item
from bot.domain.items import current_decision, item_state
from bot.domain.meetings import find_item, item_documents
from bot.domain.session_end import refuse_unless_secretariat
from bot.parse.commands import split_moment, split_number
from bot.parse.timeparse import parse_moment
from bot.slack.api import Outbound
from bot.views.messages import SlackMessage, item_message, local_time
from bot.views.revisions import (
    CODE_BLOCK,
    NOTE_BLOCK,
    TITLE_BLOCK,
    UNTIL_BLOCK,
    URL_BLOCK,
    USAGE,
    published_reply,
    revise_form,
    revision_direct_message,
    revision_notice,
)
from models import AgendaItem, Comment, Delegation, Meeting, Participant, RevisedDocument

log = logging.getLogger(__name__)

ACTION = "revise"  # the audit log's action; the command is /revise
CODE_LIMIT, TITLE_LIMIT, NOTE_LIMIT, URL_LIMIT = 60, 200, 2000, 2000


@dataclass(frozen=True)
class RevisionRequest:
    """What the secretariat asked for, as typed (command) or submitted (form)."""

    number: int | None
    code: str
    url: str
    title: str = ""
    note: str = ""
    until: datetime | None = None  # from the form's date picker: an instant already
    until_text: str | None = None  # from the command: read in the meeting's time zone


@dataclass(frozen=True)
class ReviseOutcome:
    """The private reply; for the form, the errors by input block; what to do after the ack."""

    reply: str
    errors: dict[str, str] = field(default_factory=dict)
    form: dict[str, object] | None = None  # the modal to open (`/revise N` alone)
    revision_id: int | None = None  # published: announce it after the acknowledgement


def revise_command(
    session: Session, *, meeting: Meeting, user_id: str, text: str, now: datetime
) -> ReviseOutcome:
    """`/revise` or `/revise help` (usage), `/revise N` (the form), or the one-line form
    `/revise N CODE URL [until DATETIME] [title]`."""
    refusal = refuse_unless_secretariat(
        session, meeting=meeting, user_id=user_id, action=ACTION, now=now
    )
    if refusal is not None:
        return ReviseOutcome(refusal)
    if text.strip().lower() in ("", "help"):
        return ReviseOutcome(USAGE)
    number, rest, head = split_number(text)
    if number is None:
        return ReviseOutcome(f"`{head}` is not an agenda item number.\n\n{USAGE}")
    item, problem = _postable_item(session, meeting=meeting, number=number)
    if item is None:
        return ReviseOutcome(problem)
    if not rest:
        code = suggest_code(session, item=item)
        return ReviseOutcome("", form=revise_form(meeting, item, suggested_code=code))
    words = rest.split(None, 2)
    if len(words) < 2:
        return ReviseOutcome(
            f"Give the revised document's code and its link after the item number.\n\n{USAGE}"
        )
    code, url = words[0], _unwrap_link(words[1])
    remainder = words[2] if len(words) > 2 else ""
    until_text: str | None = None
    if remainder.lower() == "until" or remainder.lower().startswith("until "):
        until_text, remainder = split_moment(remainder[len("until") :])
        if until_text is None:
            return ReviseOutcome(f"Give the final-concerns deadline after `until`.\n\n{USAGE}")
    request = RevisionRequest(number, code, url, title=remainder, until_text=until_text)
    outcome = publish_revision(session, meeting=meeting, user_id=user_id, request=request, now=now)
    if outcome.errors:
        return ReviseOutcome("\n".join(outcome.errors.values()) + f"\n\n{USAGE}")
    return outcome


def publish_revision(
    session: Session, *, meeting: Meeting, user_id: str, request: RevisionRequest, now: datetime
) -> ReviseOutcome:
    """Check everything, then store the revision (and open its window); nothing on error."""
    assert meeting.id is not None
    refusal = refuse_unless_secretariat(
        session, meeting=meeting, user_id=user_id, action=ACTION, now=now
    )
    if refusal is not None:
        return ReviseOutcome(refusal, errors={CODE_BLOCK: refusal})
    item, problem = _postable_item(session, meeting=meeting, number=request.number)
    if item is None:
        return ReviseOutcome(problem, errors={CODE_BLOCK: problem})
    assert item.id is not None
    errors: dict[str, str] = {}
    code, url = request.code.strip(), request.url.strip()
    if not code:
        errors[CODE_BLOCK] = "Give the revised document's code, e.g. PC0601E1/Rev.1."
    elif len(code) > CODE_LIMIT:
        errors[CODE_BLOCK] = f"A document code has at most {CODE_LIMIT} characters."
    if not _is_web_link(url):
        errors[URL_BLOCK] = (
            f"`{url[:80]}` is not a link: give the document's address, starting with https://."
        )
    if len(request.title) > TITLE_LIMIT:
        errors[TITLE_BLOCK] = f"A title has at most {TITLE_LIMIT} characters."
    if len(request.note) > NOTE_LIMIT:
        errors[NOTE_BLOCK] = f"Say what changed in at most {NOTE_LIMIT} characters."
    revisions = item_revisions(session, item_id=item.id)
    until, problem = _concerns_deadline(session, meeting, item, request, revisions, now=now)
    if problem:
        errors[UNTIL_BLOCK] = problem
    if not errors and any(r.code == code and r.url == url for r in revisions):
        errors[CODE_BLOCK] = (
            f"{code} at this link is already published on item {item.number}: nothing was done."
        )
    if errors:
        return ReviseOutcome("\n".join(errors.values()), errors=errors)
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
    return ReviseOutcome(published_reply(item, revision, meeting.timezone), revision_id=revision.id)


def suggest_code(session: Session, *, item: AgendaItem) -> str:
    """The form's starting point: the item's first document code, as the next revision."""
    assert item.id is not None
    revisions = item_revisions(session, item_id=item.id)
    documents = item_documents(session, item_id=item.id)
    base = documents[0].code if documents else (revisions[0].code if revisions else "")
    return f"{base}/Rev.{len(revisions) + 1}" if base else ""


def _postable_item(
    session: Session, *, meeting: Meeting, number: int | None
) -> tuple[AgendaItem | None, str]:
    assert meeting.id is not None
    item = find_item(session, meeting_id=meeting.id, number=number) if number is not None else None
    if item is None:
        return None, f"There is no item {number} on the agenda of {meeting.title}."
    if item.post_ts is None or item.post_channel is None:
        return None, (
            f"Item {number} is not posted yet: a revised document is published in the item's "
            "thread, so post the item first (`/agenda`)."
        )
    return item, ""


def _unwrap_link(word: str) -> str:
    """A link as typed; Slack may send it already formatted as <url> or <url|label>."""
    if word.startswith("<") and word.endswith(">"):
        return word[1:-1].split("|", 1)[0]
    return word


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
) -> tuple[datetime | None, str]:
    """The final-concerns deadline asked for (or None), and why it cannot be, if it cannot."""
    until = request.until
    if request.until_text is not None:
        try:
            until = parse_moment(request.until_text, ZoneInfo(meeting.timezone))
        except ValueError as exc:
            return None, str(exc)
    if until is None:
        return None, ""
    zone = meeting.timezone
    if until <= now:
        return None, f"{local_time(until, zone)} is in the past; final concerns must close ahead."
    if item.deadline_at is None:
        return None, (
            f"Item {item.number} has no comment deadline, so there is no comment period for a "
            "final-concerns window to follow."
        )
    if until <= item.deadline_at:
        return None, (
            f"Comments on item {item.number} close {local_time(item.deadline_at, zone)}; final "
            "concerns must close after that."
        )
    assert item.id is not None
    if current_decision(session, item_id=item.id) is not None:
        return None, (
            f"Item {item.number} is decided: publish the revision without a final-concerns "
            "deadline."
        )
    running = open_window(revisions, now=now)
    if running is not None and running.concerns_deadline_at is not None:
        return None, (
            f"Final concerns on {running.code} are open until "
            f"{local_time(running.concerns_deadline_at, zone)}: publish this revision without a "
            "deadline, or once that window has closed."
        )
    return until, ""


# -- announcing ---------------------------------------------------------------------------------


def round_key(revision_id: int) -> str:
    return f"revision:{revision_id}"


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


def announce_revision(engine: Engine, out: Outbound, *, revision_id: int, now: datetime) -> int:
    """Post, redraw and tell, each step at most once.  Returns the delegates told now.

    Nothing happens when another process holds the round; a Slack failure releases the round
    (the next heartbeat finishes it) and is logged, not raised.
    """
    with session_scope(engine) as session:
        revision = session.get(RevisedDocument, revision_id)
        item = session.get(AgendaItem, revision.item_id) if revision else None
        meeting = session.get(Meeting, item.meeting_id) if item else None
        if revision is None or item is None or meeting is None or item.post_ts is None:
            return 0
        assert meeting.id is not None and item.post_channel is not None
        notice = revision_notice(meeting, item, revision)
        root = item_message(item_state(session, meeting=meeting, item=item, now=now))
        targets = commenting_delegates(session, item=item)
    base = Due(round_key(revision_id), "revision", meeting.id, item.id, revision.published_at)
    token, held = claim(engine, [base], now=now)
    if not held:
        return 0
    channel, ts = item.post_channel, item.post_ts
    told = 0
    try:
        posted = deliver_in_steps(
            engine,
            base,
            [
                (":thread", partial(out.post, channel, notice, thread_ts=ts)),
                (":root", partial(out.update, channel, ts, root)),
            ],
            now=now,
        )
        if not posted:
            release(engine, [base.key], token=token, error="a step is held elsewhere")
            return 0
        link = out.permalink(channel, ts) if targets else None
        for user_id, delegation in targets:
            message = revision_direct_message(meeting, item, revision, delegation, link)
            told += _tell_once(engine, out, base, user_id, message, now=now)
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        release(engine, [base.key], token=token, error=error)
        log.warning("announcing revision %s failed, will retry: %s", revision_id, error)
        return told
    mark_sent(engine, [base.key], token=token, now=now)
    return told


def _tell_once(
    engine: Engine, out: Outbound, base: Due, user_id: str, message: SlackMessage, *, now: datetime
) -> int:
    key = f"{base.key}:dm:{user_id}"
    token, held = claim(engine, [Due(key, base.kind, base.meeting_id, base.item_id, now)], now=now)
    if not held:
        return 0  # told already (an earlier, interrupted round), or being told
    try:
        out.direct(user_id, message)
    except SlackApiError as exc:
        release(engine, [key], token=token, error=str(exc.response.get("error")))
        raise
    mark_sent(engine, [key], token=token, now=now)
    return 1


def announce_pending(engine: Engine, out: Outbound, *, now: datetime) -> list[str]:
    """The clock's catch-up: finish every announcement a crash or a Slack failure left undone."""
    with session_scope(engine) as session:
        rows = list(
            session.exec(
                select(RevisedDocument.id, AgendaItem.number, Meeting.key)
                .join(AgendaItem, col(AgendaItem.id) == col(RevisedDocument.item_id))
                .join(Meeting, col(Meeting.id) == col(AgendaItem.meeting_id))
                .where(col(AgendaItem.active), col(AgendaItem.post_ts).is_not(None))
            )
        )
        settled = settled_keys(session, keys=[round_key(r or 0) for r, _, _ in rows])
    done: list[str] = []
    for revision_id, number, key in rows:
        assert revision_id is not None
        if round_key(revision_id) in settled:
            continue
        told = announce_revision(engine, out, revision_id=revision_id, now=now)
        done.append(f"{key}: revision on item {number} announced ({told} delegate(s) told)")
    return done
