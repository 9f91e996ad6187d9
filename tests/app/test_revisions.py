"""Revised documents and final concerns: `/revise`, its form, the announcement, the window.

Through the real Bolt app: the command and the form arrive as signed requests, the thread post,
the root's redraw and the direct messages go to the Slack stand-in, and the window's reminders
and closing are driven by `run_due` at chosen moments.
"""

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import col, select

from bot.clock.claims import Due, claim, mark_sent
from bot.clock.digest import send_digest
from bot.clock.revisions import announce_revision
from bot.clock.scheduler import next_due_at, run_due
from bot.core.clock import datetime_to_ts
from bot.core.db import session_scope
from bot.demo.standin import Delivery
from bot.domain.digest import build_digest
from bot.domain.record_rows import comment_rows
from bot.domain.session_end import sessions_to_close
from bot.domain.summary import build_summary
from bot.record.csv import CONTRACT_COLUMNS, write_csv
from bot.record.html import render_html
from bot.record.markdown import render_markdown
from bot.record.xlsx import write_xlsx
from bot.slack.api import ChannelPacer, Outbound, make_client
from bot.views.digest import digest_message
from models import AgendaItem, AuditEntry, Comment, Decision, Meeting, RevisedDocument
from models import Delivery as Scheduled
from tests.conftest import IN_SESSION, Bot
from tests.conftest import Meeting as PostedMeeting

SECRETARIAT = "U0SEC0001"
CHAIR = "U0CHAIR01"
AUSTRALIA = ("U0AU00001", "U0AUJANE1")
IVORY = "U0CI00001"
UPU = "U0UPU0001"  # an observer
URL = "https://example.org/PC0601E1-rev1.pdf"
# Item 3's comments close 17 July 2020 17:00 Brussels (15:00 UTC); the window follows.
AFTER_DEADLINE = datetime(2020, 7, 18, 8, 0, tzinfo=UTC)
WINDOW_END = datetime(2020, 7, 24, 15, 0, tzinfo=UTC)  # 17:00 Brussels
ONE_LINE = f"3 PC0601E1/Rev.1 {URL} until 2020-07-24T17:00 Disaster management, revised"


def command(bot: Bot, text: str, *, user: str = SECRETARIAT) -> dict[str, Any]:
    bot.standin.clear_calls()
    delivery = bot.sender.command(command="/revise", text=text, user=user, channel="C0TEST0001")
    assert delivery.status == 200
    bot.settle()
    if not delivery.body:
        return {}
    answer: dict[str, Any] = delivery.json()
    assert answer["response_type"] == "ephemeral"
    return answer


def reply(
    bot: Bot, meeting: PostedMeeting, user: str, text: str, *, at: datetime | None = None
) -> str:
    delivery = bot.sender.reply(
        channel=meeting.channel,
        user=user,
        text=text,
        thread_ts=meeting.roots[3],
        ts=datetime_to_ts(at) if at else None,
    )
    assert delivery.status == 200 and delivery.ts is not None
    bot.settle()
    return delivery.ts


def delete(bot: Bot, meeting: PostedMeeting, user: str, ts: str, text: str) -> None:
    delivery = bot.sender.delete(
        channel=meeting.channel, ts=ts, thread_ts=meeting.roots[3], user=user, previous_text=text
    )
    assert delivery.status == 200
    bot.settle()


def commenters(bot: Bot, meeting: PostedMeeting) -> None:
    """Australia (one delegate) and the UPU comment; Côte d'Ivoire comments and withdraws; the
    chair comments too (the chair is in no delegation)."""
    reply(bot, meeting, AUSTRALIA[0], "Australia supports the proposal.")
    reply(bot, meeting, UPU, "The UPU welcomes the cooperation.")
    withdrawn = reply(bot, meeting, IVORY, "Côte d'Ivoire has a question.")
    delete(bot, meeting, IVORY, withdrawn, "Côte d'Ivoire has a question.")
    reply(bot, meeting, CHAIR, "Thank you all.")


