"""The words of the chair's decisions: the announcement in the item's thread, and the private
replies and usage of `/approve` (its silence replies are bot/views/silence.py's).

Pure functions of `bot.domain.decisions` outcomes.
"""

from bot.domain.decisions import DecisionOutcome
from bot.parse.approve import ApproveRequest
from bot.views.fit import fallback, message, sections, shorten
from bot.views.labels import decision_label
from bot.views.messages import SlackMessage, date_token, decision_summary, escape
from bot.views.refusals import refusal_text
from bot.views.silence import silence_reply
from models import AgendaItem, Decision, Meeting

APPROVE_USAGE = (
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


def decision_announcement(
    meeting: Meeting, item: AgendaItem, decision: Decision, superseded: Decision | None
) -> SlackMessage:
    """Posted in the item's thread when the chair decides: the whole text, in as many sections
    and messages as it takes (the root message and the fallback may show it shortened)."""
    label = decision_label(decision.kind)
    lines = [decision_summary(decision, meeting.timezone)]
    if superseded is not None:
        lines.append(
            f"_This supersedes the decision of "
            f"{date_token(superseded.decided_at, meeting.timezone)}, which stays in the record._"
        )
    return message(
        fallback(f"Item {item.number}: {label}. {escape(decision.text)}"),
        sections("\n".join(lines)),
        continued=f"Item {item.number}: the decision, continued",
    )


def awaiting_list(meeting: Meeting, items: tuple[AgendaItem, ...]) -> str:
    if not items:
        return f"No posted item of {meeting.title} is awaiting a decision."
    lines = [f"*Items of {escape(meeting.title)} awaiting a decision:*"]
    for item in items:
        deadline = (
            f" (comments closed {date_token(item.deadline_at, meeting.timezone)})"
            if item.deadline_at
            else ""
        )
        lines.append(f"• {item.number}: {escape(item.title)}{deadline}")
    lines.append("Decide with `/approve N [text]`; `/approve help` shows every form.")
    return "\n".join(lines)


def decision_confirmation(item: AgendaItem, decision: Decision, superseded: bool) -> str:
    label = decision_label(decision.kind)
    extra = " It supersedes the earlier decision, which stays in the record." if superseded else ""
    return (
        f"Recorded: item {item.number} {label.lower()}: "
        f"“{shorten(escape(decision.text), 1_000, 'the full text goes to the thread')}”. "
        f"It is being posted in the item's thread.{extra}"
    )


def approve_parse_error(request: ApproveRequest) -> str:
    match request.error:
        case "not_a_number":
            problem = f"`{request.word}` is not an agenda item number."
        case "no_silence_deadline":
            problem = f"Give the silence deadline: `/approve {request.word} silence DATETIME`."
        case None:
            return APPROVE_USAGE
    return f"{problem}\n\n{APPROVE_USAGE}"


def decision_reply(outcome: DecisionOutcome) -> str:
    """The private answer to `/approve` (and the decision form's refusal).

    "form" has none: the form opens instead.
    """
    meeting, request, item = outcome.meeting, outcome.request, outcome.item
    match outcome.kind:
        case "help":
            return APPROVE_USAGE
        case "refused":
            assert outcome.refusal is not None
            return refusal_text(outcome.refusal)
        case "bad_request":
            return approve_parse_error(request)
        case "list":
            return awaiting_list(meeting, outcome.awaiting)
        case "no_such_item":
            numbers = ", ".join(str(n) for n in outcome.numbers)
            return (
                f"There is no item {request.number} on the agenda of {meeting.title}. "
                f"Items: {numbers}.\n\n{APPROVE_USAGE}"
            )
        case "not_posted":
            assert item is not None
            return (
                f"Item {item.number} has not been posted to the channel yet, so delegations have "
                "not had the chance to comment. Post it first (`python -m bot post "
                f"{item.number}`)."
            )
        case "form":
            return ""
        case "silence":
            assert outcome.silence is not None
            return silence_reply(outcome.silence)
        case "no_proposal":
            assert item is not None
            return (
                f"Item {item.number} has no proposed decision in the meeting file; "
                f"write the decision: `/approve {item.number} The PTC ...`"
            )
        case "decided":
            assert item is not None and outcome.decision is not None
            return decision_confirmation(item, outcome.decision, outcome.superseded is not None)
