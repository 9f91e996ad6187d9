"""The words of decisions, silence procedures and moved deadlines, from domain values alone."""

from datetime import UTC, datetime, timedelta

from bot.domain.deadlines import ExtendOutcome
from bot.domain.decisions import DecisionOutcome
from bot.domain.permissions import Permission, Refusal
from bot.domain.silence import SilenceOutcome
from bot.parse.approve import ApproveRequest, ExtendRequest, ObjectRequest
from bot.views.decisions import (
    APPROVE_USAGE,
    awaiting_list,
    decision_announcement,
    decision_reply,
    superseded_notice,
)
from bot.views.silence import (
    EXTEND_USAGE,
    OBJECT_USAGE,
    extend_reply,
    extension_notice,
    objection_notice,
    silence_notice,
    silence_reply,
    silence_thread_notice,
)
from models import AgendaItem, Decision, Meeting, SilenceProcedure

MEETING = Meeting(id=1, key="ptc", title="PTC <2020>", channel="C0MEET", timezone="UTC")
NOON = datetime(2020, 8, 14, 12, 0, tzinfo=UTC)
FIVE = datetime(2020, 8, 14, 17, 0, tzinfo=UTC)
FIVE_TOKEN = (
    f"<!date^{int(FIVE.timestamp())}^{{date_short_pretty}} {{time}}|Fri 14 Aug 2020 17:00 UTC>"
)
ITEM = AgendaItem(
    id=3,
    meeting_id=1,
    number=3,
    title="Rules & procedure",
    post_channel="C0MEET",
    post_ts="1.0",
    deadline_at=FIVE,
)
DECISION = Decision(
    id=7, item_id=3, kind="noted", text="The PTC took note.", decided_by="U0CHAIR", decided_at=NOON
)


def procedure(status: str) -> SilenceProcedure:
    return SilenceProcedure(
        id=9,
        item_id=3,
        text="The PTC adopts <it>.",
        started_by="U0CHAIR",
        started_at=NOON,
        deadline_at=FIVE,
        status=status,
    )


def decided(kind: str, **fields: object) -> DecisionOutcome:
    return DecisionOutcome(kind, MEETING, ApproveRequest("decide", number=3), **fields)  # type: ignore[arg-type]


def test_a_decision_is_confirmed_privately_and_says_when_it_supersedes() -> None:
    outcome = decided("decided", item=ITEM, decision=DECISION, superseded=DECISION)
    assert decision_reply(outcome) == (
        "Recorded: item 3 taken note of: “The PTC took note.”. It is being posted in the item's "
        "thread. It supersedes the earlier decision, which stays in the record."
    )


def test_the_announcement_in_the_thread_points_at_the_superseded_decision() -> None:
    message = decision_announcement(MEETING, ITEM, DECISION, DECISION)
    assert message.text == "Item 3: Taken note of. The PTC took note."
    body = message.blocks[0]["text"]["text"]
    assert "*Decision: Taken note of* (by the chair, <@U0CHAIR>," in body
    assert body.endswith(", which stays in the record._")


def test_a_chair_superseded_unawares_is_told_which_decision_is_in_force() -> None:
    later = Decision(
        id=8,
        item_id=3,
        kind="approved",
        text="Approved <as amended>.",
        decided_by="U0CO",
        decided_at=FIVE,
    )
    assert superseded_notice(MEETING, ITEM, DECISION, later) == (
        "Your decision on item 3 (taken note of: “The PTC took note.”) has been superseded by "
        f"<@U0CO>'s decision of {FIVE_TOKEN} (approved: “Approved &lt;as amended&gt;.”), "
        "recorded just after it. Both stay in the record; the later one is in force. Decide "
        "again with `/approve 3` if that is not what you meant."
    )


def test_the_awaiting_list_names_each_item_or_says_there_is_none() -> None:
    assert awaiting_list(MEETING, ()) == "No posted item of PTC <2020> is awaiting a decision."
    assert awaiting_list(MEETING, (ITEM,)) == (
        "*Items of PTC &lt;2020&gt; awaiting a decision:*\n"
        f"• 3: Rules &amp; procedure (comments closed {FIVE_TOKEN})\n"
        "Decide with `/approve N [text]`; `/approve help` shows every form."
    )


