"""Block Kit for the interactive surfaces: the decision form and the private agenda.

Pure builders, like bot/views.py: domain objects in, view or blocks out.
"""

import json
from typing import Any

from babel.numbers import format_decimal

from bot.domain.items import PostOutcome
from bot.views.fit import INPUT_LIMIT, plain, shorten
from bot.views.i18n import N_, _, active_language, text_of
from bot.views.labels import DECISION_LABELS, decision_label
from bot.views.messages import OPEN_DECISION_FORM, date_token, escape
from models import DECISION_KINDS, AgendaItem, Decision, DecisionKind, Meeting

DECISION_FORM = "decide_item"  # the modal's callback_id
OUTCOME_BLOCK, OUTCOME_ACTION = "outcome", "outcome_choice"
TEXT_BLOCK, TEXT_ACTION = "decision_text", "decision_text_input"
POST_ITEM, ANNOUNCE_ITEM = "agenda_post_item", "agenda_announce_item"
OPEN_FORM = OPEN_DECISION_FORM  # the button on an item's root message (drawn in bot/views.py)
# What the decision form says under a field it cannot take (marked here, translated where read:
# `_(CHOOSE_OUTCOME)` in the reader's language).
CHOOSE_OUTCOME = N_("Choose an outcome.")
WRITE_DECISION = N_("Write the decision to record.")
FORM_OUT_OF_DATE = N_("This form is out of date.")
REFUSAL_LIMIT = 300  # a refusal shown under the form's text field is cut to this


def decision_form(meeting: Meeting, item: AgendaItem) -> dict[str, Any]:
    """The chair's decision on one item, prefilled with the proposed decision.

    Slack's text field holds at most 3,000 characters, and so does what it is prefilled with:
    a longer proposal is not prefilled, and the form says so under the field.
    """
    options = [{"text": plain(_(label)), "value": kind} for kind, label in DECISION_LABELS.items()]
    proposal = text_of(item, "proposal")
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": TEXT_ACTION,
        "multiline": True,
        "max_length": INPUT_LIMIT,
    }
    if proposal and len(proposal) <= INPUT_LIMIT:
        element["initial_value"] = proposal
    about = _("*Item {number}: {title}*", number=item.number, title=escape(text_of(item, "title")))
    about = f"{about}\n{escape(text_of(meeting, 'title'))}"
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": shorten(about, 2_900, _("in full on the item"))},
        },
        {
            "type": "input",
            "block_id": OUTCOME_BLOCK,
            "label": plain(_("Outcome")),
            "element": {
                "type": "radio_buttons",
                "action_id": OUTCOME_ACTION,
                "options": options,
                "initial_option": options[0],
            },
        },
        {
            "type": "input",
            "block_id": TEXT_BLOCK,
            "label": plain(_("Decision")),
            "element": element,
            "hint": plain(_("Recorded as written; a later decision supersedes it.")),
        },
    ]
    if len(proposal) > INPUT_LIMIT:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": long_proposal_note(item, proposal)}],
            }
        )
    return {
        "type": "modal",
        "callback_id": DECISION_FORM,
        "private_metadata": json.dumps({"meeting_id": meeting.id, "number": item.number}),
        "title": plain(_("Record a decision"), 24),
        "submit": plain(_("Record"), 24),
        "close": plain(_("Cancel"), 24),
        "blocks": blocks,
    }


def long_proposal_note(item: AgendaItem, proposal: str | None = None) -> str:
    """Under the decision form's field when the proposal (the one the form shows: `proposal`,
    else the item's) is longer than the field holds."""
    length = len(item.proposal or "" if proposal is None else proposal)
    return _(
        ":warning: The proposed decision has {length} characters, more than this field holds "
        "({limit}), so it is not filled in. Write the decision here, or record it with its "
        "full wording: `/approve {number} The PTC …`. The proposal is in full on the item's "
        "message, or in its thread when very long.",
        length=format_decimal(length, locale=active_language()),
        limit=format_decimal(INPUT_LIMIT, locale=active_language()),
        number=item.number,
    )


