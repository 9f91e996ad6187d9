"""Reading `/revise` and the words about revised documents, from values alone (no database,
no Slack)."""

from datetime import UTC, datetime

from bot.domain.permissions import Permission, Refusal
from bot.domain.revisions import ReviseOutcome, RevisionProblem
from bot.parse.revise import ReviseCommand, RevisionRequest, parse_revise
from bot.views.revisions import (
    CODE_BLOCK,
    UNTIL_BLOCK,
    URL_BLOCK,
    USAGE,
    command_reply,
    form_errors,
    problem_text,
    published_reply,
    read_revise_form,
    revise_form,
    revision_direct_message,
    revision_notice,
)
from models import AgendaItem, Meeting, RevisedDocument

URL = "https://example.org/PC0601E1-rev1.pdf"
MEETING = Meeting(id=1, key="ptc", title="PTC 2020", channel="C0MEET", timezone="Europe/Zurich")
ITEM = AgendaItem(id=3, meeting_id=1, number=3, title="Disaster management")
WINDOW_END = datetime(2020, 7, 24, 15, 0, tzinfo=UTC)  # 17:00 in Zurich
WINDOW_END_TEXT = "Fri 24 Jul 2020 17:00 CEST"
REVISION = RevisedDocument(
    id=7,
    item_id=3,
    code="PC0601E1/Rev.1",
    url=URL,
    note="Paragraph 4 redrafted.",
    published_by="U0SEC",
    published_at=datetime(2020, 7, 20, 9, 0, tzinfo=UTC),
    concerns_deadline_at=WINDOW_END,
)


# -- parsing ------------------------------------------------------------------------------------


def test_nothing_or_help_asks_for_the_usage() -> None:
    assert parse_revise("  ").action == "help"
    assert parse_revise("HELP").action == "help"


def test_an_item_number_alone_asks_for_the_form() -> None:
    assert parse_revise("#3") == ReviseCommand("form", number=3)


def test_the_one_line_form_reads_code_link_deadline_and_title() -> None:
    parsed = parse_revise(
        f"3 PC0601E1/Rev.1 <{URL}|PC0601E1-rev1.pdf> until 2020-07-24 17:00 New title"
    )

    assert parsed == ReviseCommand(
        "publish",
        number=3,
        request=RevisionRequest(
            3, "PC0601E1/Rev.1", URL, title="New title", until_text="2020-07-24 17:00"
        ),
    )


def test_without_until_everything_after_the_link_is_the_title() -> None:
    parsed = parse_revise(f"3 PC1 {URL} Disaster management, revised")

    assert parsed.request == RevisionRequest(3, "PC1", URL, title="Disaster management, revised")


def test_malformed_commands_name_the_error_and_keep_the_number_when_there_is_one() -> None:
    assert parse_revise("three PC1 x") == ReviseCommand("error", error="not_a_number", word="three")
    assert parse_revise("3 PC1") == ReviseCommand("error", number=3, error="no_link")
    assert parse_revise(f"3 PC1 {URL} until") == ReviseCommand(
        "error", number=3, error="no_deadline"
    )


# -- answers ------------------------------------------------------------------------------------


def test_a_refusal_is_said_as_the_secretariat_only() -> None:
    refusal = Refusal(Permission.MANAGE, "revise", MEETING.title, "member")
    outcome = ReviseOutcome("refused", refusal=refusal)

    assert command_reply(MEETING, outcome) == "Only the secretariat of PTC 2020 can use /revise."
    assert form_errors(MEETING, outcome) == {
        CODE_BLOCK: "Only the secretariat of PTC 2020 can use /revise."
    }


def test_a_command_that_cannot_be_read_says_why_then_the_usage() -> None:
    outcome = ReviseOutcome("bad_command", command=parse_revise("three"))
    assert command_reply(MEETING, outcome) == (f"`three` is not an agenda item number.\n\n{USAGE}")
    no_link = ReviseOutcome("bad_command", number=3, command=parse_revise("3 PC1"))
    assert command_reply(MEETING, no_link) == (
        f"Give the revised document's code and its link after the item number.\n\n{USAGE}"
    )


def test_an_unknown_or_unposted_item_is_said_without_the_usage() -> None:
    assert command_reply(MEETING, ReviseOutcome("no_such_item", number=9)) == (
        "There is no item 9 on the agenda of PTC 2020."
    )
    assert command_reply(MEETING, ReviseOutcome("not_posted", number=5)) == (
        "Item 5 is not posted yet: a revised document is published in the item's thread, so "
        "post the item first (`/agenda`)."
    )


