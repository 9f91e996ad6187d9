"""The secretariat's digest, /digest, /record and /close."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import event
from sqlmodel import select

from bot.clock.digest import send_digest
from bot.clock.scheduler import run_due
from bot.core.clock import datetime_to_ts
from bot.core.db import session_scope
from bot.domain.summary import build_summary
from bot.slack.api import ChannelPacer, Outbound, make_client
from models import AuditEntry, Meeting
from tests.conftest import IN_SESSION, Bot
from tests.conftest import Meeting as Posted

SECRETARIAT = ("U0SEC0001", "U0SEC0002")


def outbound(bot: Bot) -> Outbound:
    return Outbound(make_client(bot.settings), ChannelPacer(0))


def meeting_id(bot: Bot) -> int:
    with session_scope(bot.database.engine) as session:
        meeting = session.exec(select(Meeting)).one()
        assert meeting.id is not None
        return meeting.id


def digest_to(bot: Bot, recipient: str, now: datetime = IN_SESSION) -> str:
    bot.standin.clear_calls()
    send_digest(
        bot.database.engine,
        outbound(bot),
        meeting_id=meeting_id(bot),
        recipient=recipient,
        now=now,
        forced=True,
    )
    [message] = bot.standin.calls_to("chat.postMessage")
    assert message.params["channel"] == recipient
    return str(message.params["text"]) + "\n" + str(message.params.get("blocks", ""))


def reply(
    bot: Bot, posted: Posted, user: str, text: str, item: int = 3, ts: str | None = None
) -> None:
    delivery = bot.sender.reply(
        channel=posted.channel, user=user, text=text, thread_ts=posted.roots[item], ts=ts
    )
    assert delivery.status == 200


def command(bot: Bot, name: str, user: str) -> str:
    delivery = bot.sender.command(command=name, text="", user=user, channel="C0TEST0001")
    assert delivery.status == 200
    return str(delivery.json()["text"])


def test_digest_reports_new_comments_by_delegation_with_excerpt_and_link(bot: Bot, meeting: Posted):
    reply(bot, meeting, "U0AU00001", "Australia supports &amp; thanks the Secretariat.")
    reply(bot, meeting, "U0CI00001", "Côte d'Ivoire soutient.")
    reply(bot, meeting, "U0AU00001", "On the e-commerce annexes: fine.", item=4)
    text = digest_to(bot, "U0SEC0001")
    assert "3 new comment(s) from 2 delegation(s)" in text
    assert "Australia 1, Côte d'Ivoire 1" in text
    assert "Australia supports &amp; thanks the Secretariat." in text  # escaped once for Slack
    assert (
        "https://standin.slack.local/archives/C0TEST0001/p" in text
        or "archives/C0TEST0001/p" in text
    )


def test_two_digests_in_a_row_never_repeat_a_comment_and_news_is_per_recipient(
    bot: Bot, meeting: Posted
):
    reply(bot, meeting, "U0AU00001", "First remark.")
    assert "First remark." in digest_to(bot, "U0SEC0001")
    quiet = digest_to(bot, "U0SEC0001")
    assert "nothing new since your last digest" in quiet and "First remark." not in quiet
    assert "First remark." in digest_to(bot, "U0SEC0002")  # the other member has not seen it


def test_reply_recorded_late_is_in_the_next_digest(bot: Bot, meeting: Posted):
    reply(bot, meeting, "U0AU00001", "Early.")
    digest_to(bot, "U0SEC0001")
    # A reply written before that digest but recorded after it (a redelivery, say).
    earlier = datetime_to_ts(IN_SESSION - timedelta(hours=1))
    reply(bot, meeting, "U0CI00001", "Written earlier, arrived later.", ts=earlier)
    assert "Written earlier, arrived later." in digest_to(bot, "U0SEC0001")


def test_digest_lists_closing_items_silent_members_decisions_awaiting_and_strays(
    bot: Bot, meeting: Posted
):
    reply(bot, meeting, "U0AU00001", "Australia on item 4.", item=4)
    reply(bot, meeting, "U0STRANGER", "May I comment?")
    bot.sender.command(
        command="/approve",
        text="3 The PTC endorsed the proposals.",
        user="U0CHAIR01",
        channel=meeting.channel,
    )
    bot.settle()
    # Two days before item 4 closes: within the default 3-day horizon; item 3 has closed.
    now = datetime(2020, 7, 29, 15, 0, tzinfo=UTC)
    text = digest_to(bot, "U0SEC0001", now=now)
    assert "closes <!date^" in text  # item 4 closing soon
    assert "silent member delegations (1): Côte d'Ivoire" in text  # Australia spoke on item 4
    assert "Approved (by the chair)" in text
    assert "<@U0STRANGER>: May I comment?" in text
    with session_scope(bot.database.engine) as session:
        summary = build_summary(session, meeting_id=meeting_id(bot), now=now)
    assert summary.figures.kept_aside == 1


def test_scheduled_digest_goes_once_a_day_to_each_secretariat_member(bot: Bot, meeting: Posted):
    reply(bot, meeting, "U0AU00001", "Something new.")
    out = outbound(bot)
    nine_brussels = datetime(2020, 7, 11, 7, 0, tzinfo=UTC)  # 09:00 CEST
    bot.standin.clear_calls()
    run_due(bot.database.engine, out, now=nine_brussels - timedelta(minutes=1))
    run_due(bot.database.engine, out, now=nine_brussels)
    run_due(bot.database.engine, out, now=nine_brussels + timedelta(hours=3))
    to = [c.params["channel"] for c in bot.standin.calls_to("chat.postMessage")]
    digests = [c for c in to if c in SECRETARIAT]
    # The beat a minute early still sends the 10 July digest (the latest passed): then 11 July.
    assert sorted(digests) == sorted(SECRETARIAT * 2)
    run_due(bot.database.engine, out, now=nine_brussels + timedelta(days=1))
    assert (
        len(
            [
                c
                for c in bot.standin.calls_to("chat.postMessage")
                if c.params["channel"] in SECRETARIAT
            ]
        )
        == 6
    )


def test_quiet_day_sends_no_digest_when_the_meeting_file_says_none(bot: Bot, meeting: Posted):
    with session_scope(bot.database.engine) as session:
        found = session.exec(select(Meeting)).one()
        found.quiet_digest = "none"
        session.add(found)
    out = outbound(bot)
    nine = datetime(2020, 7, 11, 7, 0, tzinfo=UTC)
    run_due(bot.database.engine, out, now=nine)  # nothing at all has happened: quiet
    assert [
        c for c in bot.standin.calls_to("chat.postMessage") if c.params["channel"] in SECRETARIAT
    ] == []


def test_slash_digest_sends_one_now_to_the_secretariat_member(bot: Bot, meeting: Posted):
    reply(bot, meeting, "U0AU00001", "For the digest.")
    assert "on its way" in command(bot, "/digest", "U0SEC0002")
    bot.settle()
    [message] = [
        c for c in bot.standin.calls_to("chat.postMessage") if c.params["channel"] == "U0SEC0002"
    ]
    assert "For the digest." in str(message.params["blocks"])


def test_digest_record_and_close_are_refused_for_others(bot: Bot, meeting: Posted):
    for name in ("/digest", "/record", "/close"):
        assert "Only the secretariat" in command(bot, name, "U0CHAIR01")
        assert "Only the secretariat" in command(bot, name, "U0AU00001")
    bot.settle()
    assert bot.standin.calls_to("chat.postMessage") == []
    assert bot.standin.calls_to("files.completeUploadExternal") == []
    with session_scope(bot.database.engine) as session:
        refusals = list(session.exec(select(AuditEntry).where(AuditEntry.outcome == "refused")))
        assert len(refusals) == 6
        assert session.exec(select(Meeting)).one().closed_at is None


def test_slash_record_uploads_html_and_xlsx_privately_in_three_steps(bot: Bot, meeting: Posted):
    reply(bot, meeting, "U0AU00001", "=SUM(A1:A2) stays text")
    assert "being prepared" in command(bot, "/record", "U0SEC0001")
    bot.settle()
    urls = bot.standin.calls_to("files.getUploadURLExternal")
    assert sorted(c.params["filename"] for c in urls) == [
        "test-ptc-record.html",
        "test-ptc-record.xlsx",
    ]
    [complete] = bot.standin.calls_to("files.completeUploadExternal")
    [opened] = bot.standin.calls_to("conversations.open")
    assert opened.params["users"] == "U0SEC0001"
    assert complete.params["channel_id"].startswith("D")  # the member's direct message
    uploaded = bot.standin.uploaded_files
    assert len(uploaded) == 2
    html = next(
        v for v in uploaded.values() if v.startswith(b"<!DOCTYPE html") or b"<html" in v[:200]
    )
    assert b"=SUM(A1:A2) stays text" in html


def test_close_posts_the_closing_and_sends_the_final_digest_with_the_record(
    bot: Bot, meeting: Posted
):
    reply(bot, meeting, "U0AU00001", "Last words.")
    assert "is closed" in command(bot, "/close", "U0SEC0001")
    bot.settle()
    posts = bot.standin.calls_to("chat.postMessage")
    closing = [p for p in posts if p.params["channel"] == meeting.channel]
    assert len(closing) == 1 and "is closed" in closing[0].params["text"]
    for member in SECRETARIAT:
        mine = [p for p in posts if p.params["channel"] == member]
        assert any("Final digest" in p.params["text"] for p in mine)
        assert any("in figures" in p.params["text"] for p in mine)
    names = sorted(c.params["filename"] for c in bot.standin.calls_to("files.getUploadURLExternal"))
    assert names.count("test-ptc-record.html") == 2 and names.count("comments-per-week.png") == 2
    assert "already closed" in command(bot, "/close", "U0SEC0002")
    bot.settle()
    assert (
        len(
            [
                p
                for p in bot.standin.calls_to("chat.postMessage")
                if p.params["channel"] == meeting.channel
            ]
        )
        == 1
    )


def test_session_closes_by_itself_when_every_item_is_decided_after_its_deadline(
    bot: Bot, meeting: Posted
):
    with session_scope(bot.database.engine) as session:
        # Item 5 is on the agenda too; retire it so items 3 and 4 are the whole agenda.
        from models import AgendaItem

        item = session.exec(select(AgendaItem).where(AgendaItem.number == 5)).one()
        item.active = False
        session.add(item)
    for number in (3, 4):
        bot.sender.command(
            command="/approve",
            text=f"{number} Approved.",
            user="U0CHAIR01",
            channel=meeting.channel,
        )
    bot.settle()
    out = outbound(bot)
    run_due(bot.database.engine, out, now=datetime(2020, 7, 31, 14, 0, tzinfo=UTC))  # 4 still open
    with session_scope(bot.database.engine) as session:
        assert session.exec(select(Meeting)).one().closed_at is None
    run_due(bot.database.engine, out, now=datetime(2020, 7, 31, 16, 0, tzinfo=UTC))
    with session_scope(bot.database.engine) as session:
        assert session.exec(select(Meeting)).one().closed_at is not None
    closing = [
        c for c in bot.standin.calls_to("chat.postMessage") if "is closed" in c.params["text"]
    ]
    assert len(closing) == 1
    run_due(bot.database.engine, out, now=datetime(2020, 8, 1, 16, 0, tzinfo=UTC))
    assert (
        len(
            [c for c in bot.standin.calls_to("chat.postMessage") if "is closed" in c.params["text"]]
        )
        == 1
    )


def count_queries(bot: Bot, build: object) -> int:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(bot.database.engine, "before_cursor_execute", count)
    try:
        build()  # type: ignore[operator]
    finally:
        event.remove(bot.database.engine, "before_cursor_execute", count)
    return len(statements)


def test_digest_and_record_take_a_fixed_number_of_queries_whatever_the_size(
    bot: Bot, meeting: Posted
):
    def build_both() -> None:
        from bot.domain.digest import build_digest

        with session_scope(bot.database.engine) as session:
            found = session.exec(select(Meeting)).one()
            build_digest(
                session, meeting=found, recipient="U0SEC0001", now=IN_SESSION, team_url=None
            )
            build_summary(session, meeting_id=found.id or 0, now=IN_SESSION)

    reply(bot, meeting, "U0AU00001", "One.")
    bot.settle()  # after-ack work (Home refreshes) queries too: let it finish before counting
    small = count_queries(bot, build_both)
    for n in range(12):
        user = ("U0AU00001", "U0CI00001", "U0UPU0001", "U0CHAIR01")[n % 4]
        reply(bot, meeting, user, f"Comment {n}", item=3 + n % 2)
    bot.settle()
    assert count_queries(bot, build_both) == small


def test_sending_a_digest_and_recording_what_it_reported_takes_a_fixed_number_of_queries(
    bot: Bot, meeting: Posted
):
    def send_to(recipient: str) -> None:
        send_digest(
            bot.database.engine,
            outbound(bot),
            meeting_id=meeting_id(bot),
            recipient=recipient,
            now=IN_SESSION,
            forced=True,
        )

    reply(bot, meeting, "U0AU00001", "One.")
    bot.settle()
    small = count_queries(bot, lambda: send_to("U0SEC0001"))
    for n in range(12):
        user = ("U0AU00001", "U0CI00001", "U0UPU0001", "U0CHAIR01")[n % 4]
        reply(bot, meeting, user, f"Comment {n}", item=3 + n % 2)
    bot.settle()
    assert count_queries(bot, lambda: send_to("U0SEC0002")) == small  # 13 rows recorded at once


def test_an_item_with_many_new_comments_quotes_the_first_five_and_counts_them_all(
    bot: Bot, meeting: Posted
):
    from bot.domain.digest import NEW_COMMENTS_KEPT, build_digest

    after_deadline = datetime_to_ts(datetime(2020, 7, 18, 9, 0, tzinfo=UTC))  # item 3: 17 July
    authors = ["U0CI00001", "U0AU00001", "U0CHAIR01", "U0AU00001", "U0UPU0001", "U0CI00001"]
    for n, user in enumerate(authors, start=1):
        reply(bot, meeting, user, f"Remark number {n}.")
    reply(bot, meeting, "U0AU00001", "Remark number 7, late.", ts=after_deadline)
    with session_scope(bot.database.engine) as session:
        found = session.exec(select(Meeting)).one()
        digest = build_digest(
            session, meeting=found, recipient="U0SEC0001", now=IN_SESSION, team_url=None
        )
    [item] = [entry for entry in digest.items if entry.number == 3]
    assert [c.excerpt for c in item.new_comments] == [
        f"Remark number {n}." for n in range(1, NEW_COMMENTS_KEPT + 1)
    ]  # in full: only the ones the digest quotes
    assert item.totals.count == 7 and item.totals.late == 1
    assert item.totals.by_delegation == {
        "Côte d'Ivoire": 2,
        "Australia": 3,
        "Chair": 1,
        "Universal Postal Union": 1,
    }  # in the order each first wrote
    assert [kind for kind, _ in digest.reported] == ["comment"] * 7  # every one, to record

    text = digest_to(bot, "U0SEC0001")
    assert "7 new comment(s) from 4 delegation(s), 1 late" in text
    assert "7 new: Côte d'Ivoire 2, Australia 3, Chair 1, Universal Postal Union 1" in text
    assert "Remark number 5." in text and "Remark number 6." not in text
    assert "… and 2 more in the thread" in text
    assert "nothing new since your last digest" in digest_to(bot, "U0SEC0001")  # all 7 recorded


def test_what_a_digest_reported_is_stored_as_sqlalchemy_stores_it_and_recorded_once(
    bot: Bot, meeting: Posted
):
    from sqlalchemy import insert

    from bot.domain.digest import Digest, record_reported
    from models import Reported

    found = meeting_id(bot)
    digest = Digest("T", "UTC", "U0SEC0001", IN_SESSION, [], [], 0, [("comment", 1), ("stray", 2)])
    with session_scope(bot.database.engine) as session:
        record_reported(session, meeting_id=found, digest=digest, now=IN_SESSION)
    with session_scope(bot.database.engine) as session:  # sent again, by a second worker say
        record_reported(session, meeting_id=found, digest=digest, now=IN_SESSION)
        reference = {"meeting_id": found, "recipient": "U0REF", "kind": "comment", "ref_id": 1}
        session.connection().execute(insert(Reported), [{**reference, "reported_at": IN_SESSION}])
    with session_scope(bot.database.engine) as session:
        rows = session.exec(select(Reported).where(Reported.recipient == "U0SEC0001")).all()
        assert sorted((r.kind, r.ref_id, r.meeting_id, r.reported_at) for r in rows) == [
            ("comment", 1, found, IN_SESSION),
            ("stray", 2, found, IN_SESSION),
        ]
        # The very form SQLAlchemy's own INSERT stores (on SQLite, the same text).
        stored = session.connection().exec_driver_sql("SELECT DISTINCT reported_at FROM reported")
        assert len(stored.all()) == 1
