"""Block Kit builders: domain objects in, blocks plus fallback text out.  No I/O.

Deadlines use Slack's date token so every reader sees their own local time; the fallback
(for notifications and old clients) shows the meeting's own zone.
"""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.domain.items import ItemState
from bot.views.fit import (
    BLOCK_TEXT_BUDGET,
    HEADER_LIMIT,
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
from bot.views.i18n import _, languages_sharing, local_datetime, ngettext, text_of
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
ROOT_DECISION_FLOOR = 1_000  # the decision's or silence's quote always gets at least this
ROOT_STATIC_FLOOR = 1_500  # and the documents and proposal, in any number of languages


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
        f"• <{doc.url}|{escape(doc.code)}> {escape(text_of(doc, 'title'))}"
        if doc.url
        else f"• {escape(doc.code)} {escape(text_of(doc, 'title'))}"
        for doc in documents
    ]


def _revised_lines(revised: list[RevisedDocument], timezone: str) -> list[str]:
    lines = []
    for r in revised:
        published = _("published {date}", date=date_token(r.published_at, timezone))
        lines.append(f"• <{r.url}|{escape(r.code)}> {escape(r.title)} _({published})_")
    return lines


def _first_lines(lines: list[str], room: int, more: Callable[[int], str]) -> str:
    """As many of `lines` as fit in `room`, then `more(count of the others)`."""
    shown: list[str] = []
    used = 0
    reserve = len(more(0)) + 5
    for line in lines:
        if used + len(line) + 1 > room - reserve - 10:
            break
        shown.append(line)
        used += len(line) + 1
    left = len(lines) - len(shown)
    if not left:
        return "\n".join(shown)
    return "\n".join([*shown, more(left)])


def _more_documents(left: int) -> str:
    return ngettext(
        "• … and {count} more: the full list is in the thread",
        "• … and {count} more: the full list is in the thread",
        left,
    )


def _more_revised(left: int) -> str:
    return ngettext(
        "• … and {count} more: each is in the thread",
        "• … and {count} more: each is in the thread",
        left,
    )


def _heading(item: AgendaItem) -> str:
    return _("Item {number}: {title}", number=item.number, title=text_of(item, "title"))