def test_approve_replies_for_help_a_malformed_command_and_a_missing_item() -> None:
    assert decision_reply(decided("help")) == APPROVE_USAGE
    bad = DecisionOutcome(
        "bad_request", MEETING, ApproveRequest("error", error="not_a_number", word="x")
    )
    assert decision_reply(bad) == f"`x` is not an agenda item number.\n\n{APPROVE_USAGE}"
    no_deadline = DecisionOutcome(
        "bad_request", MEETING, ApproveRequest("error", error="no_silence_deadline", word="5")
    )
    assert decision_reply(no_deadline) == (
        f"Give the silence deadline: `/approve 5 silence DATETIME`.\n\n{APPROVE_USAGE}"
    )
    missing = DecisionOutcome(
        "no_such_item", MEETING, ApproveRequest("decide", number=9), numbers=(1, 3)
    )
    assert decision_reply(missing) == (
        f"There is no item 9 on the agenda of PTC <2020>. Items: 1, 3.\n\n{APPROVE_USAGE}"
    )


def test_approve_replies_for_an_unposted_item_and_one_without_a_proposal() -> None:
    assert decision_reply(decided("not_posted", item=ITEM)) == (
        "Item 3 has not been posted to the channel yet, so delegations have not had the chance "
        "to comment. Post it first (`python -m bot post 3`)."
    )
    assert decision_reply(decided("no_proposal", item=ITEM)) == (
        "Item 3 has no proposed decision in the meeting file; write the decision: "
        "`/approve 3 The PTC ...`"
    )


def test_a_refused_chair_command_names_the_chairs() -> None:
    refusal = Refusal(Permission.DECIDE, "approve", "PTC <2020>", "member", ("U0CHAIR",))
    assert decision_reply(decided("refused", refusal=refusal)) == (
        "Only the chair of PTC <2020> (<@U0CHAIR>) can record decisions. If you think the "
        "committee should decide, say so in the item's thread."
    )


def silence(kind: str, **fields: object) -> SilenceOutcome:
    return SilenceOutcome(kind, MEETING, 3, ITEM, **fields)  # type: ignore[arg-type]


def test_starting_silence_replies_with_the_deadline_in_the_meeting_zone() -> None:
    started = silence("started", procedure=procedure("running"))
    assert silence_reply(started) == (
        "Silence procedure started on item 3: adopted unless a member delegation objects by "
        "Fri 14 Aug 2020 17:00 UTC. The notice is being posted."
    )
    outcome = decided("silence", item=ITEM, silence=started)
    assert decision_reply(outcome) == silence_reply(started)


def test_a_silence_refused_at_the_start_says_why() -> None:
    too_soon = silence("too_soon", minimum=timedelta(days=3), earliest=FIVE)
    assert silence_reply(too_soon) == (
        "A silence procedure lasts at least 3d from now: choose a deadline from "
        "Fri 14 Aug 2020 17:00 UTC on."
    )
    bad = silence("bad_deadline", until_text="tomorrow")
    assert silence_reply(bad) == (
        "'tomorrow' is not a date and time; expected e.g. 2020-07-24T17:00 (meeting time zone) "
        "or 2020-07-24T17:00+02:00\nStart a silence procedure with "
        "`/approve 3 silence 2020-08-14T17:00 [decision text]`."
    )
    assert silence_reply(silence("already_running")) == (
        "A silence procedure is already running on item 3. End it first with "
        "`/approve 3 silence end`."
    )
    assert silence_reply(silence("no_proposal", until_text="2020-08-14T17:00")) == (
        "Item 3 has no proposed decision; add the text: "
        "`/approve 3 silence 2020-08-14T17:00 The PTC ...`"
    )


def test_a_started_procedure_posts_the_same_notice_in_the_thread_and_the_channel() -> None:
    running = procedure("running")
    channel = silence_notice(MEETING, ITEM, running)
    assert silence_thread_notice(MEETING, ITEM, running) == channel
    assert channel.text == (
        f"Silence procedure on item 3: adopted unless a member delegation objects by {FIVE_TOKEN}."
    )
    body = channel.blocks[0]["text"]["text"]
    assert ">The PTC adopts &lt;it&gt;." in body
    assert body.endswith("To break silence, a member delegate types `/object 3 your reason`.")


def test_an_objection_is_posted_in_the_thread_and_sent_to_the_chair_and_secretariat() -> None:
    outcome = silence(
        "objected",
        procedure=procedure("broken"),
        request=ObjectRequest("object", number=3, reason="No <way>."),
        delegation="Ruritania",
        user_id="U0RU",
        first=True,
        alert_users=("U0CHAIR", "U0SEC"),
    )
    assert silence_reply(outcome) == (
        "Your objection on item 3 is recorded: silence is broken. The chair and the "
        "secretariat are told."
    )
    # The same notice in the item's thread and by direct message to the chair and secretariat.
    notice = objection_notice(ITEM, "Ruritania", "U0RU", "No <way>.", True)
    assert notice.text == "Item 3: Ruritania objects; silence is broken."
    assert notice.blocks[0]["text"]["text"] == (
        ":no_entry: *Silence broken* on item 3: Ruritania (<@U0RU>) objects.\n>No &lt;way&gt;."
    )
    channel = silence_notice(MEETING, ITEM, procedure("broken"))
    assert channel.text == "Silence procedure on item 3: silence was broken by an objection."


