"""The words of silence procedures and moved deadlines: the notices in the thread and the
channel, objections and adoptions, and the private replies and usage of `/object` and `/extend`
(and of `/approve N silence ...`).

Pure functions of `bot.domain.silence` and `bot.domain.deadlines` outcomes.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.deadlines import ExtendOutcome
from bot.domain.silence import SilenceOutcome
from bot.parse.approve import ExtendRequest, ObjectRequest
from bot.parse.timeparse import format_duration, parse_moment
from bot.views.fit import fallback, message, quote, sections, shorten
from bot.views.messages import SlackMessage, date_token, decision_summary, escape, local_time
from bot.views.refusals import refusal_text
from models import AgendaItem, Decision, Meeting, SilenceProcedure

OBJECT_USAGE = (
    "*How to use /object* (member delegations, during a silence procedure)\n"
    "• `/object 3 Our administration cannot accept paragraph 4 as drafted.`\n"
    "A reason is required; it is posted in the item's thread and breaks the silence."
)

EXTEND_USAGE = (
    "*How to use /extend* (chair or secretariat)\n"
    "• `/extend 3 2020-07-24T17:00` moves item 3's deadline (meeting time zone)\n"
    "• `/extend 3 2020-07-24T17:00+02:00` with an explicit offset\n"
    "Reminders, nudges, closing and late flags follow the new deadline; a closed item reopens."
)


def moment_problem(text: str, timezone: str) -> str:
    """Why `text` is no moment, in the parser's own words (which start with the text quoted).

    The domain only says that the moment could not be read; the explanation is the one the
    meeting-file validator gives too, so it is asked of the parser here.
    """
    try:
        parse_moment(text, ZoneInfo(timezone))
    except ValueError as exc:
        return str(exc)
    return f"`{text}` is not a moment."  # not reached: the domain refused it


# -- notices ------------------------------------------------------------------------------------


CHANNEL_QUOTE = 2_000  # of a procedure's text in the channel notice, updated in place later


def silence_notice(meeting: Meeting, item: AgendaItem, procedure: SilenceProcedure) -> SlackMessage:
    """The channel's notice of a procedure: one message, updated in place as it ends; a long
    text is shortened there (the notice in the item's thread has it whole)."""
    return _silence_notice(meeting, item, procedure, full=False)


def silence_thread_notice(
    meeting: Meeting, item: AgendaItem, procedure: SilenceProcedure
) -> SlackMessage:
    """Posted in the item's thread when the chair starts or ends a procedure: the whole text."""
    return _silence_notice(meeting, item, procedure, full=True)


def _silence_notice(
    meeting: Meeting, item: AgendaItem, procedure: SilenceProcedure, *, full: bool
) -> SlackMessage:
    when = date_token(procedure.deadline_at, meeting.timezone)
    status = {
        "running": f"adopted unless a member delegation objects by {when}.",
        "broken": "silence was broken by an objection.",
        "adopted": "adopted by silence procedure.",
        "cancelled": "the chair ended the procedure.",
    }[procedure.status]
    text = escape(procedure.text)
    if not full:
        text = shorten(text, CHANNEL_QUOTE, "full text in the item's thread")
    body = (
        f":shushing_face: *Silence procedure on item {item.number}: {escape(item.title)}*\n"
        f"{quote(text)}\n"
        f"Status: {status}"
    )
    if procedure.status == "running":
        body += f"\nTo break silence, a member delegate types `/object {item.number} your reason`."
    headline = f"Silence procedure on item {item.number}: {status}"
    if full:
        return message(
            fallback(headline, ""),
            sections(body),
            continued=f"Silence procedure on item {item.number}, continued",
        )
    blocks = sections(body)
    if len(blocks) > 1:  # a very long item title: the channel notice stays one short message
        blocks = sections(shorten(body, 2_900, "full text in the item's thread"))
    return SlackMessage(text=fallback(headline, ""), blocks=blocks)


def objection_notice(
    item: AgendaItem, delegation: str, user_id: str, reason: str, first: bool
) -> SlackMessage:
    """In the item's thread and to the chair and secretariat: the whole reason, quoted."""
    lead = "*Silence broken*" if first else "*Further objection*"
    return message(
        fallback(f"Item {item.number}: {delegation} objects; silence is broken.", ""),
        sections(
            f":no_entry: {lead} on item {item.number}: {escape(delegation)} (<@{user_id}>) "
            f"objects.\n{quote(escape(reason))}"
        ),
        continued=f"Item {item.number}: the objection of {delegation}, continued",
    )


def adoption_notice(meeting: Meeting, item: AgendaItem, decision: Decision) -> SlackMessage:
    """In the item's thread: the decision adopted, its whole text."""
    return message(
        fallback(f"Item {item.number}: adopted by silence procedure. {escape(decision.text)}"),
        sections(decision_summary(decision, meeting.timezone)),
        continued=f"Item {item.number}: the decision, continued",
    )


def extension_notice(
    meeting: Meeting, item: AgendaItem, old: datetime | None, reopened: bool
) -> SlackMessage:
    assert item.deadline_at is not None
    new = date_token(item.deadline_at, meeting.timezone)
    was = f" (was {date_token(old, meeting.timezone)})" if old else ""
    lead = ":unlock: *Comments reopened*" if reopened else ":calendar: *Deadline extended*"
    fallback = local_time(item.deadline_at, meeting.timezone)
    return SlackMessage(
        text=f"Item {item.number}: comments now due by {fallback}.",
        blocks=sections(f"{lead}: comments on item {item.number} are now due by {new}{was}."),
    )


@dataclass(frozen=True)
class SilenceNotices:
    """What a change to a procedure posts: in the item's thread, in the channel (posted new or
    updated in place), and by DM to the outcome's `alert_users`."""

    thread: SlackMessage
    channel: SlackMessage
    alert: SlackMessage | None = None


def silence_notices(outcome: SilenceOutcome) -> SilenceNotices | None:
    """The notices of a started, ended or broken procedure; None when nothing changed."""
    item, procedure = outcome.item, outcome.procedure
    if item is None or procedure is None:
        return None
    channel = silence_notice(outcome.meeting, item, procedure)
    thread = silence_thread_notice(outcome.meeting, item, procedure)
    if outcome.kind == "objected":
        assert outcome.request is not None
        reason = outcome.request.reason
        objection = objection_notice(
            item, outcome.delegation, outcome.user_id, reason, outcome.first
        )
        return SilenceNotices(thread=objection, channel=channel, alert=objection)
    if outcome.kind in ("started", "ended"):
        return SilenceNotices(thread=thread, channel=channel)
    return None


# -- private replies ----------------------------------------------------------------------------


def silence_reply(outcome: SilenceOutcome) -> str:
    """The private answer to `/approve N silence ...` or `/object ...`."""
    meeting, number = outcome.meeting, outcome.number
    timezone = meeting.timezone
    match outcome.kind:
        case "bad_deadline":
            return (
                f"{moment_problem(outcome.until_text, timezone)}\nStart a silence procedure with "
                f"`/approve {number} silence 2020-08-14T17:00 [decision text]`."
            )
        case "too_soon":
            assert outcome.minimum is not None and outcome.earliest is not None
            return (
                f"A silence procedure lasts at least {format_duration(outcome.minimum)} from now: "
                f"choose a deadline from {local_time(outcome.earliest, timezone)} on."
            )
        case "already_running":
            return (
                f"A silence procedure is already running on item {number}. End it first with "
                f"`/approve {number} silence end`."
            )
        case "no_proposal":
            return (
                f"Item {number} has no proposed decision; add the text: "
                f"`/approve {number} silence {outcome.until_text} The PTC ...`"
            )
        case "started":
            assert outcome.procedure is not None
            until = local_time(outcome.procedure.deadline_at, timezone)
            return (
                f"Silence procedure started on item {number}: adopted unless a member delegation "
                f"objects by {until}. The notice is being posted."
            )
        case "not_running":
            return f"No silence procedure is running on item {number}."
        case "ended":
            return f"The silence procedure on item {number} is ended; no decision was recorded."
        case "refused":
            assert outcome.refusal is not None
            return refusal_text(outcome.refusal)
        case "help":
            return OBJECT_USAGE
        case "bad_request":
            assert outcome.request is not None
            return object_parse_error(outcome.request)
        case "no_such_item":
            return f"There is no item {number} on the agenda of {meeting.title}."
        case "too_late":
            assert outcome.procedure is not None
            ended = local_time(outcome.procedure.deadline_at, timezone)
            return (
                f"The silence period on item {number} ended at {ended}; it can no longer be broken."
            )
        case "objected":
            return f"Your objection on item {number} is recorded" + (
                ": silence is broken. The chair and the secretariat are told."
                if outcome.first
                else "."
            )


def object_parse_error(request: ObjectRequest) -> str:
    match request.error:
        case "not_a_number":
            return f"`{request.word}` is not an agenda item number.\n\n{OBJECT_USAGE}"
        case "no_reason":
            return (
                f"Please give the reason for the objection: `/object {request.number} your reason`."
            )
        case None:
            return OBJECT_USAGE


def extend_reply(outcome: ExtendOutcome) -> str:
    """The private answer to `/extend`."""
    meeting, request, item = outcome.meeting, outcome.request, outcome.item
    timezone = meeting.timezone
    match outcome.kind:
        case "refused":
            assert outcome.refusal is not None
            return refusal_text(outcome.refusal)
        case "help":
            return EXTEND_USAGE
        case "bad_request":
            assert request is not None
            return extend_parse_error(request)
        case "no_such_item":
            assert request is not None
            return f"There is no item {request.number} on the agenda of {meeting.title}."
        case "bad_deadline":
            assert request is not None and request.moment is not None
            return f"{moment_problem(request.moment, timezone)}\n\n{EXTEND_USAGE}"
        case "in_the_past":
            assert outcome.deadline is not None
            return (
                f"{local_time(outcome.deadline, timezone)} is in the past; "
                "a deadline must be ahead."
            )
        case "before_opening":
            assert item is not None and item.opens_at is not None
            return (
                f"Item {item.number} opens {local_time(item.opens_at, timezone)}; "
                "the deadline must come after that."
            )
        case "moved":
            assert item is not None and outcome.deadline is not None
            when = local_time(outcome.deadline, timezone)
            if item.post_ts is None:
                return f"Item {item.number} (not posted yet) now closes {when}."
            return f"Item {item.number} now closes {when}" + (
                " and is open for comments again." if outcome.reopened else "."
            )


def extend_parse_error(request: ExtendRequest) -> str:
    match request.error:
        case "not_a_number":
            return f"`{request.word}` is not an agenda item number.\n\n{EXTEND_USAGE}"
        case "no_deadline":
            return f"Give the new deadline after the item number.\n\n{EXTEND_USAGE}"
        case "extra_text":
            return f"Unexpected text after the date: `{request.word}`.\n\n{EXTEND_USAGE}"
        case None:
            return EXTEND_USAGE