def direct_messages(bot: Bot) -> list[str]:
    """Who got the revision by direct message (the clock's digests are other messages)."""
    return [
        c.params["channel"]
        for c in bot.standin.calls_to("chat.postMessage")
        if str(c.params["channel"]).startswith("U") and "revised document" in c.params["text"]
    ]


def thread_posts(bot: Bot, meeting: PostedMeeting) -> list[str]:
    return [
        str(c.params.get("text"))
        for c in bot.standin.calls_to("chat.postMessage")
        if c.params.get("thread_ts") == meeting.roots[3]
    ]


def revisions(bot: Bot) -> list[RevisedDocument]:
    with session_scope(bot.database.engine) as session:
        return list(session.exec(select(RevisedDocument).order_by(col(RevisedDocument.id))))


def audit(bot: Bot) -> list[AuditEntry]:
    with session_scope(bot.database.engine) as session:
        return list(
            session.exec(
                select(AuditEntry).where(AuditEntry.action == "revise").order_by(col(AuditEntry.id))
            )
        )


def comment(bot: Bot, ts: str) -> Comment:
    with session_scope(bot.database.engine) as session:
        return session.exec(select(Comment).where(Comment.ts == ts)).one()


def outbound(bot: Bot) -> Outbound:
    return Outbound(make_client(bot.settings), ChannelPacer(interval=0))


def meeting_id(bot: Bot) -> int:
    with session_scope(bot.database.engine) as session:
        found = session.exec(select(Meeting.id)).one()
        assert found is not None
        return found


# -- publishing ---------------------------------------------------------------------------------


def test_secretariat_publishes_a_revision_and_only_the_delegations_that_commented_are_told(
    bot: Bot, meeting: PostedMeeting
):
    commenters(bot, meeting)
    bot.clock.now = AFTER_DEADLINE

    answer = command(bot, ONE_LINE)

    assert "Published: revised document PC0601E1/Rev.1 on item 3" in answer["text"]
    assert "Final concerns are open until" in answer["text"]
    [revision] = revisions(bot)
    assert (revision.code, revision.url, revision.title) == (
        "PC0601E1/Rev.1",
        URL,
        "Disaster management, revised",
    )
    assert revision.published_at == AFTER_DEADLINE
    assert revision.concerns_deadline_at == WINDOW_END
    [post] = thread_posts(bot, meeting)
    assert "revised document PC0601E1/Rev.1" in post
    [update] = bot.standin.calls_to("chat.update")
    assert update.params["ts"] == meeting.roots[3]
    blocks = json.dumps(update.params["blocks"])
    assert "Revised documents" in blocks and URL in blocks and "Final concerns" in blocks
    # Both Australian delegates (one of them did not write) and the observer; not Côte
    # d'Ivoire (its only comment was withdrawn), nor the chair or the secretariat.
    assert sorted(direct_messages(bot)) == sorted([*AUSTRALIA, UPU])
    [entry] = audit(bot)
    assert (entry.actor, entry.outcome) == (SECRETARIAT, "ok")
    assert "PC0601E1/Rev.1" in entry.detail


