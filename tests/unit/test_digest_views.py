"""The digest, the session in figures and the secretariat's replies, from domain values alone
(no database, no Slack)."""

from datetime import UTC, datetime

from bot.domain.digest import (
    NEW_COMMENTS_KEPT,
    Digest,
    DigestItem,
    NewComment,
    NewDecision,
    count_new,
)
from bot.domain.permissions import Permission, Refusal
from bot.domain.session_end import CloseRequest
from bot.domain.summary import DecisionEntry, ItemEntry, SummaryFigures, SummaryRecord
from bot.views.digest import (
    STALE_HOME_BUTTON,
    close_reply,
    closing_message,
    decision_line,
    digest_item_lines,
    digest_message,
    figures_message,
    final_digest_heading,
    record_file_title,
    record_upload_comment,
    silence_state,
    summary_upload_comment,
    task_reply,
)

NOW = datetime(2020, 7, 17, 12, 0, tzinfo=UTC)
ZONE = "Europe/Berlin"


def digest(items: list[DigestItem], reported: list[tuple[str, int]]) -> Digest:
    return Digest(
        meeting_title="PTC <2020>",
        timezone=ZONE,
        recipient="U0SEC",
        now=NOW,
        items=items,
        strays=[],
        new_objections=0,
        reported=reported,
    )


def test_a_decision_reads_as_its_capitalised_kind_how_it_was_taken_and_its_text() -> None:
    assert decision_line(NewDecision("approved", "chair", "The text.")) == (
        "Approved (by the chair): The text."
    )
    assert decision_line(NewDecision("noted", "silence", "Noted <it>.")) == (
        "Taken note of (adopted by silence procedure): Noted <it>."
    )


def test_a_running_silence_procedure_shows_its_deadline_in_the_meeting_zone() -> None:
    item = DigestItem(number=4, title="T", silence="running", silence_until=NOW)
    assert silence_state(item, ZONE) == "running until Fri 17 Jul 14:00"


def test_a_broken_silence_procedure_awaits_the_chair_and_no_procedure_says_nothing() -> None:
    broken = DigestItem(number=4, title="T", silence="broken", silence_until=NOW)
    assert silence_state(broken, ZONE) == "broken by an objection: awaiting the chair"
    assert silence_state(DigestItem(number=4, title="T"), ZONE) is None


def test_an_item_lists_its_decisions_and_silence_procedure_under_its_escaped_title() -> None:
    item = DigestItem(
        number=2,
        title="Rules & procedure",
        new_decisions=[NewDecision("approved", "chair", "A & B")],
        silence="running",
        silence_until=NOW,
    )
    assert digest_item_lines(item, ZONE) == [
        "*Item 2: Rules &amp; procedure*",
        "• :classical_building: Approved (by the chair): A &amp; B",
        "• :shushing_face: silence procedure running until Fri 17 Jul 14:00",
    ]


def test_an_item_with_nothing_to_report_has_no_lines() -> None:
    assert digest_item_lines(DigestItem(number=1, title="Quiet"), ZONE) == []


def test_a_quiet_day_is_one_line_counting_the_items_still_open() -> None:
    quiet = digest([DigestItem(number=1, title="T", closing_at=NOW)], reported=[])
    message = digest_message(quiet)
    expected = "Digest: PTC &lt;2020&gt;: nothing new since your last digest. 1 item(s) still "
    assert message.text == expected + "open for comments."
    assert len(message.blocks) == 1


def test_new_comments_are_counted_per_delegation_with_the_heading_given() -> None:
    comment = NewComment(
        delegation="Austria", user="U0AU", excerpt="We agree.", permalink=None, late=True
    )
    item = DigestItem(number=3, title="T", new_comments=[comment])
    message = digest_message(digest([item], reported=[("comment", 1)]), heading="Final digest")
    assert message.text.startswith("Final digest: 1 new comment(s) from 1 delegation(s), 1 late.")
    assert message.blocks[0]["text"]["text"] == "Final digest"
    assert "   > We agree. — Austria _late_" in message.blocks[2]["text"]["text"]


