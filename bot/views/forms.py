"""Block Kit for the interactive surfaces: the decision form and the private agenda.

Pure builders, like bot/views.py: domain objects in, view or blocks out.
"""

import json
from typing import Any

from bot.domain.items import PostOutcome
from bot.views.fit import INPUT_LIMIT, plain, shorten
from bot.views.labels import DECISION_LABELS, decision_label
from bot.views.messages import OPEN_DECISION_FORM, date_token, escape
from models import DECISION_KINDS, AgendaItem, Decision, DecisionKind, Meeting

DECISION_FORM = "decide_item"  # the modal's callback_id
OUTCOME_BLOCK, OUTCOME_ACTION = "outcome", "outcome_choice"
TEXT_BLOCK, TEXT_ACTION = "decision_text", "decision_text_input"
POST_ITEM, ANNOUNCE_ITEM = "agenda_post_item", "agenda_announce_item"
OPEN_FORM = OPEN_DECISION_FORM  # the button on an item's root message (drawn in bot/views.py)
# What the decision form says under a field it cannot take.
CHOOSE_OUTCOME = "Choose an outcome."
WRITE_DECISION = "Write the decision to record."
FORM_OUT_OF_DATE = "This form is out of date."
REFUSAL_LIMIT = 300  # a refusal shown under the form's text field is cut to this


def decision_form(meeting: Meeting, item: AgendaItem) -> dict[str, Any]:
    """The chair's decision on one item, prefilled with the proposed decision.

    Slack's text field holds at most 3,000 characters, and so does what it is prefilled with:
    a longer proposal is not prefilled, and the form says so under the field.
    """
    options = [{"text": plain(label), "value": kind} for kind, label in DECISION_LABELS.items()]
    proposal = item.proposal or ""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": TEXT_ACTION,
        "multiline": True,
        "max_length": INPUT_LIMIT,
    }
    if proposal and len(proposal) <= INPUT_LIMIT:
        element["initial_value"] = proposal
    about = f"*Item {item.number}: {escape(item.title)}*\n{escape(meeting.title)}"
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": shorten(about, 2_900, "in full on the item")},
        },
        {
            "type": "input",
            "block_id": OUTCOME_BLOCK,
            "label": plain("Outcome"),
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
            "label": plain("Decision"),
            "element": element,
            "hint": plain("Recorded as written; a later decision supersedes it."),
        },
    ]
    if len(proposal) > INPUT_LIMIT:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": long_proposal_note(item)}],
            }
        )
    return {
        "type": "modal",
        "callback_id": DECISION_FORM,
        "private_metadata": json.dumps({"meeting_id": meeting.id, "number": item.number}),
        "title": plain("Record a decision"),
        "submit": plain("Record"),
        "close": plain("Cancel"),
        "blocks": blocks,
    }


def long_proposal_note(item: AgendaItem) -> str:
    """Under the decision form's field when the proposal is longer than the field holds."""
    length = len(item.proposal or "")
    return (
        f":warning: The proposed decision has {length:,} characters, more than this field holds "
        f"({INPUT_LIMIT:,}), so it is not filled in. Write the decision here, or record it with "
        f"its full wording: `/approve {item.number} The PTC …`. The proposal is in full on the "
        "item's message, or in its thread when very long."
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
        {"type": "header", "text": plain(f"Agenda: {meeting.title}")},
    ]
    for item in items[:45]:  # Slack allows 50 blocks in a message
        decision = decisions.get(item.id or 0)
        if decision is not None:
            status = f"decided: {decision_label(decision.kind).lower()}"
        elif item.post_ts is None:
            status = "not posted yet" + (
                f", opens {date_token(item.opens_at, meeting.timezone)}" if item.opens_at else ""
            )
        elif item.deadline_at is not None and item.deadline_at.timestamp() <= now_ts:
            status = "comments closed, awaiting the chair"
        else:
            status = "open for comments"
        deadline = (
            f" · deadline {date_token(item.deadline_at, meeting.timezone)}"
            if item.deadline_at
            else ""
        )
        title = shorten(escape(item.title), 2_500)  # a section holds 3,000 characters
        block: dict[str, Any] = {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{item.number}. {title}*\n{status}{deadline}"},
        }
        if can_post:
            action = POST_ITEM if item.post_ts is None else ANNOUNCE_ITEM
            label = "Post now" if item.post_ts is None else "Post again"
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
                "elements": [{"type": "mrkdwn", "text": f"… and {len(items) - 45} more"}],
            }
        )
    return blocks


def announcement(item: AgendaItem, permalink: str | None, *, closed: bool) -> str:
    """Posting an item again points at its one thread, so comments stay in one place."""
    where = f"<{permalink}|its thread>" if permalink else "its thread"
    head = f":pushpin: Item {item.number}: {escape(item.title)}"
    if closed:
        return f"{head}. Comments are closed ({where})."
    return f"{head} is open for comments: reply in {where}."


def agenda_text(meeting: Meeting) -> str:
    """The private agenda's fallback text."""
    return f"Agenda of {meeting.title}"


# The private notes under the agenda after a posting button (the secretariat's).
NOT_POSTED_YET = "That item is not posted yet."


def post_result_note(number: int, outcome: PostOutcome, detail: str) -> str:
    """What "Post now" did: `outcome` is bot.clock.posting's (posted, not_open, failed...)."""
    return f"Item {number}: {outcome.replace('_', ' ')} {detail}"


def posted_again_note(number: int) -> str:
    return f"Item {number} posted again."
