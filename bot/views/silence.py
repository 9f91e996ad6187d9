"""The words of silence procedures and moved deadlines: the notices in the thread and the
channel, objections and adoptions, and the private replies and usage of `/object` and `/extend`
(and of `/approve N silence ...`).

Pure functions of `bot.domain.silence` and `bot.domain.deadlines` outcomes.
"""

from datetime import datetime

from bot.domain.deadlines import ExtendOutcome
from bot.domain.silence import SilenceOutcome
from bot.parse.approve import ExtendRequest, ObjectRequest
from bot.parse.timeparse import format_duration
from bot.views.fit import fallback, message, quote, sections, shorten
from bot.views.i18n import N_, _, languages_sharing, text_of
from bot.views.messages import SlackMessage, date_token, decision_summary, escape, local_time
from bot.views.moments import moment_problem
from bot.views.refusals import refusal_text
from models import AgendaItem, Decision, Meeting, SilenceProcedure

OBJECT_USAGE = N_(
    "*How to use /object* (member delegations, during a silence procedure)\n"
    "• `/object 3 Our administration cannot accept paragraph 4 as drafted.`\n"
    "A reason is required; it is posted in the item's thread and breaks the silence."
)

EXTEND_USAGE = N_(
    "*How to use /extend* (chair or secretariat)\n"
    "• `/extend 3 2020-07-24T17:00` moves item 3's deadline (meeting time zone)\n"
    "• `/extend 3 2020-07-24T17:00+02:00` with an explicit offset\n"
    "Reminders, nudges, closing and late flags follow the new deadline; a closed item reopens."
)


def object_usage() -> str:
    """How to use /object, in the active language."""
    return _(OBJECT_USAGE)


