"""Every word about revised documents and final concerns: `/revise`'s answers and usage, the
form and its errors, the thread notice, the direct messages, the reminders and closing notices.

Pure builders: domain values in (bot/domain/revisions.py), text, view or message out.
"""

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.revisions import (
    CODE_LIMIT,
    NOTE_LIMIT,
    TITLE_LIMIT,
    ReviseOutcome,
    RevisionField,
    RevisionProblem,
)
from bot.parse.revise import ReviseCommand
from bot.parse.timeparse import parse_moment
from bot.views.fit import plain, sections, shorten
from bot.views.messages import SlackMessage, date_token, document_link, escape, local_time
from bot.views.refusals import refusal_text
from models import AgendaItem, Meeting, RevisedDocument

REVISE_FORM = "revise_document"  # the modal's callback_id
CODE_BLOCK, TITLE_BLOCK, URL_BLOCK = "revision_code", "revision_title", "revision_url"
NOTE_BLOCK, UNTIL_BLOCK = "revision_note", "revision_concerns_until"
VALUE = "value"  # every input's action_id: one element per block
BLOCKS: dict[RevisionField, str] = {
    "code": CODE_BLOCK,
    "title": TITLE_BLOCK,
    "url": URL_BLOCK,
    "note": NOTE_BLOCK,
    "until": UNTIL_BLOCK,
}
FORM_ERROR_LIMIT = 300  # characters Slack shows under a form's field
EXPIRED_FORM = "This form is out of date: use /revise again."

USAGE = (
    "*How to use /revise* (secretariat)\n"
    "• `/revise 3` opens a form: document code, title, link, what changed, and an optional "
    "deadline for final concerns\n"
    "• `/revise 3 PC0601E1/Rev.1 https://example.org/PC0601E1-rev1.pdf [title]` publishes a "
    "revised document in item 3's thread\n"
    "• `/revise 3 PC0601E1/Rev.1 https://example.org/PC0601E1-rev1.pdf until 2020-07-24T17:00 "
    "[title]` also opens a final-concerns window until then (meeting time zone unless an "
    "offset is given)\n"
    "Every delegation that commented on the item is told by direct message."
)


def _section(text: str) -> dict[str, Any]:
    """One section (in the form): a text too long for it is shortened between words."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": shorten(text, 3000)}}


def _document(revision: RevisedDocument) -> str:
    return document_link(revision.code, revision.url, revision.title)


# -- the form -----------------------------------------------------------------------------------


def revise_form(meeting: Meeting, item: AgendaItem, *, suggested_code: str) -> dict[str, Any]:
    """The secretariat's form for one item; the deadline picker shows the reader's own time."""

    def text_input(block: str, label: str, *, optional: bool, **element: Any) -> dict[str, Any]:
        return {
            "type": "input",
            "block_id": block,
            "optional": optional,
            "label": plain(label),
            "element": {"type": "plain_text_input", "action_id": VALUE, **element},
        }

    code = text_input(CODE_BLOCK, "Document code", optional=False, max_length=60)
    if suggested_code:
        code["element"]["initial_value"] = suggested_code
    return {
        "type": "modal",
        "callback_id": REVISE_FORM,
        "private_metadata": json.dumps({"meeting_id": meeting.id, "number": item.number}),
        "title": plain("Revised document", 24),
        "submit": plain("Publish", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            _section(f"*Item {item.number}: {escape(item.title)}*\n{escape(meeting.title)}"),
            code,
            text_input(TITLE_BLOCK, "Title", optional=True, max_length=200),
            {
                "type": "input",
                "block_id": URL_BLOCK,
                "label": plain("Link to the document"),
                "element": {"type": "url_text_input", "action_id": VALUE},
            },
            text_input(NOTE_BLOCK, "What changed", optional=True, multiline=True, max_length=2000),
            {
                "type": "input",
                "block_id": UNTIL_BLOCK,
                "optional": True,
                "label": plain("Final concerns until (optional)"),
                "element": {"type": "datetimepicker", "action_id": VALUE},
                "hint": plain(
                    "Leave empty to publish without a final-concerns window. Replies in the "
                    "item's thread until then are recorded as final concerns."
                ),
            },
        ],
    }


def read_revise_form(view: dict[str, Any]) -> dict[str, Any]:
    """meeting_id, number, code, title, url, note (str) and until (a datetime or None)."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    if not isinstance(meta, dict):
        meta = {}
    values = (view.get("state") or {}).get("values") or {}

    def field(block: str) -> dict[str, Any]:
        found = (values.get(block) or {}).get(VALUE) or {}
        return found if isinstance(found, dict) else {}

    picked = field(UNTIL_BLOCK).get("selected_date_time")
    until: datetime | None = None
    if isinstance(picked, int | str) and str(picked).isdigit():  # Slack sends Unix seconds
        until = datetime.fromtimestamp(int(picked), UTC)
    return {
        "meeting_id": meta.get("meeting_id"),
        "number": meta.get("number"),
        "code": (field(CODE_BLOCK).get("value") or "").strip(),
        "title": (field(TITLE_BLOCK).get("value") or "").strip(),
        "url": (field(URL_BLOCK).get("value") or "").strip(),
        "note": (field(NOTE_BLOCK).get("value") or "").strip(),
        "until": until,
    }


