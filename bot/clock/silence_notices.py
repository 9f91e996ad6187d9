"""A silence procedure's news after a person's request, as a claimed delivery like a decision's.

When the chair starts or ends a procedure (`/approve N silence ...`) or a member delegate breaks
it (`/object N reason`), the request's transaction schedules one delivery
(`schedule_silence_notice`), named by the procedure and the event, and the request sends it after
its acknowledgement (handlers/outbound.py).  It is made in steps (bot/clock/claims.py,
`deliver_in_steps`): the notice in the item's thread, the channel notice (posted the first time
and its ts recorded, else updated in place), the direct messages to those told of an objection,
then the item's root redrawn.  The channel notice and the root are rendered from the database
when their step is sent, so they show the procedure as it stands, not as it stood at the
request.  If the sender dies, the clock sends what it left once the claim timeout has passed
(`deliver_pending_silence_notices`); a channel post whose answer was lost is found in the channel
or the thread by its metadata rather than made twice.

Keys: `silence_notice:<procedure id>:<event>`, the event being `start`, `end`, `break<objection
id>` (the objection that broke the silence) or `object<objection id>` (a further one).  The clock's
adoption of a procedure is another delivery, of kind "silence" and keys `silence:<procedure
id>...` (bot/clock/silence.py): the two never share a key.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.clock.claims import (
    Due,
    StepsOutcome,
    deliver_in_steps,
    finish_unfinished,
    schedule,
    skip,
)
from bot.clock.posting import redraw_root
from bot.core.db import session_scope
from bot.domain.languages import languages_of, meeting_languages
from bot.domain.silence import SilenceOutcome, record_notice, told_of_objections
from bot.slack.api import Outbound
from bot.views.i18n import in_languages, speaking
from bot.views.messages import SlackMessage
from bot.views.silence import objection_notice, silence_notice, silence_thread_notice
from models import AgendaItem, Delegation, Delivery, Meeting, Objection, SilenceProcedure

log = logging.getLogger(__name__)

KIND = "silence_notice"
ROOT = ":root"  # the last step: once it is settled, the delivery is finished
# The status a start or an end notice tells of in the thread, whatever came after it.
_EVENT_STATUS = {"start": "running", "end": "cancelled"}


def notice_key(procedure_id: int, event: str) -> str:
    return f"{KIND}:{procedure_id}:{event}"


def _event(outcome: SilenceOutcome) -> str | None:
    """What the outcome tells of, as named in the key; None when it changed nothing."""
    if outcome.kind == "started":
        return "start"
    if outcome.kind == "ended":
        return "end"
    if outcome.kind == "objected" and outcome.objection is not None:
        return f"{'break' if outcome.first else 'object'}{outcome.objection.id}"
    return None


def schedule_silence_notice(
    session: Session, outcome: SilenceOutcome, *, now: datetime
) -> str | None:
    """In the request's transaction: the procedure's news is owed from now on.  Returns the
    delivery's key for the sender after the acknowledgement, or None when there is nothing to
    post (no change, or the item is not in the channel yet: its root will show the procedure
    when it is posted)."""
    event, item, procedure = _event(outcome), outcome.item, outcome.procedure
    if event is None or item is None or procedure is None or procedure.id is None:
        return None
    if item.post_ts is None:
        return None
    key = notice_key(procedure.id, event)
    schedule(session, Due(key, KIND, item.meeting_id, item.id, now))
    return key


@dataclass(frozen=True)
class _Notice:
    """What one delivery posts, read from the database when it is sent."""

    due: Due
    procedure_id: int
    item_id: int
    start: bool  # the start posts the channel notice when there is none yet
    channel: str  # the meeting's channel, for a channel notice posted new
    thread: tuple[str, str]  # the item's root: channel and ts
    in_thread: SlackMessage
    alerts: dict[str, SlackMessage]  # user id -> the direct message, in their language


def deliver_silence_notice(
    engine: Engine, out: Outbound, key: str, *, now: datetime
) -> StepsOutcome | None:
    """Send the delivery `key` names (what is left of it); None when there is nothing to post,
    and the delivery is then settled as skipped so the clock forgets it."""
    due = _scheduled(engine, key)
    if due is None:  # never scheduled
        return None
    notice = _read(engine, due)
    if notice is None:
        gone = [due, replace(due, key=key + ROOT)]
        skip(engine, gone, now=now, reason="nothing to post: the item or objection is gone")
        return None
    channel, ts = notice.thread

    def in_thread() -> None:
        for part in notice.in_thread.parts():
            out.post(channel, part, thread_ts=ts)

    steps: list[tuple[str, Callable[[], object]]] = [
        ("", in_thread),
        (":notice", partial(_channel_notice, engine, out, notice)),
        *((f":alert:{user}", partial(_alert, out, user, m)) for user, m in notice.alerts.items()),
        (ROOT, partial(redraw_root, engine, out, notice.item_id, now=now)),
    ]
    return deliver_in_steps(engine, notice.due, steps, now=now)


def _scheduled(engine: Engine, key: str) -> Due | None:
    with session_scope(engine, read_only=True) as session:
        row = session.exec(select(Delivery).where(Delivery.key == key)).first()
        return Due(key, KIND, row.meeting_id, row.item_id, row.due_at) if row else None


def _read(engine: Engine, due: Due) -> _Notice | None:
    procedure_id_text, event = due.key.removeprefix(f"{KIND}:").split(":", 1)
    procedure_id = int(procedure_id_text)
    with session_scope(engine, read_only=True) as session:
        procedure = session.get(SilenceProcedure, procedure_id)
        item = session.get(AgendaItem, procedure.item_id) if procedure else None
        meeting = session.get(Meeting, item.meeting_id) if item else None
        if procedure is None or item is None or meeting is None or item.id is None:
            return None
        if item.post_ts is None or item.post_channel is None:
            return None
        objected = _objection_of(event)
        if objected is None:
            # The thread tells what happened at this event, whatever became of it since.
            told = SilenceProcedure(**procedure.model_dump())
            told.status = _EVENT_STATUS[event]
            thread = in_languages(
                meeting_languages(meeting), partial(silence_thread_notice, meeting, item, told)
            )
            alerts: dict[str, SlackMessage] = {}
        else:
            first, objection_id = objected
            objection = session.get(Objection, objection_id)
            if objection is None:
                return None
            render = _objection_render(session, item, objection, first=first)
            thread = in_languages(meeting_languages(meeting), render)
            alerts = _alerts(session, meeting, render)
        return _Notice(
            due,
            procedure_id,
            item.id,
            start=event == "start",
            channel=meeting.channel or item.post_channel,
            thread=(item.post_channel, item.post_ts),
            in_thread=thread,
            alerts=alerts,
        )


def _objection_of(event: str) -> tuple[bool, int] | None:
    """An objection's event: whether it broke the silence, and the objection's id."""
    for prefix, first in (("break", True), ("object", False)):
        if event.startswith(prefix):
            return first, int(event.removeprefix(prefix))
    return None


def _objection_render(
    session: Session, item: AgendaItem, objection: Objection, *, first: bool
) -> Callable[[], SlackMessage]:
    delegation = (
        session.get(Delegation, objection.delegation_id) if objection.delegation_id else None
    )
    name = delegation.name if delegation else objection.user_id
    return partial(objection_notice, item, name, objection.user_id, objection.reason, first)


def _alerts(
    session: Session, meeting: Meeting, render: Callable[[], SlackMessage]
) -> dict[str, SlackMessage]:
    """The objection to each person told of it, in the language they read the meeting in."""
    assert meeting.id is not None
    users = list(told_of_objections(session, meeting_id=meeting.id))
    languages = languages_of(session, meeting=meeting, user_ids=users) if users else {}
    main = meeting_languages(meeting)[0]
    alerts: dict[str, SlackMessage] = {}
    for user in users:
        with speaking(languages.get(user, main)):
            alerts[user] = render()
    return alerts


def _channel_notice(engine: Engine, out: Outbound, notice: _Notice) -> None:
    """The procedure's one channel notice, as the record stands now: updated in place when it
    exists; posted, and its ts recorded, by the start; else nothing (never posted, as before)."""
    with session_scope(engine, read_only=True) as session:
        procedure = session.get(SilenceProcedure, notice.procedure_id)
        item = session.get(AgendaItem, notice.item_id)
        meeting = session.get(Meeting, item.meeting_id) if item else None
        assert procedure is not None and item is not None and meeting is not None
        message = in_languages(
            meeting_languages(meeting), partial(silence_notice, meeting, item, procedure)
        )
        channel, ts = procedure.notice_channel, procedure.notice_ts
    if channel and ts:
        out.update(channel, ts, message)
        return
    if not notice.start:
        return
    # Found in the channel by its metadata instead of posted again when the claim was retaken.
    posted = out.post(notice.channel, message)
    with session_scope(engine) as session:
        record_notice(session, procedure_id=notice.procedure_id, channel=notice.channel, ts=posted)


def _alert(out: Outbound, user: str, message: SlackMessage) -> None:
    # A direct message: not looked for after a crash (bot/clock/claims.py).
    for part in message.parts():
        out.post(user, part)


def deliver_pending_silence_notices(engine: Engine, out: Outbound, *, now: datetime) -> list[str]:
    """The clock's share: silence notices a sender left unfinished (it died, or its Slack call
    failed) once the claim timeout has passed since the request."""
    finished = finish_unfinished(
        engine,
        kind=KIND,
        now=now,
        send=lambda key: deliver_silence_notice(engine, out, key, now=now) == "finished",
        last_step=ROOT,
        # The delivery's own row, `silence_notice:<procedure>:<event>`; its steps' rows add a
        # suffix.
        scheduled=lambda key: key.count(":") == 2,
    )
    return [f"silence notice {key} sent" for key in finished]
