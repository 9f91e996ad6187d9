"""Why a moment the chair or the secretariat typed could not be read, in words."""

from datetime import UTC, date
from zoneinfo import ZoneInfo

from bot.parse.timeparse import read_moment, to_utc
from bot.views.i18n import _


def moment_problem(text: str, timezone: str) -> str:
    """Why `text` is no moment, as the parser finds it (the text quoted first), in the active
    language.

    The domain only says that the moment could not be read (a silence procedure's end, a new
    deadline, a final-concerns deadline); which of the parser's reasons it is (no time of day,
    no date and time at all, a time the clocks skip) is asked of the parser here, and said in
    the words the meeting-file validator uses too.
    """
    written = text.strip()
    zone = ZoneInfo(timezone)
    try:
        moment = read_moment(written)
    except ValueError:
        try:
            day = date.fromisoformat(written)
        except ValueError:
            return _(
                "{text} is not a date and time; expected e.g. 2020-07-24T17:00 (meeting time "
                "zone) or 2020-07-24T17:00+02:00",
                text=repr(written),
            )
        example = f"{day}T17:00"
        return _(
            "{text} has no time of day; expected e.g. {example}",
            text=repr(written),
            example=example,
        )
    try:
        to_utc(moment, zone)
    except ValueError:
        # The wall-clock time the skipped one maps to, offered as an example (as the parser does).
        after = moment.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
        return _(
            "{text} does not exist in {zone} (clocks change); expected a time before or after "
            "the change, e.g. {example}",
            text=repr(written),
            zone=str(zone),
            example=after.replace(tzinfo=None).isoformat(timespec="minutes"),
        )
    return _("`{text}` is not a moment.", text=text)  # not reached: the domain refused it