def read_decision_form(
    view: dict[str, Any],
) -> tuple[int | None, int | None, DecisionKind | None, str]:
    """(meeting id, item number, outcome, text) from a submitted decision form; the outcome is
    None unless it is one the form offers."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    values = (view.get("state") or {}).get("values") or {}
    chosen = ((values.get(OUTCOME_BLOCK) or {}).get(OUTCOME_ACTION) or {}).get("selected_option")
    value = (chosen or {}).get("value", "")
    outcome = next((kind for kind in DECISION_KINDS if kind == value), None)
    text = ((values.get(TEXT_BLOCK) or {}).get(TEXT_ACTION) or {}).get("value") or ""
    return meta.get("meeting_id"), meta.get("number"), outcome, text.strip()


def agenda_blocks(
    meeting: Meeting,
    items: list[AgendaItem],
    decisions: dict[int, Decision],
    *,
    now_ts: float,
    can_post: bool,
) -> list[dict[str, Any]]:
    """The agenda, privately: each item's status and deadline; posting buttons for the
    secretariat."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": plain(_("Agenda: {meeting}", meeting=text_of(meeting, "title"))),
        },
    ]
    for item in items[:45]:  # Slack allows 50 blocks in a message
        decision = decisions.get(item.id or 0)
        if decision is not None:
            status = _("decided: {outcome}", outcome=decision_label(decision.kind).lower())
        elif item.post_ts is None and item.opens_at:
            opens = date_token(item.opens_at, meeting.timezone)
            status = _("not posted yet, opens {moment}", moment=opens)
        elif item.post_ts is None:
            status = _("not posted yet")
        elif item.deadline_at is not None and item.deadline_at.timestamp() <= now_ts:
            status = _("comments closed, awaiting the chair")
        else:
            status = _("open for comments")
        deadline = (
            " · "
            + _("deadline {deadline}", deadline=date_token(item.deadline_at, meeting.timezone))
            if item.deadline_at
            else ""
        )
        # A section holds 3,000 characters.
        title = shorten(escape(text_of(item, "title")), 2_500)
        block: dict[str, Any] = {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{item.number}. {title}*\n{status}{deadline}"},
        }
        if can_post:
            action = POST_ITEM if item.post_ts is None else ANNOUNCE_ITEM
            label = _("Post now") if item.post_ts is None else _("Post again")
            block["accessory"] = {
                "type": "button",
                "action_id": action,
                "text": plain(label),
                "value": json.dumps({"meeting_id": meeting.id, "number": item.number}),
            }
        blocks.append(block)
    if len(items) > 45:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": _("… and {count} more", count=len(items) - 45)}
                ],
            }
        )
    return blocks


def announcement(item: AgendaItem, permalink: str | None, *, closed: bool) -> str:
    """Posting an item again points at its one thread, so comments stay in one place (a channel
    post: the caller renders it in every meeting language)."""
    where = _("its thread")
    if permalink:
        where = f"<{permalink}|{where}>"
    values = {"number": item.number, "title": escape(text_of(item, "title")), "where": where}
    if closed:
        return _(":pushpin: Item {number}: {title}. Comments are closed ({where}).", **values)
    return _(":pushpin: Item {number}: {title} is open for comments: reply in {where}.", **values)


def agenda_text(meeting: Meeting) -> str:
    """The private agenda's fallback text."""
    return _("Agenda of {meeting}", meeting=text_of(meeting, "title"))


# The private notes under the agenda after a posting button (the secretariat's); translated
# where read, `_(NOT_POSTED_YET)`.
NOT_POSTED_YET = N_("That item is not posted yet.")

POST_OUTCOMES: dict[str, str] = {
    "posted": N_("posted"),
    "already_posted": N_("already posted"),
    "not_open": N_("not open"),
    "claimed_elsewhere": N_("claimed elsewhere"),
    "failed": N_("failed"),
    "unknown": N_("unknown"),
}


def post_result_note(number: int, outcome: PostOutcome, detail: str) -> str:
    """What "Post now" did: `outcome` is bot.clock.posting's (posted, not_open, failed...);
    `detail` is the posting's own (a message ts, Slack's error), as the command line prints it."""
    said = _(POST_OUTCOMES[outcome]) if outcome in POST_OUTCOMES else outcome.replace("_", " ")
    return _("Item {number}: {outcome} {detail}", number=number, outcome=said, detail=detail)


def posted_again_note(number: int) -> str:
    return _("Item {number} posted again.", number=number)
