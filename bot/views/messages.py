"""Block Kit builders: domain objects in, blocks plus fallback text out.  No I/O.

Deadlines use Slack's date token so every reader sees their own local time; the fallback
(for notifications and old clients) shows the meeting's own zone.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.domain.items import ItemState
from bot.views.labels import COMMENT_KIND_LABELS, decision_label, procedure_label
from models import AgendaItem, Decision, Meeting, SilenceProcedure

if TYPE_CHECKING:  # the digest's types live with the digest; views only format them
    from bot.domain.digest import Digest, DigestItem
    from bot.domain.summary import SummaryRecord

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


def decision_announcement(
    meeting: Meeting, item: AgendaItem, decision: Decision, superseded: Decision | None
) -> SlackMessage:
    """Posted in the item's thread when the chair decides."""
    label = decision_label(decision.kind)
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
    label = decision_label(decision.kind)
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


def late_reply_notice(
    timezone: str, item_number: int | None, deadline: datetime, *, final_concern: bool = False
) -> str:
    """Told privately to the author of a reply written after the deadline (the comment
    deadline, or the final-concerns window's for a reply written in one)."""
    closed = "final concerns" if final_concern else "comments"
    return (
        f"Your reply on item {item_number} was recorded, but {closed} closed at "
        f"{date_token(deadline, timezone)}, so it is marked late. The chair and the secretariat "
        "will see it in the record."
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
        blocks=[_section(f"{lead}: comments on item {item.number} are now due by {new}{was}.")],
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


def silence_notice(meeting: Meeting, item: AgendaItem, procedure: SilenceProcedure) -> SlackMessage:
    """Posted in the thread and in the channel when the chair starts a silence procedure."""
    when = date_token(procedure.deadline_at, meeting.timezone)
    status = {
        "running": f"adopted unless a member delegation objects by {when}.",
        "broken": "silence was broken by an objection.",
        "adopted": "adopted by silence procedure.",
        "cancelled": "the chair ended the procedure.",
    }[procedure.status]
    body = (
        f":shushing_face: *Silence procedure on item {item.number}: {escape(item.title)}*\n"
        f">{escape(procedure.text)}\n"
        f"Status: {status}"
    )
    if procedure.status == "running":
        body += f"\nTo break silence, a member delegate types `/object {item.number} your reason`."
    return SlackMessage(
        text=f"Silence procedure on item {item.number}: {status}", blocks=[_section(body)]
    )


def objection_notice(
    meeting: Meeting, item: AgendaItem, delegation: str, user_id: str, reason: str, first: bool
) -> SlackMessage:
    lead = "*Silence broken*" if first else "*Further objection*"
    return SlackMessage(
        text=f"Item {item.number}: {delegation} objects; silence is broken.",
        blocks=[
            _section(
                f":no_entry: {lead} on item {item.number}: {escape(delegation)} (<@{user_id}>) "
                f"objects.\n>{escape(reason)}"
            )
        ],
    )


def adoption_notice(meeting: Meeting, item: AgendaItem, decision: Decision) -> SlackMessage:
    return SlackMessage(
        text=f"Item {item.number}: adopted by silence procedure. {escape(decision.text)}",
        blocks=[_section(decision_summary(decision, meeting.timezone))],
    )


# -- the secretariat's digest -------------------------------------------------------------------

SECTION_LIMIT = 2900  # Slack refuses a section text over 3000 characters
EXCERPTS_PER_ITEM = 5
NAMES_SHOWN = 15


def _clip(text: str) -> str:
    return text if len(text) <= SECTION_LIMIT else text[: SECTION_LIMIT - 1] + "…"


def _names(names: list[str]) -> str:
    shown = ", ".join(escape(n) for n in names[:NAMES_SHOWN])
    more = len(names) - NAMES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def document_link(code: str, url: str, title: str = "") -> str:
    """ "<url|CODE> title" in mrkdwn (a revised document's URL is checked when published)."""
    return f"<{url}|{escape(code)}>" + (f" {escape(title)}" if title else "")


def digest_message(digest: "Digest", heading: str | None = None) -> SlackMessage:
    """The digest for one recipient; a quiet day is one line."""
    title = heading or f"Digest: {digest.meeting_title}"
    new = sum(len(i.new_comments) for i in digest.items)
    if digest.quiet:
        open_items = [i for i in digest.items if i.silent_members or i.closing_at]
        line = f"{escape(title)}: nothing new since your last digest."
        if open_items:
            line += f" {len(open_items)} item(s) still open for comments."
        for item in digest.items:
            if item.concerns_until is not None:
                until = date_token(item.concerns_until, digest.timezone)
                line += f" Item {item.number}: final concerns open until {until}."
        return SlackMessage(text=line, blocks=[_section(line)])
    late = sum(c.late for i in digest.items for c in i.new_comments)
    delegations = {c.delegation for i in digest.items for c in i.new_comments}
    summary = (
        f"{new} new comment(s) from {len(delegations)} delegation(s)"
        + (f", {late} late" if late else "")
        + (
            f"; {len(digest.strays)} reply(ies) from people not on the roster"
            if digest.strays
            else ""
        )
        + (f"; {digest.new_objections} new objection(s)" if digest.new_objections else "")
        + (f"; {_group_news(digest.groups)}" if digest.groups else "")
        + f". As of {date_token(digest.now, digest.timezone)}."
    )
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        _context(summary),
    ]
    for item in digest.items:
        lines = _digest_item_lines(item, digest.timezone)
        if lines and len(blocks) < 46:
            blocks.append(_section(_clip("\n".join(lines))))
    if digest.strays:
        rows = [
            f"• item {number}, <@{user}>: {escape(text)}"
            for number, user, text in digest.strays[:10]
        ]
        if len(digest.strays) > 10:
            rows.append(f"… and {len(digest.strays) - 10} more")
        blocks.append(
            _section(
                _clip("*Replies from people not on the roster* (not counted)\n" + "\n".join(rows))
            )
        )
    if digest.groups:
        rows = [f"• {escape(name)}: {count} new message(s)" for name, count in digest.groups]
        blocks.append(_section(_clip("*Drafting groups*\n" + "\n".join(rows))))
    return SlackMessage(text=f"{title}: {summary}", blocks=blocks[:50])


