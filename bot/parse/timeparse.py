"""Durations and moments as people write them: in the meeting file and in Slack.

Pure and stdlib only, so the meeting-file validator, slash commands and the scheduler all read
"48h" and "2020-07-24T17:00" the same way, and each refusal says what would have been accepted.
Every failure is a `ValueError` whose message starts with the text as written (quoted), so a
caller can prefix its own context (file, line, key; or the command) and show it as it is.
"""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "DURATION_EXAMPLES",
    "MOMENT_EXAMPLES",
    "format_duration",
    "parse_duration",
    "parse_moment",
    "read_moment",
    "to_utc",
]

DURATION_EXAMPLES = "expected e.g. 7d, 48h, 30m, 90s or ISO 8601 like P7D"
MOMENT_EXAMPLES = "expected e.g. 2020-07-24T17:00 (meeting time zone) or 2020-07-24T17:00+02:00"

_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}

# "1d12h", "1h 30m": whole numbers, units in falling order, each at most once. Fixed order keeps
# one spelling per duration and catches slips such as "1h1h" or "30m1h" (meant "1h30m"?).
_COMPACT = re.compile(
    r"(?:(?P<d>\d+)d)?\s*(?:(?P<h>\d+)h)?\s*(?:(?P<m>\d+)m)?\s*(?:(?P<s>\d+)s)?",
    re.IGNORECASE | re.ASCII,
)
# ISO 8601 durations. Years and months are matched only to be refused with a reason: their
# length depends on the calendar, and "P1M" (a month) is easily mistaken for one minute.
_ISO = re.compile(
    r"P(?:(?P<Y>\d+)Y)?(?:(?P<M>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?",
    re.IGNORECASE | re.ASCII,
)
# The longest duration timedelta can hold, so absurd input is refused rather than overflowing.
_MAX_SECONDS = int(timedelta.max.total_seconds())

# A date and a time of day to the minute at least; optional seconds (and fraction) and offset.
# Stricter than datetime.fromisoformat, which also takes "2020-07-24T17" (which minute?),
# compact "20200724T1700" and week dates: forms nobody types on purpose in a meeting.
_MOMENT = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})(?:T|\s+)(?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)"
    r"\s*(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE | re.ASCII,
)


def parse_duration(text: str) -> timedelta:
    """Read a positive duration such as "7d", "48h", "1h 30m" or ISO 8601 "P7D", "PT48H".

    Units are required: a bare "48" is refused because hours-versus-minutes mistakes move a
    deadline reminder by days. A day is 24 hours (reminders count elapsed time, not calendar
    days). Zero and negative durations are refused: they would fire at or after the deadline.
    """
    if not isinstance(text, str):  # a YAML number (48) or boolean reaching here by mistake
        raise ValueError(f"{str(text)!r} is not a duration; {DURATION_EXAMPLES}")
    written = text.strip()
    body = written
    negative = body.startswith("-")
    if negative:  # accepted by the grammar only so the refusal can say why
        body = body[1:].lstrip()
    seconds = _iso_seconds(body, written) if body[:1] in ("P", "p") else _compact_seconds(body)
    if seconds is None:
        raise ValueError(f"{written!r} is not a duration; {DURATION_EXAMPLES}")
    if negative or seconds == 0:
        raise ValueError(f"{written!r} must be longer than zero; {DURATION_EXAMPLES}")
    if seconds > _MAX_SECONDS:
        raise ValueError(f"{written!r} is too long; expected at most {timedelta.max.days}d")
    return timedelta(seconds=seconds)


def _compact_seconds(body: str) -> int | None:
    match = _COMPACT.fullmatch(body)
    if match is None or not any(match.groupdict().values()):
        return None
    return sum(int(v) * _UNIT_SECONDS[k] for k, v in match.groupdict().items() if v is not None)


