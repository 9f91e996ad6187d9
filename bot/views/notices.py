"""Private notices: what a person is told, only them, about a reply they wrote or a command
that found no meeting; and what the command line says when it finds no meeting.

Pure functions of domain values: the domain says what happened (a `Capture`, a `NoMeeting`,
a `MeetingNotFound`), these say it in words, in the active language (bot/views/i18n.py).
"""

from datetime import datetime

from bot.domain.meetings import MeetingNotFound, NoMeeting
from bot.views.i18n import _
from bot.views.messages import date_token, escape


def stray_notice(meeting_title: str, item_number: int | None, secretariat: tuple[str, ...]) -> str:
    """Told privately to someone who replied but is not on the roster."""
    contacts = ", ".join(f"<@{user}>" for user in secretariat) or _("the secretariat")
    return _(
        "Your reply on item {number} was kept, but it is not recorded as a formal comment: "
        "you are not on the roster of {meeting}. Ask the secretariat ({contacts}) to add you "
        "to your delegation, then reply again.",
        number=item_number,
        meeting=escape(meeting_title),
        contacts=contacts,
    )


def late_reply_notice(
    timezone: str, item_number: int | None, deadline: datetime, *, final_concern: bool = False
) -> str:
    """Told privately to the author of a reply written after the deadline (the comment
    deadline, or the final-concerns window's for a reply written in one)."""
    if final_concern:
        return _(
            "Your reply on item {number} was recorded, but final concerns closed at {deadline}, "
            "so it is marked late. The chair and the secretariat will see it in the record.",
            number=item_number,
            deadline=date_token(deadline, timezone),
        )
    return _(
        "Your reply on item {number} was recorded, but comments closed at {deadline}, so it is "
        "marked late. The chair and the secretariat will see it in the record.",
        number=item_number,
        deadline=date_token(deadline, timezone),
    )


def choose_meeting_notice(command: str, meeting_keys: list[str]) -> str:
    return _(
        "You have a role in several meetings ({keys}). Use `{command}` in the channel of the "
        "meeting you mean.",
        keys=", ".join(meeting_keys),
        command=command,
    )


def no_meeting_notice(command: str) -> str:
    return _(
        "`{command}` works in a meeting's channel, or anywhere for a member of a meeting, "
        "and this channel has no meeting and you have no role in one.",
        command=command,
    )


def no_meeting_text(command: str, found: NoMeeting) -> str:
    """Why a slash command has no meeting to act on, and what to do instead."""
    if found.kind == "several":
        return choose_meeting_notice(command, list(found.keys))
    return no_meeting_notice(command)


def meeting_not_found_text(error: MeetingNotFound) -> str:
    """The command line's answer when `--meeting` names no meeting, or none or several are
    loaded and it names none.  The command line speaks English: it is the operators' tool."""
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