def extend_usage() -> str:
    """How to use /extend, in the active language."""
    return _(EXTEND_USAGE)


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
    match procedure.status:
        case "running":
            status = _("adopted unless a member delegation objects by {date}.", date=when)
        case "broken":
            status = _("silence was broken by an objection.")
        case "adopted":
            status = _("adopted by silence procedure.")
        case _:  # "cancelled"
            status = _("the chair ended the procedure.")
    text = escape(procedure.text)
    where = _("full text in the item's thread")
    share = max(1, languages_sharing())
    if not full:
        text = shorten(text, CHANNEL_QUOTE // share, where)
    heading = _(
        "*Silence procedure on item {number}: {title}*",
        number=item.number,
        title=escape(text_of(item, "title")),
    )
    body = f":shushing_face: {heading}\n{quote(text)}\n" + _("Status: {status}", status=status)
    if procedure.status == "running":
        body += "\n" + _(
            "To break silence, a member delegate types `/object {number} your reason`.",
            number=item.number,
        )
    headline = _("Silence procedure on item {number}: {status}", number=item.number, status=status)
    if full:
        return message(
            fallback(headline, ""),
            sections(body),
            continued=_("Silence procedure on item {number}, continued", number=item.number),
        )
    blocks = sections(body)
    if len(blocks) > 1:  # a very long item title: the channel notice stays one short message
        blocks = sections(shorten(body, 2_900 // share, where))
    return SlackMessage(text=fallback(headline, ""), blocks=blocks)


def objection_notice(
    item: AgendaItem, delegation: str, user_id: str, reason: str, first: bool
) -> SlackMessage:
    """In the item's thread and to the chair and secretariat: the whole reason, quoted."""
    lead = _("*Silence broken*") if first else _("*Further objection*")
    person = f"<@{user_id}>"
    objects = _(
        "{lead} on item {number}: {delegation} ({person}) objects.",
        lead=lead,
        number=item.number,
        delegation=escape(delegation),
        person=person,
    )
    return message(
        fallback(
            _(
                "Item {number}: {delegation} objects; silence is broken.",
                number=item.number,
                delegation=delegation,
            ),
            "",
        ),
        sections(f":no_entry: {objects}\n{quote(escape(reason))}"),
        continued=_(
            "Item {number}: the objection of {delegation}, continued",
            number=item.number,
            delegation=delegation,
        ),
    )


def adoption_notice(meeting: Meeting, item: AgendaItem, decision: Decision) -> SlackMessage:
    """In the item's thread: the decision adopted, its whole text."""
    return message(
        fallback(
            _(
                "Item {number}: adopted by silence procedure. {text}",
                number=item.number,
                text=escape(decision.text),
            ),
            _("full text in the thread"),
        ),
        sections(decision_summary(decision, meeting.timezone)),
        continued=_("Item {number}: the decision, continued", number=item.number),
    )


def extension_notice(
    meeting: Meeting, item: AgendaItem, old: datetime | None, reopened: bool
) -> SlackMessage:
    assert item.deadline_at is not None
    new = date_token(item.deadline_at, meeting.timezone)
    if reopened:
        lead = ":unlock: " + _("*Comments reopened*")
    else:
        lead = ":calendar: " + _("*Deadline extended*")
    if old:
        body = _(
            "{lead}: comments on item {number} are now due by {date} (was {before}).",
            lead=lead,
            number=item.number,
            date=new,
            before=date_token(old, meeting.timezone),
        )
    else:
        body = _(
            "{lead}: comments on item {number} are now due by {date}.",
            lead=lead,
            number=item.number,
            date=new,
        )
    return SlackMessage(
        text=_(
            "Item {number}: comments now due by {date}.",
            number=item.number,
            date=local_time(item.deadline_at, meeting.timezone),
        ),
        blocks=sections(body),
    )


# -- private replies ----------------------------------------------------------------------------


def silence_reply(outcome: SilenceOutcome) -> str:
    """The private answer to `/approve N silence ...` or `/object ...`."""
    meeting, number = outcome.meeting, outcome.number
    timezone = meeting.timezone
    match outcome.kind:
        case "bad_deadline":
            return (
                moment_problem(outcome.until_text, timezone)
                + "\n"
                + _(
                    "Start a silence procedure with "
                    "`/approve {number} silence 2020-08-14T17:00 [decision text]`.",
                    number=number,
                )
            )
        case "too_soon":
            assert outcome.minimum is not None and outcome.earliest is not None
            return _(
                "A silence procedure lasts at least {duration} from now: choose a deadline from "
                "{date} on.",
                duration=format_duration(outcome.minimum),
                date=local_time(outcome.earliest, timezone),
            )
        case "already_running":
            return _(
                "A silence procedure is already running on item {number}. End it first with "
                "`/approve {number} silence end`.",
                number=number,
            )
        case "no_proposal":
            return _(
                "Item {number} has no proposed decision; add the text: "
                "`/approve {number} silence {deadline} The PTC ...`",
                number=number,
                deadline=outcome.until_text,
            )
        case "started":
            assert outcome.procedure is not None
            return _(
                "Silence procedure started on item {number}: adopted unless a member delegation "
                "objects by {date}. The notice is being posted.",
                number=number,
                date=local_time(outcome.procedure.deadline_at, timezone),
            )
        case "not_running":
            return _("No silence procedure is running on item {number}.", number=number)
        case "ended":
            return _(
                "The silence procedure on item {number} is ended; no decision was recorded.",
                number=number,
            )
        case "refused":
            assert outcome.refusal is not None
            return refusal_text(outcome.refusal)
        case "help":
            return object_usage()
        case "bad_request":
            assert outcome.request is not None
            return object_parse_error(outcome.request)
        case "no_such_item":
            return _(
                "There is no item {number} on the agenda of {meeting}.",
                number=number,
                meeting=text_of(meeting, "title"),
            )
        case "too_late":
            assert outcome.procedure is not None
            return _(
                "The silence period on item {number} ended at {date}; it can no longer be broken.",
                number=number,
                date=local_time(outcome.procedure.deadline_at, timezone),
            )
        case "objected":
            if outcome.first:
                return _(
                    "Your objection on item {number} is recorded: silence is broken. The chair "
                    "and the secretariat are told.",
                    number=number,
                )
            return _("Your objection on item {number} is recorded.", number=number)


def object_parse_error(request: ObjectRequest) -> str:
    match request.error:
        case "not_a_number":
            problem = _("`{word}` is not an agenda item number.", word=request.word)
            return f"{problem}\n\n{object_usage()}"
        case "no_reason":
            return _(
                "Please give the reason for the objection: `/object {number} your reason`.",
                number=request.number,
            )
        case None:
            return object_usage()


def extend_reply(outcome: ExtendOutcome) -> str:
    """The private answer to `/extend`."""
    meeting, request, item = outcome.meeting, outcome.request, outcome.item
    timezone = meeting.timezone
    match outcome.kind:
        case "refused":
            assert outcome.refusal is not None
            return refusal_text(outcome.refusal)
        case "help":
            return extend_usage()
        case "bad_request":
            assert request is not None
            return extend_parse_error(request)
        case "no_such_item":
            assert request is not None
            return _(
                "There is no item {number} on the agenda of {meeting}.",
                number=request.number,
                meeting=text_of(meeting, "title"),
            )
        case "bad_deadline":
            assert request is not None and request.moment is not None
            return f"{moment_problem(request.moment, timezone)}\n\n{extend_usage()}"
        case "in_the_past":
            assert outcome.deadline is not None
            return _(
                "{date} is in the past; a deadline must be ahead.",
                date=local_time(outcome.deadline, timezone),
            )
        case "before_opening":
            assert item is not None and item.opens_at is not None
            return _(
                "Item {number} opens {date}; the deadline must come after that.",
                number=item.number,
                date=local_time(item.opens_at, timezone),
            )
        case "moved":
            assert item is not None and outcome.deadline is not None
            when = local_time(outcome.deadline, timezone)
            if item.post_ts is None:
                return _(
                    "Item {number} (not posted yet) now closes {date}.",
                    number=item.number,
                    date=when,
                )
            if outcome.reopened:
                return _(
                    "Item {number} now closes {date} and is open for comments again.",
                    number=item.number,
                    date=when,
                )
            return _("Item {number} now closes {date}.", number=item.number, date=when)


def extend_parse_error(request: ExtendRequest) -> str:
    match request.error:
        case "not_a_number":
            problem = _("`{word}` is not an agenda item number.", word=request.word)
        case "no_deadline":
            problem = _("Give the new deadline after the item number.")
        case "extra_text":
            problem = _("Unexpected text after the date: `{word}`.", word=request.word)
        case None:
            return extend_usage()
    return f"{problem}\n\n{extend_usage()}"
