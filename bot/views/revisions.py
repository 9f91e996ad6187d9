"""Every word about revised documents and final concerns: `/revise`'s answers and usage, the
form and its errors, the thread notice, the direct messages, the reminders and closing notices.

Pure builders: domain values in (bot/domain/revisions.py), text, view or message out, in the
active language (bot/views/i18n.py): the notices are channel posts their callers render in every
meeting language, the rest is private and rendered in its reader's.
"""

import json
from datetime import UTC, datetime
from typing import Any

from bot.domain.revisions import (
    CODE_LIMIT,
    NOTE_LIMIT,
    TITLE_LIMIT,
    ReviseOutcome,
    RevisionField,
    RevisionProblem,
)
from bot.parse.revise import ReviseCommand
from bot.views.fit import plain, sections, shorten
from bot.views.i18n import N_, _, text_of
from bot.views.messages import SlackMessage, date_token, document_link, escape, local_time
from bot.views.moments import moment_problem
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
# The English texts; `expired_form_text()` and `usage()` say them in the active language.
EXPIRED_FORM = N_("This form is out of date: use /revise again.")

USAGE = N_(
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


def usage() -> str:
    """How to use `/revise`."""
    return _(USAGE)


def expired_form_text() -> str:
    """Under the form's first field when the form names no meeting or item any more."""
    return _(EXPIRED_FORM)


def _section(text: str) -> dict[str, Any]:
    """One section (in the form): a text too long for it is shortened between words."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": shorten(text, 3000)}}


def _document(revision: RevisedDocument) -> str:
    return document_link(revision.code, revision.url, revision.title)


def _what_changed(revision: RevisedDocument) -> str:
    return _("*What changed:* {note}", note=escape(revision.note))


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

    code = text_input(CODE_BLOCK, _("Document code"), optional=False, max_length=60)
    if suggested_code:
        code["element"]["initial_value"] = suggested_code
    heading = _(
        "*Item {number}: {title}*", number=item.number, title=escape(text_of(item, "title"))
    )
    return {
        "type": "modal",
        "callback_id": REVISE_FORM,
        "private_metadata": json.dumps({"meeting_id": meeting.id, "number": item.number}),
        "title": plain(_("Revised document"), 24),
        "submit": plain(_("Publish"), 24),
        "close": plain(_("Cancel"), 24),
        "blocks": [
            _section(f"{heading}\n{escape(text_of(meeting, 'title'))}"),
            code,
            text_input(TITLE_BLOCK, _("Title"), optional=True, max_length=200),
            {
                "type": "input",
                "block_id": URL_BLOCK,
                "label": plain(_("Link to the document")),
                "element": {"type": "url_text_input", "action_id": VALUE},
            },
            text_input(
                NOTE_BLOCK, _("What changed"), optional=True, multiline=True, max_length=2000
            ),
            {
                "type": "input",
                "block_id": UNTIL_BLOCK,
                "optional": True,
                "label": plain(_("Final concerns until (optional)")),
                "element": {"type": "datetimepicker", "action_id": VALUE},
                "hint": plain(
                    _(
                        "Leave empty to publish without a final-concerns window. Replies in the "
                        "item's thread until then are recorded as final concerns."
                    )
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


def _published_text(item: AgendaItem, revision: RevisedDocument) -> str:
    return _(
        "Item {number}: revised document {code} published.",
        number=item.number,
        code=revision.code,
    )


def revision_notice(meeting: Meeting, item: AgendaItem, revision: RevisedDocument) -> SlackMessage:
    """Posted in the item's thread when the secretariat publishes a revised document."""
    lines = [
        _(
            ":page_facing_up: *Revised document on item {number}*: {document}",
            number=item.number,
            document=_document(revision),
        )
    ]
    if revision.note:
        lines.append(_what_changed(revision))
    if revision.concerns_deadline_at is not None:
        when = date_token(revision.concerns_deadline_at, meeting.timezone)
        lines.append(
            _(
                ":memo: *Final concerns* on the revised document: reply in this thread by "
                "{deadline}. Replies until then are recorded as final concerns of your "
                "delegation.",
                deadline=when,
            )
        )
    return SlackMessage(text=_published_text(item, revision), blocks=sections("\n".join(lines)))


def revision_direct_message(
    meeting: Meeting,
    item: AgendaItem,
    revision: RevisedDocument,
    delegation: str,
    permalink: str | None,
) -> SlackMessage:
    """To each delegate of a delegation that commented on the item."""
    thread = _("the item's thread")
    where = f"<{permalink}|{thread}>" if permalink else thread
    body = _(
        ":page_facing_up: *{meeting}*: your delegation ({delegation}) commented on *item "
        "{number}: {title}*, and the secretariat has published a revised document: {document}.",
        meeting=escape(text_of(meeting, "title")),
        delegation=escape(delegation),
        number=item.number,
        title=escape(text_of(item, "title")),
        document=_document(revision),
    )
    if revision.note:
        body += "\n" + _what_changed(revision)
    if revision.concerns_deadline_at is not None:
        when = date_token(revision.concerns_deadline_at, meeting.timezone)
        body += "\n" + _(
            "Any final concerns: reply in {where} by {deadline}.", where=where, deadline=when
        )
    else:
        body += "\n" + _("It is posted in {where}.", where=where)
    return SlackMessage(text=_published_text(item, revision), blocks=sections(body))


def concerns_reminder(
    meeting: Meeting, item: AgendaItem, revision: RevisedDocument
) -> SlackMessage:
    assert revision.concerns_deadline_at is not None
    when = date_token(revision.concerns_deadline_at, meeting.timezone)
    return SlackMessage(
        text=_("Reminder: final concerns on item {number} close soon.", number=item.number),
        blocks=sections(
            _(
                ":alarm_clock: *Final concerns closing soon* on *{number}: {title}* (revised "
                "document {document}): reply in the item's thread by {deadline}.",
                number=item.number,
                title=escape(text_of(item, "title")),
                document=_document(revision),
                deadline=when,
            )
        ),
    )


def concerns_closed_notice(
    meeting: Meeting, item: AgendaItem, revision: RevisedDocument
) -> SlackMessage:
    assert revision.concerns_deadline_at is not None
    when = date_token(revision.concerns_deadline_at, meeting.timezone)
    return SlackMessage(
        text=_("Final concerns on item {number} are closed.", number=item.number),
        blocks=sections(
            _(
                ":lock: *Final concerns on item {number} closed* at {deadline} (revised "
                "document {document}). A reply here is still recorded, marked late, for the "
                "chair and the secretariat to consider.",
                number=item.number,
                deadline=when,
                document=_document(revision),
            )
        ),
    )


def published_reply(item: AgendaItem, revision: RevisedDocument, timezone: str) -> str:
    """The secretariat's private confirmation."""
    head = _(
        "Published: revised document {code} on item {number}.",
        code=revision.code,
        number=item.number,
    )
    going = _("It is being posted in the thread and sent to the delegations that commented.")
    if revision.concerns_deadline_at is None:
        return f"{head} {going}"
    when = date_token(revision.concerns_deadline_at, timezone)
    window = _("Final concerns are open until {deadline}.", deadline=when)
    return f"{head} {window} {going}"


# -- answers to /revise and the form --------------------------------------------------------------


def command_reply(meeting: Meeting, outcome: ReviseOutcome) -> str:
    """The private answer to a `/revise` that opens no form."""
    match outcome.outcome:
        case "refused":
            assert outcome.refusal is not None
            return refusal_text(outcome.refusal)
        case "help":
            return usage()
        case "bad_command":
            assert outcome.command is not None
            return f"{parse_error_text(outcome.command)}\n\n{usage()}"
        case "no_such_item" | "not_posted":
            return item_problem_text(meeting, outcome)
        case "invalid":
            lines = [problem_text(meeting, outcome.number, p) for p in outcome.problems]
            return "\n".join(lines) + f"\n\n{usage()}"
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
            return _("`{word}` is not an agenda item number.", word=command.word)
        case "no_link":
            return _("Give the revised document's code and its link after the item number.")
        case "no_deadline":
            return _("Give the final-concerns deadline after `until`.")
        case None:
            return ""


def item_problem_text(meeting: Meeting, outcome: ReviseOutcome) -> str:
    """Why item `outcome.number` cannot have a revised document."""
    if outcome.outcome == "not_posted":
        return _(
            "Item {number} is not posted yet: a revised document is published in the item's "
            "thread, so post the item first (`/agenda`).",
            number=outcome.number,
        )
    return _(
        "There is no item {number} on the agenda of {meeting}.",
        number=outcome.number,
        meeting=text_of(meeting, "title"),
    )


def problem_text(meeting: Meeting, number: int | None, problem: RevisionProblem) -> str:
    """One thing wrong with a revision on item `number`, in words."""
    zone = meeting.timezone
    match problem.code:
        case "code_missing":
            return _("Give the revised document's code, e.g. PC0601E1/Rev.1.")
        case "code_too_long":
            return _("A document code has at most {limit} characters.", limit=CODE_LIMIT)
        case "not_a_link":
            return _(
                "`{text}` is not a link: give the document's address, starting with https://.",
                text=problem.text[:80],
            )
        case "title_too_long":
            return _("A title has at most {limit} characters.", limit=TITLE_LIMIT)
        case "note_too_long":
            return _("Say what changed in at most {limit} characters.", limit=NOTE_LIMIT)
        case "bad_deadline":
            return moment_problem(problem.text, zone)
        case "deadline_past":
            assert problem.at is not None
            return _(
                "{moment} is in the past; final concerns must close ahead.",
                moment=local_time(problem.at, zone),
            )
        case "no_comment_deadline":
            return _(
                "Item {number} has no comment deadline, so there is no comment period for a "
                "final-concerns window to follow.",
                number=number,
            )
        case "before_comment_deadline":
            assert problem.at is not None
            return _(
                "Comments on item {number} close {moment}; final concerns must close after that.",
                number=number,
                moment=local_time(problem.at, zone),
            )
        case "decided":
            return _(
                "Item {number} is decided: publish the revision without a final-concerns deadline.",
                number=number,
            )
        case "window_open":
            running = problem.running
            assert running is not None and running.concerns_deadline_at is not None
            return _(
                "Final concerns on {code} are open until {moment}: publish this revision "
                "without a deadline, or once that window has closed.",
                code=running.code,
                moment=local_time(running.concerns_deadline_at, zone),
            )
        case "duplicate":
            return _(
                "{code} at this link is already published on item {number}: nothing was done.",
                code=problem.text,
                number=number,
            )