def _iso_seconds(body: str, written: str) -> int | None:
    match = _ISO.fullmatch(body)
    if match is None:
        return None
    parts = match.groupdict()
    if parts["Y"] is not None or parts["M"] is not None:
        raise ValueError(
            f"{written!r}: years and months have no fixed length; "
            "expected weeks, days or hours, e.g. P30D or P4W"
        )
    if not any(parts.values()):  # "P" or "PT" alone
        return None
    weeks = int(parts.pop("w") or 0)
    return weeks * 7 * 86400 + sum(
        int(v) * _UNIT_SECONDS[k] for k, v in parts.items() if v is not None
    )


def format_duration(delta: timedelta) -> str:
    """Write `delta` in the compact form `parse_duration` reads: "2d", "1d1h", "1h30m".

    Largest exact units first, so a message shows what the secretariat most likely wrote
    (48h and 2d are the same reminder; it reads as "2d"). Sub-second parts, which no meeting
    file can produce, are kept as a decimal fraction of seconds rather than silently dropped.
    """
    micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    sign = "-" if micros < 0 else ""
    seconds, fraction = divmod(abs(micros), 1_000_000)
    parts: list[str] = []
    for unit, size in _UNIT_SECONDS.items():
        count, seconds = divmod(seconds, size)
        if unit == "s" and fraction:
            parts.append(f"{count}.{fraction:06d}".rstrip("0") + "s")
        elif count:
            parts.append(f"{count}{unit}")
    return sign + ("".join(parts) or "0s")


def read_moment(text: str) -> datetime:
    """Read "2020-07-24T17:00" (or with a space, seconds, an offset or Z) as written.

    The result is naive when no offset was given: only the caller knows the meeting's zone.
    A bare date is refused with its own message, because a deadline without an hour is the
    commonest slip and "midnight" would silently cut a day off the delegates' time.
    """
    written = text.strip() if isinstance(text, str) else str(text)
    match = _MOMENT.fullmatch(written) if isinstance(text, str) else None
    if match is not None:
        offset = match["offset"] or ""
        offset = "+00:00" if offset.upper() == "Z" else offset
        try:
            return datetime.fromisoformat(f"{match['date']}T{match['time']}{offset}")
        except ValueError:  # well-formed but impossible: 2020-02-30, 25:00, +25:00
            pass
    else:
        try:
            day = date.fromisoformat(written)
        except ValueError:
            pass
        else:
            raise ValueError(f"{written!r} has no time of day; expected e.g. {day}T17:00")
    raise ValueError(f"{written!r} is not a date and time; {MOMENT_EXAMPLES}")


def to_utc(moment: datetime, zone: ZoneInfo) -> datetime:
    """The instant `moment` names, in UTC: an offset as given, else wall-clock time in `zone`.

    A wall-clock time the clocks skip (spring forward) names no instant; zoneinfo would quietly
    shift it, so it is refused. The round trip through UTC is how the gap is detected: a real
    wall-clock time comes back unchanged. A time the clocks show twice (autumn) takes its first
    occurrence (fold=0), the earlier instant, so a deadline never falls later than its writer
    could have meant.
    """
    return _to_utc(moment, zone, moment.isoformat(timespec="minutes"))


def parse_moment(text: str, zone: ZoneInfo) -> datetime:
    """What a chair types in Slack or the secretariat writes in the file, as an aware UTC time.

    With an offset ("+02:00", "Z") the time is taken as given; without one it is wall-clock
    time in `zone`, the meeting's time zone. UTC out, so one instant has one spelling and
    comparisons never mix zones.
    """
    return _to_utc(read_moment(text), zone, text.strip())


def _to_utc(moment: datetime, zone: ZoneInfo, written: str) -> datetime:
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        return moment.astimezone(UTC)
    wall = moment.replace(tzinfo=None, fold=0)
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        # zoneinfo maps a skipped time with the offset from before the change; that wall-clock
        # time (e.g. 03:30 for 02:30) is offered as an example, not chosen for the writer.
        after = instant.astimezone(zone).replace(tzinfo=None).isoformat(timespec="minutes")
        raise ValueError(
            f"{written!r} does not exist in {zone} (clocks change); "
            f"expected a time before or after the change, e.g. {after}"
        )
    return instant
