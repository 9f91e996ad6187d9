"""Block Kit builders: domain objects in, blocks plus fallback text out.  No I/O.

Deadlines use Slack's date token so every reader sees their own local time; the fallback
(for notifications and old clients) shows the meeting's own zone.
"""

import json
from datetime import datetime
from typing import Any

from bot.domain.items import ItemState
from bot.views.fit import (
    BLOCK_TEXT_BUDGET,
    FULL_TEXT_IN_THREAD,
    SlackMessage,
    block_id,
    block_text_length,
    context,
    escape,
    fallback,
    header,
    message,
    quote,
    sections,
    shorten,
)
from bot.views.i18n import local_datetime
from bot.views.labels import decision_label, procedure_label
from models import AgendaItem, Decision, Document, Meeting, RevisedDocument, SilenceProcedure

RECEIPT_REACTION = "white_check_mark"
OPEN_DECISION_FORM = "open_decision_form"  # the chair's button on an item's root message

# An item's root message is one message, updated in place as the item moves on: its documents
# and proposal take at most this much of it; beyond, the root shows their start and the full
# text is posted in the item's thread when the item is posted (`item_details`).
ROOT_STATIC_BUDGET = 8_000
ROOT_DOCUMENTS_SHOWN = 3_500  # of a long list of documents, when the root must shorten it
ROOT_REVISED_SHOWN = 2_000  # of the revised documents (each is also posted in the thread)
ROOT_FIXED_ROOM = 700  # the header, deadline, status line and button


def local_time(moment: datetime, timezone: str) -> str:
    """`moment` in the meeting's zone, as the active language writes it (Babel)."""
    return local_datetime(moment, timezone)


def date_token(moment: datetime, timezone: str) -> str:
    return (
        f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}"
        f"|{local_time(moment, timezone)}>"
    )


def _document_lines(documents: list[Document]) -> list[str]:
    return [
        f"• <{doc.url}|{escape(doc.code)}> {escape(doc.title)}"
        if doc.url
        else f"• {escape(doc.code)} {escape(doc.title)}"
        for doc in documents
    ]


def _revised_lines(revised: list[RevisedDocument], timezone: str) -> list[str]:
    return [
        f"• <{r.url}|{escape(r.code)}> {escape(r.title)} "
        f"_(published {date_token(r.published_at, timezone)})_"
        for r in revised
    ]


def _first_lines(lines: list[str], room: int, more: str) -> str:
    """As many of `lines` as fit in `room`, then `more` (with the count of the others)."""
    shown: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > room - len(more) - 10:
            break
        shown.append(line)
        used += len(line) + 1
    left = len(lines) - len(shown)
    if not left:
        return "\n".join(shown)
    return "\n".join([*shown, more.format(left=left)])


def _static_parts(state: ItemState) -> tuple[str, str, bool, bool]:
    """The documents and the proposal as the root shows them, and whether each is shortened."""
    documents = _document_lines(state.documents)
    docs = "*Documents*\n" + "\n".join(documents) if documents else ""
    proposal = f"*Proposed decision*\n{escape(state.item.proposal)}" if state.item.proposal else ""
    if len(docs) + len(proposal) <= ROOT_STATIC_BUDGET:
        return docs, proposal, False, False
    docs_short = len(docs) > ROOT_DOCUMENTS_SHOWN
    if docs_short:
        docs = "*Documents*\n" + _first_lines(
            documents, ROOT_DOCUMENTS_SHOWN, "• … and {left} more: the full list is in the thread"
        )
    room = ROOT_STATIC_BUDGET - len(docs)
    proposal_short = len(proposal) > room
    return docs, shorten(proposal, room, FULL_TEXT_IN_THREAD), docs_short, proposal_short


def item_details(state: ItemState) -> list[SlackMessage]:
    """What the root message shows shortened, in full: posted in the item's thread when the
    item is posted (empty when the root holds it all)."""
    _, _, docs_short, proposal_short = _static_parts(state)
    title = f"Item {state.item.number}"
    found: list[SlackMessage] = []
    if docs_short:
        text = "*Documents* (the full list)\n" + "\n".join(_document_lines(state.documents))
        found += message(
            f"{title}: the documents.", sections(text), continued=f"{title}: the documents"
        ).parts()
    if proposal_short and state.item.proposal:
        text = f"*Proposed decision* (full text)\n{escape(state.item.proposal)}"
        found += message(
            f"{title}: the proposed decision in full.",
            sections(text),
            continued=f"{title}: the proposed decision",
        ).parts()
    return found