def test_a_delegate_cannot_revise_and_the_refusal_is_audited(bot: Bot, meeting: PostedMeeting):
    answer = command(bot, f"3 PC0601E1/Rev.1 {URL}", user=AUSTRALIA[0])

    assert (
        answer["text"] == "Only the secretariat of Test Committee, written session can use /revise."
    )
    assert revisions(bot) == []
    assert bot.standin.calls_to("chat.postMessage") == []
    [entry] = audit(bot)
    assert (entry.actor, entry.outcome) == (AUSTRALIA[0], "refused")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "How to use /revise"),
        ("three PC1 https://example.org/a.pdf", "`three` is not an agenda item number"),
        ("9 PC1 https://example.org/a.pdf", "There is no item 9"),
        ("5 PC1 https://example.org/a.pdf", "Item 5 is not posted yet"),
        ("3 PC0601E1/Rev.1", "Give the revised document's code and its link"),
        ("3 PC0601E1/Rev.1 example.org/a.pdf", "is not a link"),
        ("3 PC0601E1/Rev.1 javascript:alert(1)", "is not a link"),
        (f"3 PC0601E1/Rev.1 {URL} until", "Give the final-concerns deadline after `until`"),
        (f"3 PC0601E1/Rev.1 {URL} until next-week", "is not a date and time"),
        (f"3 PC0601E1/Rev.1 {URL} until 2020-07-09T17:00", "is in the past"),
        (f"3 PC0601E1/Rev.1 {URL} until 2020-07-16T17:00", "final concerns must close after"),
    ],
)
def test_bad_input_is_answered_privately_and_nothing_is_written(
    bot: Bot, meeting: PostedMeeting, text: str, expected: str
):
    answer = command(bot, text)

    assert expected in answer["text"]
    assert revisions(bot) == []
    assert bot.standin.calls_to("chat.postMessage") == []
    assert bot.standin.calls_to("chat.update") == []


def test_a_slack_formatted_link_is_read_and_a_second_identical_revision_is_refused(
    bot: Bot, meeting: PostedMeeting
):
    command(bot, f"3 PC0601E1/Rev.1 <{URL}>")
    answer = command(bot, f"3 PC0601E1/Rev.1 {URL}")

    assert "already published on item 3: nothing was done" in answer["text"]
    [revision] = revisions(bot)
    assert revision.url == URL and revision.concerns_deadline_at is None


def test_a_second_window_cannot_open_while_one_is_running(bot: Bot, meeting: PostedMeeting):
    bot.clock.now = AFTER_DEADLINE
    command(bot, ONE_LINE)
    answer = command(bot, f"3 PC0601E1/Rev.2 {URL}2 until 2020-07-28T17:00")

    assert "Final concerns on PC0601E1/Rev.1 are open until" in answer["text"]
    assert len(revisions(bot)) == 1
    command(bot, f"3 PC0601E1/Rev.2 {URL}2")  # without a window it may be published
    assert [r.code for r in revisions(bot)] == ["PC0601E1/Rev.1", "PC0601E1/Rev.2"]


# -- the form -----------------------------------------------------------------------------------


def opened_form(bot: Bot) -> dict[str, Any]:
    [opened] = bot.standin.calls_to("views.open")
    view: dict[str, Any] = opened.params["view"]
    return view


def submit(
    bot: Bot,
    view: dict[str, Any],
    *,
    user: str = SECRETARIAT,
    code: str = "PC0601E1/Rev.1",
    url: str = URL,
    note: str = "Paragraph 4 redrafted.",
    until: datetime | None = None,
) -> Delivery:
    values: dict[str, dict[str, Any]] = {
        "revision_code": {"value": {"type": "plain_text_input", "value": code}},
        "revision_title": {"value": {"type": "plain_text_input", "value": None}},
        "revision_url": {"value": {"type": "url_text_input", "value": url}},
        "revision_note": {"value": {"type": "plain_text_input", "value": note}},
        "revision_concerns_until": {
            "value": {
                "type": "datetimepicker",
                "selected_date_time": int(until.timestamp()) if until else None,
            }
        },
    }
    bot.standin.clear_calls()
    delivery = bot.sender.view_submission(
        callback_id=view["callback_id"],
        user=user,
        private_metadata=view["private_metadata"],
        values=values,
    )
    assert delivery.status == 200
    bot.settle()
    return delivery