def test_an_item_keeping_its_first_comments_and_the_counts_reads_as_one_keeping_them_all() -> None:
    comments = [
        NewComment(
            delegation=("Austria", "Chair", "Brazil")[n % 3],
            user=f"U{n}",
            excerpt=f"Remark {n} & more.",
            permalink=f"https://t.slack.com/archives/C/p{n}",
            late=n % 4 == 0,
        )
        for n in range(9)
    ]
    every = DigestItem(number=3, title="T", new_comments=comments)
    kept = DigestItem(
        number=3,
        title="T",
        new_comments=comments[:NEW_COMMENTS_KEPT],
        new_totals=count_new(comments),
    )
    assert kept.totals == every.totals
    assert digest_item_lines(kept, ZONE) == digest_item_lines(every, ZONE)
    assert "   … and 4 more in the thread" in digest_item_lines(kept, ZONE)
    full, bounded = (digest([item], reported=[("comment", 1)]) for item in (every, kept))
    assert digest_message(bounded) == digest_message(full)


def summary() -> SummaryRecord:
    decision = DecisionEntry(
        item=1,
        kind="noted",
        text="x",
        procedure="silence",
        decided_by="U0CHAIR",
        decided_at=NOW,
        superseded=False,
    )
    items = [
        ItemEntry(1, "One", "", [], None, None, decision, [decision], [], {}, 0),
        ItemEntry(2, "Two", "", [], None, None, None, [], [], {}, 0),
    ]
    kinds = {"member": 3, "observer": 1, "chair": 0, "secretariat": 0}
    figures = SummaryFigures(
        registered=9,
        took_part=4,
        member_delegations=5,
        observer_delegations=2,
        members_taking_part=["Austria", "Chile"],
        observers_taking_part=["UPU"],
        comments=4,
        withdrawn=1,
        edited=0,
        late=1,
        kept_aside=0,
        by_kind=kinds,
        by_item={1: kinds},
        by_week={1: kinds},
    )
    return SummaryRecord(
        key="ptc",
        title="PTC",
        channel="C0MEET",
        timezone=ZONE,
        chair=[],
        secretariat=[],
        first_opening=None,
        last_deadline=None,
        closed_at=None,
        generated_at=NOW,
        figures=figures,
        items=items,
        roster=[],
    )


def test_the_closing_message_thanks_everyone_with_the_sessions_figures() -> None:
    message = closing_message(summary())
    assert message.text == "PTC is closed."
    assert message.blocks[0]["text"]["text"] == (
        ":checkered_flag: *PTC is closed.* Thank you all: 4 comments from 2 member and 1 "
        "observer delegations; 1 of 2 items decided. The secretariat will circulate the "
        "summary record."
    )


def test_the_figures_list_each_decision_with_the_shared_labels() -> None:
    text = figures_message(summary()).blocks[0]["text"]["text"]
    assert "*Decisions:* 1 of 2 items\n• 1: Taken note of (adopted by silence procedure)" in text
    assert "*Per item:* 1: 4" in text


def test_close_replies_say_closed_already_closed_or_refused() -> None:
    assert close_reply(CloseRequest("closed", "PTC")) == (
        "PTC is closed. The closing message goes to the channel, and the final digest with the "
        "figures, charts and record to the secretariat."
    )
    assert close_reply(CloseRequest("already_closed", "PTC")) == (
        "PTC is already closed; the final digest was sent then."
    )
    refusal = Refusal(Permission.MANAGE, "close", "PTC", "member")
    assert close_reply(CloseRequest("refused", "PTC", refusal)) == (
        "Only the secretariat of PTC can use /close."
    )


def test_only_a_closed_request_sends_the_closing_now() -> None:
    assert CloseRequest("closed", "PTC").send_now
    assert not CloseRequest("already_closed", "PTC").send_now


def test_secretariat_replies_and_upload_words() -> None:
    assert task_reply("digest") == "Your digest is on its way to your direct messages."
    assert task_reply("record") == (
        "The summary record (HTML and XLSX) is being prepared for your direct messages."
    )
    assert STALE_HOME_BUTTON.startswith("That button belongs to a meeting Docket no longer has.")
    assert final_digest_heading("PTC") == "Final digest: PTC"
    assert record_upload_comment("PTC") == "The record of PTC, and its charts."
    assert summary_upload_comment("PTC") == "The summary record of PTC."
    assert record_file_title("PTC", "html") == "PTC: summary record"
    assert record_file_title("PTC", "xlsx") == "PTC: comments and figures"