def _static_budget(state: ItemState) -> int:
    """What the documents and the proposal may take of the root message.

    In one language, ROOT_STATIC_BUDGET.  When the message carries several languages
    (`languages_sharing()`), each gets its share of the message, out of which the header, the
    revised documents, the decision's shortest quote and the fixed lines come first, so that
    all the languages together stay one message.
    """
    share = languages_sharing()
    if share <= 1:
        return ROOT_STATIC_BUDGET
    heading = _heading(state.item)
    header_room = min(len(heading), HEADER_LIMIT)
    if len(heading) > HEADER_LIMIT:  # shortened in the header, whole in a section under it
        header_room += len(escape(heading)) + 4
    revised_room = ROOT_REVISED_SHOWN // share + 40 if state.revised else 0
    left = (
        BLOCK_TEXT_BUDGET // share
        - header_room
        - revised_room
        - ROOT_DECISION_FLOOR // share
        - ROOT_FIXED_ROOM
    )
    return max(ROOT_STATIC_FLOOR, min(ROOT_STATIC_BUDGET // share, left))


def _static_parts(state: ItemState) -> tuple[str, str, bool, bool]:
    """The documents and the proposal as the root shows them, and whether each is shortened."""
    budget = _static_budget(state)
    documents_shown = min(ROOT_DOCUMENTS_SHOWN // languages_sharing(), budget * 7 // 16)
    documents = _document_lines(state.documents)
    label = _("Documents")
    docs = f"*{label}*\n" + "\n".join(documents) if documents else ""
    proposal_text = text_of(state.item, "proposal")
    proposal_label = _("Proposed decision")
    proposal = f"*{proposal_label}*\n{escape(proposal_text)}" if proposal_text else ""
    if len(docs) + len(proposal) <= budget:
        return docs, proposal, False, False
    docs_short = len(docs) > documents_shown
    if docs_short:
        docs = f"*{label}*\n" + _first_lines(documents, documents_shown, _more_documents)
    room = budget - len(docs)
    proposal_short = len(proposal) > room
    where = _("full text in the thread")
    return docs, shorten(proposal, room, where), docs_short, proposal_short


def item_details(state: ItemState) -> list[SlackMessage]:
    """What the root message shows shortened, in full: posted in the item's thread when the
    item is posted (empty when the root holds it all).

    Rendered in each of the meeting's languages in turn, with the same `languages_sharing()`
    as the root message, so that it holds what that language's part of the root shortened.
    """
    _docs, _proposal, docs_short, proposal_short = _static_parts(state)
    number = state.item.number
    found: list[SlackMessage] = []
    if docs_short:
        text = _("*Documents* (the full list)") + "\n" + "\n".join(_document_lines(state.documents))
        found += message(
            _("Item {number}: the documents.", number=number),
            sections(text),
            continued=_("Item {number}: the documents", number=number),
        ).parts()
    proposal = text_of(state.item, "proposal")
    if proposal_short and proposal:
        text = _("*Proposed decision* (full text)") + "\n" + escape(proposal)
        found += message(
            _("Item {number}: the proposed decision in full.", number=number),
            sections(text),
            continued=_("Item {number}: the proposed decision", number=number),
        ).parts()
    return found


def item_message(state: ItemState) -> SlackMessage:
    """The root message of an agenda item; replies in its thread are formal comments.

    Its last block says where the item stands: open for comments, closed, open for final
    concerns on a revised document (`concerns_until`), under a silence procedure, or decided.
    It is always one message within Slack's limits: what it must shorten (a very long proposal
    or list of documents, decision or silence text) is in full in the item's thread.  In the
    channel it carries every meeting language (`in_languages`), each within its share.
    """
    meeting, item, decision = state.meeting, state.item, state.decision
    closed, silence, revised = state.closed, state.silence, state.revised
    concerns_until = state.concerns_until
    share = max(1, languages_sharing())
    heading = _heading(item)
    docs, proposal, _docs_short, _proposal_short = _static_parts(state)
    blocks: list[dict[str, Any]] = header(heading)
    if docs:
        blocks += sections(docs)
    if revised:
        lines = _revised_lines(revised, meeting.timezone)
        label = _("Revised documents")
        blocks += sections(
            f"*{label}*\n" + _first_lines(lines, ROOT_REVISED_SHOWN // share, _more_revised)
        )
    if proposal:
        blocks += sections(proposal)
    # What the decision or the silence text may take of what is left.
    room = max(
        ROOT_DECISION_FLOOR // share,
        BLOCK_TEXT_BUDGET // share - block_text_length(blocks) - ROOT_FIXED_ROOM,
    )
    deadline = ""
    if item.deadline_at is not None:
        deadline = date_token(item.deadline_at, meeting.timezone)
        label = _("Comments closed") if closed else _("Deadline for comments")
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
        status = (
            _("Silence procedure running.")
            if silence.status == "running"
            else _("Silence procedure broken.")
        )
    elif closed and concerns_until is not None:
        when = date_token(concerns_until, meeting.timezone)
        blocks.append(
            context(
                ":memo: "
                + _(
                    "*Final concerns* on the revised document: reply in this thread by {date}.",
                    date=when,
                )
            )
        )
        status = _("Final concerns open until {date}.", date=when)
    elif closed:
        blocks.append(
            context(
                ":lock: "
                + _("Comments are closed. A reply in this thread is still recorded, marked late.")
            )
        )
        status = _("Comments closed.")
    else:
        blocks.append(
            context(
                ":speech_balloon: "
                + _(
                    "*Reply in this thread* to comment on behalf of your delegation. {mark} on "
                    "your reply means it was recorded; edits and deletions are recorded too.",
                    mark=RECEIPT_MARK,
                )
            )
        )
        status = (
            _("Reply in this thread to comment, by {date}.", date=deadline)
            if deadline
            else _("Reply in this thread to comment.")
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
                    "text": {"type": "plain_text", "text": _("Record decision (chair)")},
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
    text = escape(decision.text)
    if limit is not None:
        text = shorten(text, limit, _("full text in the thread"))
    chair = f"<@{decision.decided_by}>"
    summary = _(
        "*Decision: {outcome}* ({procedure}, {chair}, {date})",
        outcome=decision_label(decision.kind),
        procedure=procedure_label(decision.procedure),
        chair=chair,
        date=date_token(decision.decided_at, timezone),
    )
    return f":classical_building: {summary}\n{quote(text)}"


# -- the calendar -------------------------------------------------------------------------------


def closed_notice(meeting: Meeting, item: AgendaItem) -> SlackMessage:
    assert item.deadline_at is not None
    when = date_token(item.deadline_at, meeting.timezone)
    return SlackMessage(
        text=_("Comments on item {number} are closed.", number=item.number),
        blocks=sections(
            ":lock: "
            + _(
                "*Comments on item {number} closed* at {date}. A reply here is still recorded, "
                "marked late, for the chair and the secretariat to consider.",
                number=item.number,
                date=when,
            )
        ),
    )


def reminder_message(meeting: Meeting, items: list[AgendaItem]) -> SlackMessage:
    """One channel message for every item whose reminder falls due at the same moment."""
    lines = [
        _(
            "• *{number}: {title}*: comments by {date}",
            number=item.number,
            title=escape(text_of(item, "title")),
            date=date_token(item.deadline_at, meeting.timezone),
        )
        for item in items
        if item.deadline_at is not None
    ]
    numbers = ", ".join(str(item.number) for item in items)
    return message(
        fallback(
            ngettext(
                "Reminder: comments on item {numbers} close soon.",
                "Reminder: comments on items {numbers} close soon.",
                len(items),
                numbers=numbers,
            ),
            "",
        ),
        sections(
            ":alarm_clock: "
            + _("*Closing soon*: reply in each item's thread.")
            + "\n"
            + "\n".join(lines)
        ),
        continued=_("Closing soon, continued"),
    )


def nudge_message(
    meeting: Meeting, item: AgendaItem, delegation: str, permalink: str | None
) -> SlackMessage:
    assert item.deadline_at is not None
    when = date_token(item.deadline_at, meeting.timezone)
    thread = _("the item's thread")
    link = f"<{permalink}|{thread}>" if permalink else thread
    return message(
        fallback(
            _(
                "Item {number} closes soon and {delegation} has not commented yet.",
                number=item.number,
                delegation=delegation,
            ),
            "",
        ),
        sections(
            ":wave: "
            + _(
                "*{meeting}*: comments on *item {number}: {title}* close {date}, and your "
                "delegation ({delegation}) has not commented yet. Reply in {thread} to take part; "
                "if you have no comment, no action is needed.",
                meeting=escape(text_of(meeting, "title")),
                number=item.number,
                title=escape(text_of(item, "title")),
                date=when,
                delegation=escape(delegation),
                thread=link,
            )
        ),
        continued=_("Item {number} closes soon", number=item.number),
    )


def silence_status(procedure: SilenceProcedure, timezone: str, *, limit: int | None = None) -> str:
    """Where a procedure stands, its text quoted (shortened to `limit`: the notice in the
    thread has it whole)."""
    when = date_token(procedure.deadline_at, timezone)
    text = escape(procedure.text)
    if limit is not None:
        text = shorten(text, limit, _("full text in the thread"))
    if procedure.status == "broken":
        return ":no_entry: " + _(
            "*Silence broken*: a member objected before {date}. "
            "The chair will decide how to proceed.",
            date=when,
        )
    return (
        ":shushing_face: "
        + _(
            "*Silence procedure*: the decision below is adopted unless a member objects by "
            "{date} with `/object N reason`.",
            date=when,
        )
        + f"\n{quote(text)}"
    )


# -- the secretariat's digest -------------------------------------------------------------------


def document_link(code: str, url: str, title: str = "") -> str:
    """ "<url|CODE> title" in mrkdwn (a revised document's URL is checked when published)."""
    return f"<{url}|{escape(code)}>" + (f" {escape(title)}" if title else "")


# -- closing the session ------------------------------------------------------------------------