def test_revise_with_the_item_alone_opens_the_form_and_its_submission_publishes(
    bot: Bot, meeting: PostedMeeting
):
    commenters(bot, meeting)
    bot.clock.now = AFTER_DEADLINE

    assert command(bot, "3") == {}  # no text: the form opens instead

    view = opened_form(bot)
    assert view["callback_id"] == "revise_document"
    assert json.loads(view["private_metadata"])["number"] == 3
    code = next(b for b in view["blocks"] if b.get("block_id") == "revision_code")
    assert code["element"]["initial_value"] == "PC0601E1/Rev.1"  # suggested from the file

    submitted = submit(bot, view, until=WINDOW_END)

    assert submitted.body == ""  # the modal closes
    [revision] = revisions(bot)
    assert (revision.note, revision.concerns_deadline_at) == ("Paragraph 4 redrafted.", WINDOW_END)
    [post] = thread_posts(bot, meeting)
    assert "PC0601E1/Rev.1" in post
    assert sorted(direct_messages(bot)) == sorted([*AUSTRALIA, UPU])


def test_form_errors_keep_the_modal_open_and_write_nothing(bot: Bot, meeting: PostedMeeting):
    command(bot, "3")
    view = opened_form(bot)

    bad = submit(bot, view, url="not a link", until=IN_SESSION - timedelta(days=1))

    errors = bad.json()["errors"]
    assert bad.json()["response_action"] == "errors"
    assert "is not a link" in errors["revision_url"]
    assert "is in the past" in errors["revision_concerns_until"]
    assert revisions(bot) == [] and bot.standin.calls == []


def test_the_form_submitted_by_someone_else_is_refused_and_audited(
    bot: Bot, meeting: PostedMeeting
):
    command(bot, "3")
    view = opened_form(bot)

    refused = submit(bot, view, user=IVORY)

    assert "Only the secretariat" in refused.json()["errors"]["revision_code"]
    assert revisions(bot) == []
    assert [(e.actor, e.outcome) for e in audit(bot)] == [(IVORY, "refused")]


def test_the_form_opened_by_a_delegate_is_refused_instead(bot: Bot, meeting: PostedMeeting):
    answer = command(bot, "3", user=UPU)

    assert "Only the secretariat" in answer["text"]
    assert bot.standin.calls_to("views.open") == []


# -- telling each delegate once -------------------------------------------------------------------


def test_an_interrupted_announcement_is_finished_by_the_clock_and_nobody_is_told_twice(
    bot: Bot, meeting: PostedMeeting
):
    commenters(bot, meeting)
    bot.clock.now = AFTER_DEADLINE
    # The thread post goes through, then redrawing the root fails: the round stops there.
    bot.standin.fail("chat.update", error="internal_error")
    command(bot, ONE_LINE)
    assert len(thread_posts(bot, meeting)) == 1 and direct_messages(bot) == []
    [revision] = revisions(bot)
    assert revision.id is not None
    # As if a clock had told one delegate and crashed before recording the round as done.
    engine = bot.database.engine
    key = f"revision:{revision.id}:dm:{AUSTRALIA[0]}"
    token, held = claim(
        engine, [Due(key, "revision", meeting_id(bot), None, IN_SESSION)], now=IN_SESSION
    )
    mark_sent(engine, [due.key for due in held], token=token, now=IN_SESSION)

    bot.standin.clear_calls()
    run_due(engine, outbound(bot), now=AFTER_DEADLINE + timedelta(minutes=1))
    run_due(engine, outbound(bot), now=AFTER_DEADLINE + timedelta(minutes=2))
    again = announce_revision(engine, outbound(bot), revision_id=revision.id, now=AFTER_DEADLINE)

    assert again == 0
    # Posted once, by the first attempt (the clock also closes the item's comments meanwhile).
    assert [p for p in thread_posts(bot, meeting) if "revised document" in p] == []
    roots = [c.params["blocks"] for c in bot.standin.calls_to("chat.update")]
    assert any("Revised documents" in json.dumps(blocks) for blocks in roots)
    assert sorted(direct_messages(bot)) == sorted([AUSTRALIA[1], UPU])  # the rest, once each


