"""Private notices of the reply path and of commands without a meeting, from domain values."""

from datetime import UTC, datetime

from bot.domain.meetings import MeetingNotFound, NoMeeting
from bot.views.notices import (
    late_reply_notice,
    meeting_not_found_text,
    no_meeting_text,
    stray_notice,
)

DEADLINE = datetime(2020, 7, 17, 15, 0, tzinfo=UTC)


def test_stray_notice_names_the_secretariat_and_escapes_the_title():
    notice = stray_notice("PTC <&>", 3, ("U0SEC0001", "U0SEC0002"))
    assert "item 3 was kept" in notice
    assert "roster of PTC &lt;&amp;&gt;" in notice
    assert "(<@U0SEC0001>, <@U0SEC0002>)" in notice
    assert "(the secretariat)" in stray_notice("PTC", 3, ())


def test_late_reply_notice_says_which_deadline_passed():
    notice = late_reply_notice("Europe/Zurich", 4, DEADLINE)
    assert notice.startswith("Your reply on item 4 was recorded, but comments closed at <!date^")
    assert "Fri 17 Jul 2020 17:00 CEST" in notice
    assert "final concerns closed" in late_reply_notice("UTC", 4, DEADLINE, final_concern=True)


def test_no_meeting_text_says_where_the_command_works_or_lists_the_meetings():
    assert no_meeting_text("/agenda", NoMeeting("none")) == (
        "`/agenda` works in a meeting's channel, or anywhere for a member of a meeting, "
        "and this channel has no meeting and you have no role in one."
    )
    assert no_meeting_text("/agenda", NoMeeting("several", ("a", "b"))) == (
        "You have a role in several meetings (a, b). "
        "Use `/agenda` in the channel of the meeting you mean."
    )


def test_meeting_not_found_text_for_the_command_line():
    assert meeting_not_found_text(MeetingNotFound("unknown_key", key="nope", loaded=("ptc",))) == (
        "no meeting with key 'nope'; loaded: ptc"
    )
    assert meeting_not_found_text(MeetingNotFound("unknown_key", key="x")) == (
        "no meeting with key 'x'; loaded: none"
    )
    assert meeting_not_found_text(MeetingNotFound("none_loaded")) == (
        "no meeting is loaded yet; run `python -m bot load FILE` first"
    )
    assert meeting_not_found_text(MeetingNotFound("several_loaded", loaded=("a", "b"))) == (
        "several meetings are loaded; choose one with --meeting (a, b)"
    )
