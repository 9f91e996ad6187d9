"""The words of the chair's decisions: the announcement in the item's thread, and the private
replies and usage of `/approve` (its silence replies are bot/views/silence.py's).

Pure functions of `bot.domain.decisions` outcomes.
"""

from bot.domain.decisions import DecisionOutcome
from bot.parse.approve import ApproveRequest
from bot.views.fit import fallback, message, sections, shorten
from bot.views.i18n import N_, _, text_of
from bot.views.labels import decision_label
from bot.views.messages import SlackMessage, date_token, decision_summary, escape
from bot.views.refusals import refusal_text
from bot.views.silence import silence_reply
from models import AgendaItem, Decision, Meeting

APPROVE_USAGE = N_(
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


def approve_usage() -> str:
    """How to use /approve, in the active language."""
    return _(APPROVE_USAGE)


def decision_announcement(
    meeting: Meeting, item: AgendaItem, decision: Decision, superseded: Decision | None
) -> SlackMessage:
    """Posted in the item's thread when the chair decides: the whole text, in as many sections
    and messages as it takes (the root message and the fallback may show it shortened)."""
    label = decision_label(decision.kind)
    lines = [decision_summary(decision, meeting.timezone)]
    if superseded is not None:
        lines.append(
            "_"
            + _(
                "This supersedes the decision of {date}, which stays in the record.",
                date=date_token(superseded.decided_at, meeting.timezone),
            )
            + "_"
        )
    return message(
        fallback(
            _(
                "Item {number}: {outcome}. {text}",
                number=item.number,
                outcome=label,
                text=escape(decision.text),
            ),
            _("full text in the thread"),
        ),
        sections("\n".join(lines)),
        continued=_("Item {number}: the decision, continued", number=item.number),
    )


def superseded_notice(
    meeting: Meeting, item: AgendaItem, superseded: Decision, decision: Decision
) -> str:
    """Told privately to the author of a decision that another one superseded before they could
    see it coming (two submitted at once, or another chair's)."""
    return _(
        "Your decision on item {number} ({outcome}: “{text}”) has been superseded by {chair}'s "
        "decision of {date} ({new_outcome}: “{new_text}”), recorded just after it. Both stay in "
        "the record; the later one is in force. Decide again with `/approve {number}` if that "
        "is not what you meant.",
        number=item.number,
        outcome=decision_label(superseded.kind).lower(),
        text=shorten(escape(superseded.text), 500, _("full text in the thread")),
        date=date_token(decision.decided_at, meeting.timezone),
        chair=f"<@{decision.decided_by}>",
        new_outcome=decision_label(decision.kind).lower(),
        new_text=shorten(escape(decision.text), 1_000, _("full text in the thread")),
    )


def awaiting_list(meeting: Meeting, items: tuple[AgendaItem, ...]) -> str:
    if not items:
        return _(
            "No posted item of {meeting} is awaiting a decision.",
            meeting=text_of(meeting, "title"),
        )
    lines = [
        _(
            "*Items of {meeting} awaiting a decision:*",
            meeting=escape(text_of(meeting, "title")),
        )
    ]
    for item in items:
        title = escape(text_of(item, "title"))
        if item.deadline_at:
            lines.append(
                _(
                    "• {number}: {title} (comments closed {date})",
                    number=item.number,
                    title=title,
                    date=date_token(item.deadline_at, meeting.timezone),
                )
            )
        else:
            lines.append(f"• {item.number}: {title}")
    lines.append(_("Decide with `/approve N [text]`; `/approve help` shows every form."))
    return "\n".join(lines)


def decision_confirmation(item: AgendaItem, decision: Decision, superseded: bool) -> str:
    text = shorten(escape(decision.text), 1_000, _("the full text goes to the thread"))
    recorded = _(
        "Recorded: item {number} {outcome}: “{text}”. It is being posted in the item's thread.",
        number=item.number,
        outcome=decision_label(decision.kind).lower(),
        text=text,
    )
    if superseded:
        recorded += " " + _("It supersedes the earlier decision, which stays in the record.")
    return recorded


def approve_parse_error(request: ApproveRequest) -> str:
    match request.error:
        case "not_a_number":
            problem = _("`{word}` is not an agenda item number.", word=request.word)
        case "no_silence_deadline":
            problem = _(
                "Give the silence deadline: `/approve {number} silence DATETIME`.",
                number=request.word,
            )
        case None:
            return approve_usage()
    return f"{problem}\n\n{approve_usage()}"


def decision_reply(outcome: DecisionOutcome) -> str:
    """The private answer to `/approve` (and the decision form's refusal).

    "form" has none: the form opens instead.
    """
    meeting, request, item = outcome.meeting, outcome.request, outcome.item
    match outcome.kind:
        case "help":
            return approve_usage()
        case "refused":
            assert outcome.refusal is not None
            return refusal_text(outcome.refusal)
        case "bad_request":
            return approve_parse_error(request)
        case "list":
            return awaiting_list(meeting, outcome.awaiting)
        case "no_such_item":
            numbers = ", ".join(str(n) for n in outcome.numbers)
            no_item = _(
                "There is no item {number} on the agenda of {meeting}. Items: {numbers}.",
                number=request.number,
                meeting=text_of(meeting, "title"),
                numbers=numbers,
            )
            return f"{no_item}\n\n{approve_usage()}"
        case "not_posted":
            assert item is not None
            return _(
                "Item {number} has not been posted to the channel yet, so delegations have not "
                "had the chance to comment. Post it first (`python -m bot post {number}`).",
                number=item.number,
            )
        case "form":
            return ""
        case "silence":
            assert outcome.silence is not None
            return silence_reply(outcome.silence)
        case "no_proposal":
            assert item is not None
            return _(
                "Item {number} has no proposed decision in the meeting file; "
                "write the decision: `/approve {number} The PTC ...`",
                number=item.number,
            )
        case "decided":
            assert item is not None and outcome.decision is not None
            return decision_confirmation(item, outcome.decision, outcome.superseded is not None)
