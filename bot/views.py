"""Block Kit builders: domain objects in, blocks plus fallback text out.  No I/O.

Deadlines use Slack's date token so every reader sees their own local time; the fallback
(for notifications and old clients) shows the meeting's own zone.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from models import AgendaItem, Decision, Document, Meeting

RECEIPT_REACTION = "white_check_mark"

DECISION_LABELS = {
    "approved": "Approved",
    "noted": "Taken note of",
    "deferred": "Deferred",
}


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


def item_message(
    meeting: Meeting,
    item: AgendaItem,
    documents: list[Document],
    decision: Decision | None = None,
) -> SlackMessage:
    """The root message of an agenda item; replies in its thread are formal comments."""
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
    if item.proposal:
        blocks.append(_section(f"*Proposed decision*\n{escape(item.proposal)}"))
    deadline = ""
    if item.deadline_at is not None:
        deadline = f"Comments by {date_token(item.deadline_at, meeting.timezone)}"
        blocks.append(_section(f"*Deadline*\n{date_token(item.deadline_at, meeting.timezone)}"))
    if decision is not None:
        blocks.append({"type": "divider"})
        blocks.append(_section(decision_summary(decision, meeting.timezone)))
    else:
        blocks.append(
            _context(
                ":speech_balloon: *Reply in this thread* to comment on behalf of your "
                f"delegation. {RECEIPT_MARK} on your reply means it was recorded; "
                "edits and deletions are recorded too."
            )
        )
    text = f"{escape(heading)}. " + (deadline or "Reply in this thread to comment.")
    if decision is not None:
        text = f"{escape(heading)}. {DECISION_LABELS.get(decision.kind, decision.kind)}."
    return SlackMessage(text=text, blocks=blocks)


RECEIPT_MARK = f":{RECEIPT_REACTION}:"


def decision_summary(decision: Decision, timezone: str) -> str:
    label = DECISION_LABELS.get(decision.kind, decision.kind)
    when = date_token(decision.decided_at, timezone)
    procedure = "by the chair" if decision.procedure == "chair" else decision.procedure
    return (
        f":classical_building: *Decision: {label}* ({procedure}, <@{decision.decided_by}>, "
        f"{when})\n>{escape(decision.text)}"
    )


def decision_announcement(
    meeting: Meeting, item: AgendaItem, decision: Decision, superseded: Decision | None
) -> SlackMessage:
    """Posted in the item's thread when the chair decides."""
    label = DECISION_LABELS.get(decision.kind, decision.kind)
    lines = [decision_summary(decision, meeting.timezone)]
    if superseded is not None:
        lines.append(
            f"_This supersedes the decision of "
            f"{date_token(superseded.decided_at, meeting.timezone)}, which stays in the record._"
        )
    return SlackMessage(
        text=f"Item {item.number}: {label}. {escape(decision.text)}",
        blocks=[_section("\n".join(lines))],
    )


def awaiting_list(meeting: Meeting, items: list[AgendaItem]) -> str:
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
    label = DECISION_LABELS.get(decision.kind, decision.kind)
    extra = " It supersedes the earlier decision, which stays in the record." if superseded else ""
    return (
        f"Recorded: item {item.number} {label.lower()}: “{escape(decision.text)}”. "
        f"It is being posted in the item's thread.{extra}"
    )


def stray_notice(meeting_title: str, item_number: int | None, secretariat: tuple[str, ...]) -> str:
    """Told privately to someone who replied but is not on the roster."""
    contacts = ", ".join(f"<@{user}>" for user in secretariat) or "the secretariat"
    return (
        f"Your reply on item {item_number} was kept, but it is not recorded as a formal comment: "
        f"you are not on the roster of {escape(meeting_title)}. Ask the secretariat "
        f"({contacts}) to add you to your delegation, then reply again."
    )


def choose_meeting_notice(command: str, meeting_keys: list[str]) -> str:
    return (
        f"You have a role in several meetings ({', '.join(meeting_keys)}). "
        f"Use `{command}` in the channel of the meeting you mean."
    )


def no_meeting_notice(command: str) -> str:
    return (
        f"`{command}` works in a meeting's channel, or anywhere for a member of a meeting, "
        "and this channel has no meeting and you have no role in one."
    )