def _group_news(groups: list[tuple[str, int]]) -> str:
    messages = sum(count for _, count in groups)
    return f"{messages} new message(s) in {len(groups)} drafting group(s)"


def _digest_item_lines(item: "DigestItem", timezone: str) -> list[str]:
    lines: list[str] = []
    if item.new_comments:
        tally: dict[str, int] = {}
        for comment in item.new_comments:
            tally[comment.delegation] = tally.get(comment.delegation, 0) + 1
        by = ", ".join(f"{escape(name)} {count}" for name, count in tally.items())
        lines.append(f"• {len(item.new_comments)} new: {by}")
        for comment in item.new_comments[:EXCERPTS_PER_ITEM]:
            link = f" (<{comment.permalink}|open>)" if comment.permalink else ""
            late = " _late_" if comment.late else ""
            if comment.final_concern:
                late = " _final concern_" + late
            label = COMMENT_KIND_LABELS.get(comment.kind or "")
            kind = f" · *{label}*" if label else ""
            lines.append(
                f"   > {escape(comment.excerpt)} — {escape(comment.delegation)}{kind}{late}{link}"
            )
        if len(item.new_comments) > EXCERPTS_PER_ITEM:
            lines.append(
                f"   … and {len(item.new_comments) - EXCERPTS_PER_ITEM} more in the thread"
            )
    for revision in item.new_revisions:
        document = document_link(revision.code, revision.url)
        window = (
            f"; final concerns until {date_token(revision.concerns_until, timezone)}"
            if revision.concerns_until is not None
            else ""
        )
        lines.append(f"• :page_facing_up: revised document {document} published{window}")
    if item.concerns_until is not None and not item.new_revisions:
        lines.append(f"• final concerns open until {date_token(item.concerns_until, timezone)}")
    if item.closing_at is not None:
        lines.append(f"• :hourglass: closes {date_token(item.closing_at, timezone)}")
    if item.silent_members:
        silent = item.silent_members
        lines.append(f"• silent member delegations ({len(silent)}): {_names(silent)}")
    lines += [f"• :classical_building: {escape(text)}" for text in item.new_decisions]
    if item.silence:
        lines.append(f"• :shushing_face: silence procedure {escape(item.silence)}")
    if item.awaiting_chair:
        lines.append("• awaiting the chair's decision")
    if not lines:
        return []
    return [f"*Item {item.number}: {escape(item.title)}*", *lines]


# -- closing the session ------------------------------------------------------------------------


def figures_lines(summary: "SummaryRecord") -> list[str]:
    f = summary.figures
    kinds = f.by_kind
    return [
        f"*Participants:* {f.registered} registered, {f.took_part} took part",
        f"*Delegations taking part:* {len(f.members_taking_part)} of {f.member_delegations} "
        f"members, {len(f.observers_taking_part)} of {f.observer_delegations} observers",
        f"*Comments:* {f.comments} (members {kinds['member']}, observers {kinds['observer']}, "
        f"chair {kinds['chair']}, secretariat {kinds['secretariat']}); {f.withdrawn} withdrawn, "
        f"counted apart; {f.late} late; {f.edited} edited",
        "*Per item:* "
        + ", ".join(f"{number}: {sum(c.values())}" for number, c in f.by_item.items()),
        "*Per week:* " + ", ".join(f"{week}: {sum(c.values())}" for week, c in f.by_week.items()),
    ]


def figures_message(summary: "SummaryRecord") -> SlackMessage:
    lines = [f"*{escape(summary.title)}: the session in figures*", *figures_lines(summary)]
    decided = [i for i in summary.items if i.decision is not None]
    lines.append(f"*Decisions:* {len(decided)} of {len(summary.items)} items")
    for item in decided:
        assert item.decision is not None
        how = procedure_label(item.decision.procedure)
        label = decision_label(item.decision.kind)
        lines.append(f"• {item.number}: {label} ({how})")
    text = _clip("\n".join(lines))
    return SlackMessage(text=f"{summary.title}: the session in figures", blocks=[_section(text)])


def closing_message(summary: "SummaryRecord") -> SlackMessage:
    f = summary.figures
    decided = sum(1 for i in summary.items if i.decision is not None)
    text = (
        f":checkered_flag: *{escape(summary.title)} is closed.* Thank you all: {f.comments} "
        f"comments from {len(f.members_taking_part)} member and {len(f.observers_taking_part)} "
        f"observer delegations; {decided} of {len(summary.items)} items decided. The secretariat "
        "will circulate the summary record."
    )
    return SlackMessage(text=f"{summary.title} is closed.", blocks=[_section(text)])