def item_message(state: ItemState) -> SlackMessage:
    """The root message of an agenda item; replies in its thread are formal comments.

    Its last block says where the item stands: open for comments, closed, open for final
    concerns on a revised document (`concerns_until`), under a silence procedure, or decided.
    It is always one message within Slack's limits: what it must shorten (a very long proposal
    or list of documents, decision or silence text) is in full in the item's thread.
    """
    meeting, item, decision = state.meeting, state.item, state.decision
    closed, silence, revised = state.closed, state.silence, state.revised
    concerns_until = state.concerns_until
    heading = f"Item {item.number}: {item.title}"
    docs, proposal, _, _ = _static_parts(state)
    blocks: list[dict[str, Any]] = header(heading)
    if docs:
        blocks += sections(docs)
    if revised:
        lines = _revised_lines(revised, meeting.timezone)
        blocks += sections(
            "*Revised documents*\n"
            + _first_lines(lines, ROOT_REVISED_SHOWN, "• … and {left} more: each is in the thread")
        )
    if proposal:
        blocks += sections(proposal)
    # What the decision or the silence text may take of what is left.
    room = max(1_000, BLOCK_TEXT_BUDGET - block_text_length(blocks) - ROOT_FIXED_ROOM)
    deadline = ""
    if item.deadline_at is not None:
        deadline = date_token(item.deadline_at, meeting.timezone)
        label = "Comments closed" if closed else "Deadline for comments"
        blocks += sections(f"*{label}*\n{deadline}")
    if decision is not None:
        blocks.append({"type": "divider"})
        blocks += sections(decision_summary(decision, meeting.timezone, limit=room))
        status = decision_label(decision.kind) + "."
    elif (
        silence is not None and silence.ended_at is None and silence.status in ("running", "broken")
    ):
        blocks.append({"type": "divider"})
        blocks += sections(silence_status(silence, meeting.timezone, limit=room))
        status = "Silence procedure " + ("running." if silence.status == "running" else "broken.")
    elif closed and concerns_until is not None:
        when = date_token(concerns_until, meeting.timezone)
        blocks.append(
            context(
                f":memo: *Final concerns* on the revised document: reply in this thread by {when}."
            )
        )
        status = f"Final concerns open until {when}."
    elif closed:
        blocks.append(
            context(
                ":lock: Comments are closed. A reply in this thread is still recorded, marked late."
            )
        )
        status = "Comments closed."
    else:
        blocks.append(
            context(
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
        actions: dict[str, Any] = {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": OPEN_DECISION_FORM,
                    "text": {"type": "plain_text", "text": "Record decision (chair)"},
                    "value": value,
                }
            ],
        }
        actions["block_id"] = block_id("item_actions", actions)
        blocks.append(actions)
    title = shorten(escape(heading), 300)
    return SlackMessage(text=fallback(f"{title}. {status}"), blocks=blocks)


RECEIPT_MARK = f":{RECEIPT_REACTION}:"


def decision_summary(decision: Decision, timezone: str, *, limit: int | None = None) -> str:
    """The decision, its text quoted line by line; shortened to `limit` characters of text
    (saying that the full text is in the thread, where the announcement has it)."""
    label = decision_label(decision.kind)
    when = date_token(decision.decided_at, timezone)
    procedure = procedure_label(decision.procedure)
    text = escape(decision.text)
    if limit is not None:
        text = shorten(text, limit, FULL_TEXT_IN_THREAD)
    return (
        f":classical_building: *Decision: {label}* ({procedure}, <@{decision.decided_by}>, "
        f"{when})\n{quote(text)}"
    )


# -- the calendar -------------------------------------------------------------------------------


def closed_notice(meeting: Meeting, item: AgendaItem) -> SlackMessage:
    assert item.deadline_at is not None
    when = date_token(item.deadline_at, meeting.timezone)
    return SlackMessage(
        text=f"Comments on item {item.number} are closed.",
        blocks=sections(
            f":lock: *Comments on item {item.number} closed* at {when}. A reply here is still "
            "recorded, marked late, for the chair and the secretariat to consider."
        ),
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
    return message(
        fallback(
            f"Reminder: comments on item{'s' if len(items) > 1 else ''} {numbers} close soon.", ""
        ),
        sections(":alarm_clock: *Closing soon*: reply in each item's thread.\n" + "\n".join(lines)),
        continued="Closing soon, continued",
    )


def nudge_message(
    meeting: Meeting, item: AgendaItem, delegation: str, permalink: str | None
) -> SlackMessage:
    assert item.deadline_at is not None
    when = date_token(item.deadline_at, meeting.timezone)
    link = f"<{permalink}|the item's thread>" if permalink else "the item's thread"
    return message(
        fallback(f"Item {item.number} closes soon and {delegation} has not commented yet.", ""),
        sections(
            f":wave: *{escape(meeting.title)}*: comments on *item {item.number}: "
            f"{escape(item.title)}* close {when}, and your delegation ({escape(delegation)}) "
            f"has not commented yet. Reply in {link} to take part; if you have no comment, "
            "no action is needed."
        ),
        continued=f"Item {item.number} closes soon",
    )


def silence_status(procedure: SilenceProcedure, timezone: str, *, limit: int | None = None) -> str:
    """Where a procedure stands, its text quoted (shortened to `limit`: the notice in the
    thread has it whole)."""
    when = date_token(procedure.deadline_at, timezone)
    text = escape(procedure.text)
    if limit is not None:
        text = shorten(text, limit, FULL_TEXT_IN_THREAD)
    if procedure.status == "broken":
        return (
            f":no_entry: *Silence broken*: a member objected before {when}. "
            "The chair will decide how to proceed."
        )
    return (
        f":shushing_face: *Silence procedure*: the decision below is adopted unless a member "
        f"objects by {when} with `/object N reason`.\n{quote(text)}"
    )


# -- the secretariat's digest -------------------------------------------------------------------


def document_link(code: str, url: str, title: str = "") -> str:
    """ "<url|CODE> title" in mrkdwn (a revised document's URL is checked when published)."""
    return f"<{url}|{escape(code)}>" + (f" {escape(title)}" if title else "")


# -- closing the session ------------------------------------------------------------------------
