"""Block Kit builders: domain objects in, blocks plus fallback text out.  No I/O.

Deadlines use Slack's date token so every reader sees their own local time; the fallback
(for notifications and old clients) shows the meeting's own zone.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.items import ItemState
from bot.views.labels import decision_label, procedure_label
from models import AgendaItem, Decision, Meeting, SilenceProcedure

RECEIPT_REACTION = "white_check_mark"
OPEN_DECISION_FORM = "open_decision_form"  # the chair's button on an item's root message


@dataclass(frozen=True)
class SlackMessage:
    text: str  # the fallback: notifications, screen readers, clients without blocks
    blocks: list[dict[str, Any]] = field(default_factory=list)


def escape(text: str) -> str:
    """Slack's mrkdwn needs &, < and > escaped in text that is not markup of ours."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def local_time(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return local.strftime("%a %d %b %Y %H:%M ") + (local.tzname() or timezone)


def date_token(moment: datetime, timezone: str) -> str:
    return (
        f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}"
        f"|{local_time(moment, timezone)}>"
    )


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def item_message(state: ItemState) -> SlackMessage:
    """The root message of an agenda item; replies in its thread are formal comments.

    Its last block says where the item stands: open for comments, closed, open for final
    concerns on a revised document (`concerns_until`), under a silence procedure, or decided.
    """
    meeting, item, documents, decision = state.meeting, state.item, state.documents, state.decision
    closed, silence, revised = state.closed, state.silence, state.revised
    concerns_until = state.concerns_until
    heading = f"Item {item.number}: {item.title}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": heading[:150]}},
    ]
    if documents:
        lines = [
            f"• <{doc.url}|{escape(doc.code)}> {escape(doc.title)}"
            if doc.url
            else f"• {escape(doc.code)} {escape(doc.title)}"
            for doc in documents
        ]
        blocks.append(_section("*Documents*\n" + "\n".join(lines)))
    if revised:
        lines = [
            f"• <{r.url}|{escape(r.code)}> {escape(r.title)} "
            f"_(published {date_token(r.published_at, meeting.timezone)})_"
            for r in revised
        ]
        blocks.append(_section("*Revised documents*\n" + "\n".join(lines)))
    if item.proposal:
        blocks.append(_section(f"*Proposed decision*\n{escape(item.proposal)}"))
    deadline = ""
    if item.deadline_at is not None:
        deadline = date_token(item.deadline_at, meeting.timezone)
        label = "Comments closed" if closed else "Deadline for comments"
        blocks.append(_section(f"*{label}*\n{deadline}"))
    if decision is not None:
        blocks.append({"type": "divider"})
        blocks.append(_section(decision_summary(decision, meeting.timezone)))
        status = decision_label(decision.kind) + "."
    elif (
        silence is not None and silence.ended_at is None and silence.status in ("running", "broken")
    ):
        blocks.append({"type": "divider"})
        blocks.append(_section(silence_status(silence, meeting.timezone)))
        status = "Silence procedure " + ("running." if silence.status == "running" else "broken.")
    elif closed and concerns_until is not None:
        when = date_token(concerns_until, meeting.timezone)
        blocks.append(
            _context(
                f":memo: *Final concerns* on the revised document: reply in this thread by {when}."
            )
        )
        status = f"Final concerns open until {when}."
    elif closed:
        blocks.append(
            _context(
                ":lock: Comments are closed. A reply in this thread is still recorded, marked late."
            )
        )
        status = "Comments closed."
    else:
        blocks.append(
            _context(
                ":speech_balloon: *Reply in this thread* to comment on behalf of your "
                f"delegation. {RECEIPT_MARK} on your reply means it was recorded; "
                "edits and deletions are recorded too."
            )
        )
        status = (
            f"Reply in this thread to comment, by {deadline}."
            if deadline
            else ("Reply in this thread to comment.")
        )
    if decision is None:
        # For the chair: the decision form, prefilled with the proposal (others are refused).
        value = json.dumps({"meeting_id": meeting.id, "number": item.number})
        blocks.append(
            {
                "type": "actions",
                "block_id": "item_actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": OPEN_DECISION_FORM,
                        "text": {"type": "plain_text", "text": "Record decision (chair)"},
                        "value": value,
                    }
                ],
            }
        )
    return SlackMessage(text=f"{escape(heading)}. {status}", blocks=blocks)


RECEIPT_MARK = f":{RECEIPT_REACTION}:"


def decision_summary(decision: Decision, timezone: str) -> str:
    label = decision_label(decision.kind)
    when = date_token(decision.decided_at, timezone)
    procedure = procedure_label(decision.procedure)
    return (
        f":classical_building: *Decision: {label}* ({procedure}, <@{decision.decided_by}>, "
        f"{when})\n>{escape(decision.text)}"
    )


# -- the calendar -------------------------------------------------------------------------------


def closed_notice(meeting: Meeting, item: AgendaItem) -> SlackMessage:
    assert item.deadline_at is not None
    when = date_token(item.deadline_at, meeting.timezone)
    return SlackMessage(
        text=f"Comments on item {item.number} are closed.",
        blocks=[
            _section(
                f":lock: *Comments on item {item.number} closed* at {when}. A reply here is still "
                "recorded, marked late, for the chair and the secretariat to consider."
            )
        ],
    )


def reminder_message(meeting: Meeting, items: list[AgendaItem]) -> SlackMessage:
    """One channel message for every item whose reminder falls due at the same moment."""
    lines = [
        f"• *{item.number}: {escape(item.title)}*: comments by "
        f"{date_token(item.deadline_at, meeting.timezone)}"
        for item in items
        if item.deadline_at is not None
    ]
    numbers = ", ".join(str(item.number) for item in items)
    return SlackMessage(
        text=f"Reminder: comments on item{'s' if len(items) > 1 else ''} {numbers} close soon.",
        blocks=[
            _section(
                ":alarm_clock: *Closing soon*: reply in each item's thread.\n" + "\n".join(lines)
            )
        ],
    )


def nudge_message(
    meeting: Meeting, item: AgendaItem, delegation: str, permalink: str | None
) -> SlackMessage:
    assert item.deadline_at is not None
    when = date_token(item.deadline_at, meeting.timezone)
    link = f"<{permalink}|the item's thread>" if permalink else "the item's thread"
    return SlackMessage(
        text=f"Item {item.number} closes soon and {delegation} has not commented yet.",
        blocks=[
            _section(
                f":wave: *{escape(meeting.title)}*: comments on *item {item.number}: "
                f"{escape(item.title)}* close {when}, and your delegation ({escape(delegation)}) "
                f"has not commented yet. Reply in {link} to take part; if you have no comment, "
                "no action is needed."
            )
        ],
    )


def silence_status(procedure: SilenceProcedure, timezone: str) -> str:
    when = date_token(procedure.deadline_at, timezone)
    if procedure.status == "broken":
        return (
            f":no_entry: *Silence broken*: a member objected before {when}. "
            "The chair will decide how to proceed."
        )
    return (
        f":shushing_face: *Silence procedure*: the decision below is adopted unless a member "
        f"objects by {when} with `/object N reason`.\n>{escape(procedure.text)}"
    )


# -- the secretariat's digest -------------------------------------------------------------------


def document_link(code: str, url: str, title: str = "") -> str:
    """ "<url|CODE> title" in mrkdwn (a revised document's URL is checked when published)."""
    return f"<{url}|{escape(code)}>" + (f" {escape(title)}" if title else "")


# -- closing the session ------------------------------------------------------------------------