def test_object_replies_for_help_errors_and_a_late_objection() -> None:
    assert silence_reply(SilenceOutcome("help", MEETING, request=ObjectRequest("help"))) == (
        OBJECT_USAGE
    )
    no_reason = ObjectRequest("error", number=3, error="no_reason")
    assert silence_reply(SilenceOutcome("bad_request", MEETING, 3, request=no_reason)) == (
        "Please give the reason for the objection: `/object 3 your reason`."
    )
    word = ObjectRequest("error", error="not_a_number", word="x")
    assert silence_reply(SilenceOutcome("bad_request", MEETING, request=word)) == (
        f"`x` is not an agenda item number.\n\n{OBJECT_USAGE}"
    )
    late = silence("too_late", procedure=procedure("running"))
    assert silence_reply(late) == (
        "The silence period on item 3 ended at Fri 14 Aug 2020 17:00 UTC; it can no longer "
        "be broken."
    )


def test_an_observer_is_told_observers_cannot_object() -> None:
    refusal = Refusal(Permission.OBJECT, "object", "PTC <2020>", "observer")
    assert silence_reply(SilenceOutcome("refused", MEETING, refusal=refusal)) == (
        "Observers may comment but cannot object in a silence procedure."
    )


def moved(**fields: object) -> ExtendOutcome:
    request = ExtendRequest("extend", number=3, moment="2020-08-14T17:00")
    return ExtendOutcome("moved", MEETING, request, item=ITEM, deadline=FIVE, **fields)  # type: ignore[arg-type]


def test_a_moved_deadline_is_confirmed_and_says_when_comments_reopen() -> None:
    assert extend_reply(moved()) == "Item 3 now closes Fri 14 Aug 2020 17:00 UTC."
    assert extend_reply(moved(reopened=True)) == (
        "Item 3 now closes Fri 14 Aug 2020 17:00 UTC and is open for comments again."
    )
    unposted = AgendaItem(id=4, meeting_id=1, number=4, title="Later", deadline_at=FIVE)
    outcome = ExtendOutcome("moved", MEETING, item=unposted, deadline=FIVE)
    assert extend_reply(outcome) == "Item 4 (not posted yet) now closes Fri 14 Aug 2020 17:00 UTC."


def test_the_extension_notice_shows_the_old_deadline() -> None:
    notice = extension_notice(MEETING, ITEM, NOON, reopened=True)
    assert notice.text == "Item 3: comments now due by Fri 14 Aug 2020 17:00 UTC."
    assert notice.blocks[0]["text"]["text"].startswith(
        f":unlock: *Comments reopened*: comments on item 3 are now due by {FIVE_TOKEN} (was "
    )


def test_extend_replies_for_help_errors_and_refused_deadlines() -> None:
    assert extend_reply(ExtendOutcome("help", MEETING, ExtendRequest("help"))) == EXTEND_USAGE
    extra = ExtendRequest("error", number=3, moment="2020-08-14", error="extra_text", word="pls")
    assert extend_reply(ExtendOutcome("bad_request", MEETING, extra)) == (
        f"Unexpected text after the date: `pls`.\n\n{EXTEND_USAGE}"
    )
    no_deadline = ExtendRequest("error", number=3, error="no_deadline")
    assert extend_reply(ExtendOutcome("bad_request", MEETING, no_deadline)) == (
        f"Give the new deadline after the item number.\n\n{EXTEND_USAGE}"
    )
    past = ExtendOutcome("in_the_past", MEETING, item=ITEM, deadline=NOON)
    assert extend_reply(past) == (
        "Fri 14 Aug 2020 12:00 UTC is in the past; a deadline must be ahead."
    )
    opening = AgendaItem(id=3, meeting_id=1, number=3, title="T", opens_at=FIVE)
    before = ExtendOutcome("before_opening", MEETING, item=opening, deadline=NOON)
    assert extend_reply(before) == (
        "Item 3 opens Fri 14 Aug 2020 17:00 UTC; the deadline must come after that."
    )
    refusal = Refusal(Permission.MOVE_DEADLINE, "extend", "PTC <2020>", None, ("U0CHAIR",))
    assert extend_reply(ExtendOutcome("refused", MEETING, refusal=refusal)) == (
        "Only the chair (<@U0CHAIR>) or the secretariat can move a deadline of PTC <2020>."
    )