# -- the window ---------------------------------------------------------------------------------


def test_final_concerns_are_recorded_with_their_phase_and_late_flags(
    bot: Bot, meeting: PostedMeeting, tmp_path: Path
):
    during = reply(bot, meeting, AUSTRALIA[0], "Comment in time.")  # the comment period
    late = reply(bot, meeting, IVORY, "Late comment.", at=AFTER_DEADLINE - timedelta(hours=1))
    bot.clock.now = AFTER_DEADLINE
    command(bot, ONE_LINE)
    bot.standin.clear_calls()
    concern = reply(bot, meeting, IVORY, "A final concern.", at=AFTER_DEADLINE + timedelta(days=1))
    too_late = reply(bot, meeting, UPU, "Too late.", at=WINDOW_END + timedelta(minutes=5))

    # The concern in the window is not told it is late; the one after it is, by the window's
    # deadline.
    [notice] = bot.standin.calls_to("chat.postEphemeral")
    assert notice.params["user"] == UPU
    assert "but final concerns closed at" in notice.params["text"]
    assert f"<!date^{int(WINDOW_END.timestamp())}^" in notice.params["text"]
    assert (comment(bot, during).late, comment(bot, during).final_concerns_id) == (False, None)
    assert (comment(bot, late).late, comment(bot, late).final_concerns_id) == (True, None)
    [revision] = revisions(bot)
    assert (comment(bot, concern).late, comment(bot, concern).final_concerns_id) == (
        False,
        revision.id,
    )
    assert (comment(bot, too_late).late, comment(bot, too_late).final_concerns_id) == (
        True,
        revision.id,
    )
    with session_scope(bot.database.engine) as session:
        write_csv(comment_rows(session, meeting_id=meeting_id(bot)), tmp_path / "record.csv")
    with (tmp_path / "record.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    header = (tmp_path / "record.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[: len(CONTRACT_COLUMNS)] == CONTRACT_COLUMNS  # the contract's, unchanged
    assert header[len(CONTRACT_COLUMNS) :] == ["kind", "phase", "author"]
    phases = {row["comment_id"].split("-", 1)[1]: (row["phase"], row["late"]) for row in rows}
    assert phases == {
        during: ("comments", "false"),
        late: ("comments", "true"),
        concern: ("final_concerns", "false"),
        too_late: ("final_concerns", "true"),
    }


def test_a_moved_comment_deadline_keeps_final_concerns_judged_by_their_window(
    bot: Bot, meeting: PostedMeeting
):
    bot.clock.now = AFTER_DEADLINE
    command(bot, ONE_LINE)
    concern = reply(bot, meeting, IVORY, "A concern.", at=AFTER_DEADLINE + timedelta(hours=2))

    # /extend re-judges every comment of the item: by the new comment deadline (09:00 UTC) the
    # concern (10:00 UTC) is still after it, so it stays a final concern, late only by its window.
    extended = bot.sender.command(
        command="/extend", text="3 2020-07-18T11:00", user=CHAIR, channel="C0TEST0001"
    )
    assert extended.status == 200 and "now closes" in extended.json()["text"]
    bot.settle()

    stored = comment(bot, concern)
    assert stored.final_concerns_id is not None and stored.late is False


def test_window_reminders_and_closing_are_driven_by_the_clock(bot: Bot, meeting: PostedMeeting):
    bot.clock.now = AFTER_DEADLINE
    command(bot, ONE_LINE)
    engine, out = bot.database.engine, outbound(bot)
    # Reminders at the meeting's offsets (7d, 2d, 24h) that fall inside the window: 2d and 24h.
    two_days = WINDOW_END - timedelta(days=2)
    upcoming = next_due_at(engine, now=two_days - timedelta(minutes=1))
    assert upcoming == two_days

    def reminders() -> list[Any]:
        return [
            c
            for c in bot.standin.calls_to("chat.postMessage")
            if "Final concerns closing soon" in json.dumps(c.params.get("blocks"))
        ]

    bot.standin.clear_calls()
    run_due(engine, out, now=two_days - timedelta(minutes=1))
    assert reminders() == []
    run_due(engine, out, now=two_days)
    run_due(engine, out, now=two_days + timedelta(minutes=1))
    [reminder] = reminders()
    assert reminder.params["channel"] == "C0TEST0001"
    run_due(engine, out, now=WINDOW_END - timedelta(hours=24))
    assert len(reminders()) == 2

    assert next_due_at(engine, now=WINDOW_END - timedelta(minutes=1)) == WINDOW_END
    bot.standin.clear_calls()
    run_due(engine, out, now=WINDOW_END)
    run_due(engine, out, now=WINDOW_END + timedelta(minutes=1))
    closing = [p for p in thread_posts(bot, meeting) if "Final concerns on item 3 are closed" in p]
    assert len(closing) == 1
    roots = [c for c in bot.standin.calls_to("chat.update") if c.params["ts"] == meeting.roots[3]]
    assert len(roots) == 1
    root = json.dumps(roots[0].params["blocks"])
    assert "Revised documents" in root and "Comments are closed" in root
    assert ":memo:" not in root  # the window's line is gone
    with session_scope(engine) as session:
        sent = list(
            session.exec(select(Scheduled.key).where(col(Scheduled.key).startswith("concerns-")))
        )
    assert len([k for k in sent if k.startswith("concerns-reminder:")]) == 2


# -- the record ---------------------------------------------------------------------------------


def test_the_record_has_a_section_for_revised_documents_and_final_concerns(
    bot: Bot, meeting: PostedMeeting, tmp_path: Path
):
    reply(bot, meeting, AUSTRALIA[0], "Australia supports the proposal.")
    bot.clock.now = AFTER_DEADLINE
    command(bot, ONE_LINE)
    reply(bot, meeting, IVORY, "Our final concern: para 4.", at=AFTER_DEADLINE + timedelta(days=1))
    with session_scope(bot.database.engine) as session:
        summary = build_summary(session, meeting_id=meeting_id(bot), now=WINDOW_END)

    [item] = [i for i in summary.items if i.number == 3]
    [revised] = item.revisions
    assert (revised.code, revised.concerns_deadline_at) == ("PC0601E1/Rev.1", WINDOW_END)
    assert [c.text for c in item.comments if c.final_concern] == ["Our final concern: para 4."]

    markdown = render_markdown(summary)
    section = markdown.split("### Revised documents and final concerns")[1]
    assert "PC0601E1/Rev.1" in section and "Our final concern: para 4." in section
    comments = markdown.split("### Comments")[1].split("### Revised documents")[0]
    assert "Our final concern" not in comments  # shown once, in its own section
    page = render_html(summary, {})
    assert 'class="revisions"' in page and "Our final concern: para 4." in page
    write_xlsx(summary, tmp_path / "record.xlsx")
    book = load_workbook(tmp_path / "record.xlsx")
    sheet = book["Revised documents"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == (3, "PC0601E1/Rev.1", "Disaster management, revised")
    header = [c.value for c in book["Comments"][1]]
    assert header[-2:] == ["phase", "author"]  # the author's name after, as in the CSV


def test_the_digest_marks_final_concerns(bot: Bot, meeting: PostedMeeting):
    bot.clock.now = AFTER_DEADLINE
    command(bot, ONE_LINE)
    reply(bot, meeting, IVORY, "Our final concern: para 4.", at=AFTER_DEADLINE + timedelta(days=1))
    reply(
        bot,
        meeting,
        UPU,
        "An ordinary late reply on item 3.",
        at=AFTER_DEADLINE - timedelta(hours=1),
    )
    with session_scope(bot.database.engine) as session:
        meeting_row = session.exec(select(Meeting)).one()
        digest = build_digest(
            session, meeting=meeting_row, recipient=SECRETARIAT, now=WINDOW_END, team_url=None
        )
    text = json.dumps(digest_message(digest).blocks, ensure_ascii=False)

    assert "Our final concern: para 4. — Côte d'Ivoire _final concern_" in text
    assert "An ordinary late reply on item 3. — Universal Postal Union _late_" in text


def home_text(bot: Bot, user: str) -> str:
    view = bot.standin.home_view(user)
    assert view is not None, f"no Home published for {user}"
    return json.dumps(view["blocks"], ensure_ascii=False)


def open_home(bot: Bot, user: str) -> str:
    delivery = bot.sender.app_home_opened(user)
    assert delivery.status == 200
    bot.settle()
    return home_text(bot, user)


def test_a_delegates_home_shows_the_open_window_from_the_moment_it_is_published(
    bot: Bot, meeting: PostedMeeting
):
    commenters(bot, meeting)
    open_home(bot, IVORY)  # once: only Homes someone opened are republished
    bot.clock.now = AFTER_DEADLINE
    command(bot, ONE_LINE)

    # Republished after /revise, without the delegate opening it again.
    home = home_text(bot, IVORY)
    assert "Final concerns open" in home and "PC0601E1/Rev.1" in home and URL in home
    assert f"<!date^{int(WINDOW_END.timestamp())}^" in home
    # Once the window has closed, a Home opened again no longer lists it.
    bot.clock.now = WINDOW_END + timedelta(minutes=1)
    assert "Final concerns open" not in open_home(bot, IVORY)


def test_the_session_does_not_close_itself_while_a_final_concerns_window_is_open(
    bot: Bot, meeting: PostedMeeting
):
    """Every item decided and every comment deadline passed would close the session, but a
    delegation may still raise a final concern until the window's deadline."""
    window_end = datetime(2030, 3, 2, 16, 0, tzinfo=UTC)  # after item 5's deadline (2030-01-31)
    with session_scope(bot.database.engine) as session:
        items = list(session.exec(select(AgendaItem).order_by(col(AgendaItem.number))))
        for item in items:
            assert item.id is not None
            session.add(
                Decision(
                    item_id=item.id,
                    kind="noted",
                    text="Noted.",
                    decided_by=CHAIR,
                    decided_at=IN_SESSION,
                )
            )
        session.add(
            RevisedDocument(
                item_id=items[0].id or 0,
                code="PC0601E1/Rev.1",
                url=URL,
                published_by=SECRETARIAT,
                published_at=IN_SESSION,
                concerns_deadline_at=window_end,
            )
        )
    with session_scope(bot.database.engine, read_only=True) as session:
        assert sessions_to_close(session, now=window_end - timedelta(minutes=1)) == []
        assert sessions_to_close(session, now=window_end) == [meeting_id(bot)]


def test_the_digest_reports_a_new_revision_once_then_the_open_window(
    bot: Bot, meeting: PostedMeeting
):
    bot.clock.now = AFTER_DEADLINE
    command(bot, ONE_LINE)

    def digest_text(at: datetime) -> str:
        bot.standin.clear_calls()
        sent = send_digest(
            bot.database.engine,
            outbound(bot),
            meeting_id=meeting_id(bot),
            recipient=SECRETARIAT,
            now=at,
            forced=True,
        )
        assert sent
        [post] = bot.standin.calls_to("chat.postMessage")
        return json.dumps(post.params["blocks"], ensure_ascii=False)

    first = digest_text(AFTER_DEADLINE + timedelta(hours=1))
    assert f"revised document <{URL}|PC0601E1/Rev.1> published; final concerns until" in first
    second = digest_text(AFTER_DEADLINE + timedelta(days=1))
    assert "PC0601E1/Rev.1" not in second  # reported once
    assert "Item 3: final concerns open until" in second
    assert "final concerns open" not in digest_text(WINDOW_END + timedelta(minutes=1))
