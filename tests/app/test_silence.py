"""The silence procedure: adopted unless a member objects by the deadline."""

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from bot.clock.scheduler import run_due
from bot.core.clock import datetime_to_ts
from bot.core.db import session_scope
from bot.slack.api import ChannelPacer, Outbound, make_client
from models import AuditEntry, Decision, Objection, SilenceProcedure
from tests.conftest import IN_SESSION, Bot, Meeting

CHAIR = "U0CHAIR01"
UNTIL = "2020-07-14T17:00"  # Brussels: 15:00 UTC, four days after IN_SESSION (10 July 10:00 UTC)
UNTIL_UTC = datetime(2020, 7, 14, 15, 0, tzinfo=UTC)


def command(bot: Bot, name: str, text: str, user: str) -> str:
    delivery = bot.sender.command(command=name, text=text, user=user, channel="C0TEST0001")
    assert delivery.status == 200, delivery.body
    answer = delivery.json()
    assert answer["response_type"] == "ephemeral"
    return str(answer["text"])


def procedures(bot: Bot) -> list[SilenceProcedure]:
    with session_scope(bot.database.engine) as session:
        return list(session.exec(select(SilenceProcedure).order_by(col(SilenceProcedure.id))))


def decisions(bot: Bot) -> list[Decision]:
    with session_scope(bot.database.engine) as session:
        return list(session.exec(select(Decision).order_by(col(Decision.id))))


def clock_run(bot: Bot, now: datetime) -> list[str]:
    return run_due(
        bot.database.engine, Outbound(make_client(bot.settings), ChannelPacer(0)), now=now
    )


def start(bot: Bot, text: str = f"3 silence {UNTIL}") -> str:
    answer = command(bot, "/approve", text, CHAIR)
    bot.settle()
    return answer


def test_chair_starts_silence_and_notices_go_to_thread_and_channel(bot: Bot, meeting: Meeting):
    answer = start(bot)
    assert "Silence procedure started on item 3" in answer
    [procedure] = procedures(bot)
    assert procedure.status == "running" and procedure.deadline_at == UNTIL_UTC
    assert procedure.text == "The PTC is invited to endorse the proposals."  # the proposal
    posts = bot.standin.calls_to("chat.postMessage")
    thread = [p for p in posts if p.params.get("thread_ts") == meeting.roots[3]]
    channel = [p for p in posts if "thread_ts" not in p.params]
    assert len(thread) == 1 and len(channel) == 1
    assert "/object 3" in str(channel[0].params["blocks"])
    assert procedure.notice_ts is not None  # remembered, to update the notice in place
    root = bot.standin.message(meeting.channel, meeting.roots[3])
    assert root is not None and "Silence procedure" in str(root["blocks"])


def test_unbroken_silence_is_adopted_once_by_the_clock(bot: Bot, meeting: Meeting):
    start(bot, f"3 silence {UNTIL} The PTC endorsed the proposals.")
    bot.standin.clear_calls()
    clock_run(bot, UNTIL_UTC - timedelta(minutes=1))  # a minute early: nothing adopted yet
    assert decisions(bot) == []
    done = clock_run(bot, UNTIL_UTC + timedelta(seconds=30))
    assert any("adopted by silence procedure" in line for line in done)
    [decision] = decisions(bot)
    assert decision.procedure == "silence" and decision.kind == "approved"
    assert decision.text == "The PTC endorsed the proposals." and decision.decided_at == UNTIL_UTC
    [procedure] = procedures(bot)
    assert procedure.status == "adopted" and procedure.decision_id == decision.id
    assert clock_run(bot, UNTIL_UTC + timedelta(minutes=5)) == []  # a later beat: nothing twice
    assert len(decisions(bot)) == 1
    notices = [
        c
        for c in bot.standin.calls_to("chat.postMessage")
        if "adopted by silence" in c.params["text"]
    ]
    assert len(notices) == 1 and notices[0].params["thread_ts"] == meeting.roots[3]
    assert procedure.notice_ts is not None
    channel_notice = bot.standin.message(meeting.channel, procedure.notice_ts)
    assert channel_notice is not None and "adopted by silence procedure" in channel_notice["text"]