# -- notices ------------------------------------------------------------------------------------


def revision_notice(meeting: Meeting, item: AgendaItem, revision: RevisedDocument) -> SlackMessage:
    """Posted in the item's thread when the secretariat publishes a revised document."""
    lines = [f":page_facing_up: *Revised document on item {item.number}*: {_document(revision)}"]
    if revision.note:
        lines.append(f"*What changed:* {escape(revision.note)}")
    if revision.concerns_deadline_at is not None:
        when = date_token(revision.concerns_deadline_at, meeting.timezone)
        lines.append(
            f":memo: *Final concerns* on the revised document: reply in this thread by {when}. "
            "Replies until then are recorded as final concerns of your delegation."
        )
    return SlackMessage(
        text=f"Item {item.number}: revised document {revision.code} published.",
        blocks=sections("\n".join(lines)),
    )


def revision_direct_message(
    meeting: Meeting,
    item: AgendaItem,
    revision: RevisedDocument,
    delegation: str,
    permalink: str | None,
) -> SlackMessage:
    """To each delegate of a delegation that commented on the item."""
    where = f"<{permalink}|the item's thread>" if permalink else "the item's thread"
    body = (
        f":page_facing_up: *{escape(meeting.title)}*: your delegation ({escape(delegation)}) "
        f"commented on *item {item.number}: {escape(item.title)}*, and the secretariat has "
        f"published a revised document: {_document(revision)}."
    )
    if revision.note:
        body += f"\n*What changed:* {escape(revision.note)}"
    if revision.concerns_deadline_at is not None:
        when = date_token(revision.concerns_deadline_at, meeting.timezone)
        body += f"\nAny final concerns: reply in {where} by {when}."
    else:
        body += f"\nIt is posted in {where}."
    return SlackMessage(
        text=f"Item {item.number}: revised document {revision.code} published.",
        blocks=sections(body),
    )


def concerns_reminder(
    meeting: Meeting, item: AgendaItem, revision: RevisedDocument
) -> SlackMessage:
    assert revision.concerns_deadline_at is not None
    when = date_token(revision.concerns_deadline_at, meeting.timezone)
    return SlackMessage(
        text=f"Reminder: final concerns on item {item.number} close soon.",
        blocks=sections(
            f":alarm_clock: *Final concerns closing soon* on *{item.number}: "
            f"{escape(item.title)}* (revised document {_document(revision)}): reply in "
            f"the item's thread by {when}."
        ),
    )


def concerns_closed_notice(
    meeting: Meeting, item: AgendaItem, revision: RevisedDocument
) -> SlackMessage:
    assert revision.concerns_deadline_at is not None
    when = date_token(revision.concerns_deadline_at, meeting.timezone)
    return SlackMessage(
        text=f"Final concerns on item {item.number} are closed.",
        blocks=sections(
            f":lock: *Final concerns on item {item.number} closed* at {when} (revised "
            f"document {_document(revision)}). A reply here is still recorded, marked "
            "late, for the chair and the secretariat to consider."
        ),
    )


def published_reply(item: AgendaItem, revision: RevisedDocument, timezone: str) -> str:
    """The secretariat's private confirmation."""
    head = f"Published: revised document {revision.code} on item {item.number}."
    going = "It is being posted in the thread and sent to the delegations that commented."
    if revision.concerns_deadline_at is None:
        return f"{head} {going}"
    when = date_token(revision.concerns_deadline_at, timezone)
    return f"{head} Final concerns are open until {when}. {going}"


# -- answers to /revise and the form --------------------------------------------------------------