def test_an_invalid_request_lists_each_problem_then_the_usage() -> None:
    outcome = ReviseOutcome(
        "invalid",
        number=3,
        problems=(
            RevisionProblem("code", "code_missing"),
            RevisionProblem("url", "not_a_link", text="example.org/a.pdf"),
            RevisionProblem("until", "deadline_past", at=WINDOW_END),
        ),
    )

    assert command_reply(MEETING, outcome) == (
        "Give the revised document's code, e.g. PC0601E1/Rev.1.\n"
        "`example.org/a.pdf` is not a link: give the document's address, starting with "
        "https://.\n"
        f"{WINDOW_END_TEXT} is in the past; final concerns must close ahead.\n\n{USAGE}"
    )


def test_form_errors_go_under_their_fields_and_are_cut_to_slacks_limit() -> None:
    outcome = ReviseOutcome(
        "invalid",
        number=3,
        problems=(
            RevisionProblem("url", "not_a_link", text="x" * 400),
            RevisionProblem("until", "decided"),
        ),
    )

    errors = form_errors(MEETING, outcome)

    assert list(errors) == [URL_BLOCK, UNTIL_BLOCK]
    assert errors[URL_BLOCK] == f"`{'x' * 80}` is not a link: give the document's address, " + (
        "starting with https://."
    )
    assert errors[UNTIL_BLOCK] == (
        "Item 3 is decided: publish the revision without a final-concerns deadline."
    )
    assert form_errors(MEETING, ReviseOutcome("published", item=ITEM, revision=REVISION)) == {}


def test_deadline_problems_name_the_moments_in_the_meetings_time_zone() -> None:
    before = RevisionProblem("until", "before_comment_deadline", at=WINDOW_END)
    assert problem_text(MEETING, 3, before) == (
        f"Comments on item 3 close {WINDOW_END_TEXT}; final concerns must close after that."
    )
    running = RevisionProblem("until", "window_open", running=REVISION)
    assert problem_text(MEETING, 3, running) == (
        f"Final concerns on PC0601E1/Rev.1 are open until {WINDOW_END_TEXT}: publish this "
        "revision without a deadline, or once that window has closed."
    )
    unreadable = RevisionProblem("until", "bad_deadline", text="next-week")
    assert problem_text(MEETING, 3, unreadable).startswith("'next-week' is not a date and time")
    duplicate = RevisionProblem("code", "duplicate", text="PC1")
    assert problem_text(MEETING, 3, duplicate) == (
        "PC1 at this link is already published on item 3: nothing was done."
    )


def test_the_confirmation_says_until_when_final_concerns_are_open() -> None:
    reply = command_reply(MEETING, ReviseOutcome("published", item=ITEM, revision=REVISION))

    assert reply.startswith("Published: revised document PC0601E1/Rev.1 on item 3. ")
    assert "Final concerns are open until <!date^1595602800^" in reply
    assert reply == published_reply(ITEM, REVISION, MEETING.timezone)


# -- the form and the notices -------------------------------------------------------------------


def test_the_form_carries_the_item_and_reads_back_what_was_submitted() -> None:
    view = revise_form(MEETING, ITEM, suggested_code="PC0601E1/Rev.1")
    code = next(b for b in view["blocks"] if b.get("block_id") == CODE_BLOCK)
    assert code["element"]["initial_value"] == "PC0601E1/Rev.1"

    values = {
        "revision_code": {"value": {"value": " PC0601E1/Rev.1 "}},
        "revision_url": {"value": {"value": URL}},
        "revision_concerns_until": {"value": {"selected_date_time": 1595602800}},
    }
    form = read_revise_form({**view, "state": {"values": values}})

    assert (form["meeting_id"], form["number"], form["code"]) == (1, 3, "PC0601E1/Rev.1")
    assert (form["url"], form["title"], form["until"]) == (URL, "", WINDOW_END)


def test_the_thread_notice_and_the_direct_message_invite_final_concerns() -> None:
    notice = revision_notice(MEETING, ITEM, REVISION)
    assert notice.text == "Item 3: revised document PC0601E1/Rev.1 published."
    assert "*What changed:* Paragraph 4 redrafted." in notice.blocks[0]["text"]["text"]

    message = revision_direct_message(MEETING, ITEM, REVISION, "Australia", "https://p/1")
    body = message.blocks[0]["text"]["text"]
    assert "your delegation (Australia) commented on *item 3: Disaster management*" in body
    assert "Any final concerns: reply in <https://p/1|the item's thread> by <!date^" in body