def test_member_objection_breaks_silence_and_nothing_is_adopted(bot: Bot, meeting: Meeting):
    start(bot)
    bot.standin.clear_calls()
    bot.clock.now = IN_SESSION + timedelta(days=1)
    answer = command(bot, "/object", "3 We cannot accept paragraph 4 & 5 as drafted.", "U0CI00001")
    assert "silence is broken" in answer
    bot.settle()
    [procedure] = procedures(bot)
    assert procedure.status == "broken"
    with session_scope(bot.database.engine) as session:
        [objection] = session.exec(select(Objection))
    assert objection.reason == "We cannot accept paragraph 4 & 5 as drafted."
    posts = bot.standin.calls_to("chat.postMessage")
    in_thread = [p for p in posts if p.params.get("thread_ts") == meeting.roots[3]]
    assert len(in_thread) == 1 and "Silence broken" in str(in_thread[0].params["blocks"])
    told = {p.params["channel"] for p in posts if "thread_ts" not in p.params}
    assert told == {"U0CHAIR01", "U0SEC0001", "U0SEC0002"}  # the chair and the secretariat
    assert procedure.notice_ts is not None
    notice = bot.standin.message(meeting.channel, procedure.notice_ts)
    assert notice is not None and "broken" in notice["text"]
    clock_run(bot, UNTIL_UTC + timedelta(minutes=1))
    assert decisions(bot) == []
    # After a broken procedure the chair decides directly; the procedure stays "broken".
    bot.clock.now = IN_SESSION + timedelta(days=2)
    assert "Recorded: item 3 approved" in command(bot, "/approve", "3 Approved as amended.", CHAIR)
    [procedure] = procedures(bot)
    assert procedure.status == "broken" and procedure.ended_at is not None


def test_chair_can_start_a_new_procedure_after_a_broken_one(bot: Bot, meeting: Meeting):
    start(bot)
    command(bot, "/object", "3 Not yet.", "U0AU00001")
    bot.clock.now = IN_SESSION + timedelta(days=1)
    answer = start(bot, "3 silence 2020-07-20T17:00 Revised text.")
    assert "started" in answer
    first, second = procedures(bot)
    assert first.status == "broken" and second.status == "running"


def test_observer_cannot_object(bot: Bot, meeting: Meeting):
    start(bot)
    answer = command(bot, "/object", "3 We object.", "U0UPU0001")
    assert "Observers may comment but cannot object" in answer
    assert procedures(bot)[0].status == "running"
    with session_scope(bot.database.engine) as session:
        refusals = list(session.exec(select(AuditEntry).where(AuditEntry.outcome == "refused")))
    assert [r.action for r in refusals] == ["object"]


def test_objection_after_the_deadline_is_refused(bot: Bot, meeting: Meeting):
    start(bot)
    bot.clock.now = UNTIL_UTC + timedelta(seconds=1)
    answer = command(bot, "/object", "3 Too late?", "U0AU00001")
    assert "can no longer be broken" in answer
    assert procedures(bot)[0].status == "running"  # the clock will adopt it


def test_objection_needs_a_reason_and_a_running_procedure(bot: Bot, meeting: Meeting):
    assert "No silence procedure is running on item 3" in command(
        bot, "/object", "3 Why", "U0AU00001"
    )
    start(bot)
    assert "give the reason" in command(bot, "/object", "3", "U0AU00001")
    assert "not an agenda item number" in command(bot, "/object", "three reasons", "U0AU00001")
    assert procedures(bot)[0].status == "running"


def test_silence_shorter_than_the_minimum_is_refused(bot: Bot, meeting: Meeting):
    answer = command(bot, "/approve", "3 silence 2020-07-12T17:00", CHAIR)  # ~2 days
    assert "at least 3d" in answer
    assert "not a date and time" in command(bot, "/approve", "3 silence soon", CHAIR)
    assert procedures(bot) == []


def test_delegate_cannot_start_silence(bot: Bot, meeting: Meeting):
    assert "Only the chair" in command(bot, "/approve", f"3 silence {UNTIL}", "U0AU00001")
    assert procedures(bot) == []


def test_chair_ends_a_procedure_early_without_a_decision(bot: Bot, meeting: Meeting):
    start(bot)
    answer = command(bot, "/approve", "3 silence end", CHAIR)
    assert "ended" in answer
    assert procedures(bot)[0].status == "cancelled"
    clock_run(bot, UNTIL_UTC + timedelta(minutes=1))
    assert decisions(bot) == []


def test_late_reply_is_recorded_late_and_its_author_told_privately(bot: Bot, meeting: Meeting):
    after = datetime_to_ts(datetime(2020, 7, 18, 9, 0, tzinfo=UTC))  # item 3 closed 17 July
    bot.sender.reply(
        channel=meeting.channel,
        user="U0AU00001",
        text="Late.",
        thread_ts=meeting.roots[3],
        ts=after,
    )
    bot.settle()
    [notice] = bot.standin.calls_to("chat.postEphemeral")
    assert notice.params["user"] == "U0AU00001" and notice.params["thread_ts"] == meeting.roots[3]
    assert "marked late" in notice.params["text"]