def command_reply(meeting: Meeting, outcome: ReviseOutcome) -> str:
    """The private answer to a `/revise` that opens no form."""
    match outcome.outcome:
        case "refused":
            assert outcome.refusal is not None
            return refusal_text(outcome.refusal)
        case "help":
            return USAGE
        case "bad_command":
            assert outcome.command is not None
            return f"{parse_error_text(outcome.command)}\n\n{USAGE}"
        case "no_such_item" | "not_posted":
            return item_problem_text(meeting, outcome)
        case "invalid":
            lines = [problem_text(meeting, outcome.number, p) for p in outcome.problems]
            return "\n".join(lines) + f"\n\n{USAGE}"
        case "published":
            assert outcome.item is not None and outcome.revision is not None
            return published_reply(outcome.item, outcome.revision, meeting.timezone)
        case "form":  # answered by opening the form, not in words
            return ""


def form_errors(meeting: Meeting, outcome: ReviseOutcome) -> dict[str, str]:
    """What the form shows under its fields when a submission is refused or invalid."""
    match outcome.outcome:
        case "refused":
            assert outcome.refusal is not None
            errors = {CODE_BLOCK: refusal_text(outcome.refusal)}
        case "no_such_item" | "not_posted":
            errors = {CODE_BLOCK: item_problem_text(meeting, outcome)}
        case "invalid":
            errors = {
                BLOCKS[p.field]: problem_text(meeting, outcome.number, p) for p in outcome.problems
            }
        case _:
            errors = {}
    return {block: text[:FORM_ERROR_LIMIT] for block, text in errors.items()}


def parse_error_text(command: ReviseCommand) -> str:
    match command.error:
        case "not_a_number":
            return f"`{command.word}` is not an agenda item number."
        case "no_link":
            return "Give the revised document's code and its link after the item number."
        case "no_deadline":
            return "Give the final-concerns deadline after `until`."
        case None:
            return ""


def item_problem_text(meeting: Meeting, outcome: ReviseOutcome) -> str:
    """Why item `outcome.number` cannot have a revised document."""
    if outcome.outcome == "not_posted":
        return (
            f"Item {outcome.number} is not posted yet: a revised document is published in the "
            "item's thread, so post the item first (`/agenda`)."
        )
    return f"There is no item {outcome.number} on the agenda of {meeting.title}."


def problem_text(meeting: Meeting, number: int | None, problem: RevisionProblem) -> str:
    """One thing wrong with a revision on item `number`, in words."""
    zone = meeting.timezone
    match problem.code:
        case "code_missing":
            return "Give the revised document's code, e.g. PC0601E1/Rev.1."
        case "code_too_long":
            return f"A document code has at most {CODE_LIMIT} characters."
        case "not_a_link":
            return (
                f"`{problem.text[:80]}` is not a link: give the document's address, starting "
                "with https://."
            )
        case "title_too_long":
            return f"A title has at most {TITLE_LIMIT} characters."
        case "note_too_long":
            return f"Say what changed in at most {NOTE_LIMIT} characters."
        case "bad_deadline":
            return moment_problem(problem.text, zone)
        case "deadline_past":
            assert problem.at is not None
            return (
                f"{local_time(problem.at, zone)} is in the past; final concerns must close ahead."
            )
        case "no_comment_deadline":
            return (
                f"Item {number} has no comment deadline, so there is no comment period for a "
                "final-concerns window to follow."
            )
        case "before_comment_deadline":
            assert problem.at is not None
            return (
                f"Comments on item {number} close {local_time(problem.at, zone)}; final "
                "concerns must close after that."
            )
        case "decided":
            return (
                f"Item {number} is decided: publish the revision without a final-concerns deadline."
            )
        case "window_open":
            running = problem.running
            assert running is not None and running.concerns_deadline_at is not None
            return (
                f"Final concerns on {running.code} are open until "
                f"{local_time(running.concerns_deadline_at, zone)}: publish this revision "
                "without a deadline, or once that window has closed."
            )
        case "duplicate":
            return (
                f"{problem.text} at this link is already published on item {number}: nothing "
                "was done."
            )


def moment_problem(text: str, timezone: str) -> str:
    """Why `text` is no moment, in the parser's own words (which start with the text quoted).

    The domain only says that the deadline could not be read; the explanation is the one the
    meeting-file validator gives too, so it is asked of the parser here.
    """
    try:
        parse_moment(text, ZoneInfo(timezone))
    except ValueError as exc:
        return str(exc)
    return f"`{text}` is not a moment."  # not reached: the domain refused it
