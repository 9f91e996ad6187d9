"""Private notices: what a person is told, only them, about a reply they wrote or a command
that found no meeting; and what the command line says when it finds no meeting.

Pure functions of domain values: the domain says what happened (a `Capture`, a `NoMeeting`,
a `MeetingNotFound`), these say it in words.
"""

from datetime import datetime

from bot.domain.meetings import MeetingNotFound, NoMeeting
from bot.views.messages import date_token, escape


def stray_notice(meeting_title: str, item_number: int | None, secretariat: tuple[str, ...]) -> str:
    """Told privately to someone who replied but is not on the roster."""
    contacts = ", ".join(f"<@{user}>" for user in secretariat) or "the secretariat"
    return (
        f"Your reply on item {item_number} was kept, but it is not recorded as a formal comment: "
        f"you are not on the roster of {escape(meeting_title)}. Ask the secretariat "
        f"({contacts}) to add you to your delegation, then reply again."
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


def no_meeting_text(command: str, found: NoMeeting) -> str:
    """Why a slash command has no meeting to act on, and what to do instead."""
    if found.kind == "several":
        return choose_meeting_notice(command, list(found.keys))
    return no_meeting_notice(command)


def meeting_not_found_text(error: MeetingNotFound) -> str:
    """The command line's answer when `--meeting` names no meeting, or none or several are
    loaded and it names none."""
    match error.reason:
        case "unknown_key":
            return f"no meeting with key {error.key!r}; loaded: {', '.join(error.loaded) or 'none'}"
        case "none_loaded":
            return "no meeting is loaded yet; run `python -m bot load FILE` first"
        case "several_loaded":
            return (
                "several meetings are loaded; choose one with --meeting "
                f"({', '.join(error.loaded)})"
            )
