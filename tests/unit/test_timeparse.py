"""Durations and moments as the secretariat writes them in the file and a chair types in Slack."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.parse.timeparse import format_duration, parse_duration, parse_moment, read_moment, to_utc

BRUSSELS = ZoneInfo("Europe/Brussels")
NOT_A_DURATION = "is not a duration; expected e.g. 7d, 48h, 30m, 90s or ISO 8601 like P7D"
NOT_A_MOMENT = (
    "is not a date and time; expected e.g. 2020-07-24T17:00 (meeting time zone) "
    "or 2020-07-24T17:00+02:00"
)
D, H, M = 86400, 3600, 60


def seconds(text: str) -> int:
    return int(parse_duration(text).total_seconds())


def utc(year: int, month: int, day: int, hour: int, minute: int, sec: int = 0, us: int = 0):
    return datetime(year, month, day, hour, minute, sec, us, tzinfo=UTC)


# -- parse_duration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", 7 * D),
        ("48h", 48 * H),
        ("30m", 30 * M),
        ("90s", 90),
        ("1d12h", D + 12 * H),
        ("1h 30m", H + 30 * M),
        ("1d 2h 3m 4s", D + 2 * H + 3 * M + 4),
        ("2d30s", 2 * D + 30),
        ("7D", 7 * D),  # units in any case
        ("1H30M", H + 30 * M),
        ("  24h  ", D),  # surrounding space ignored
        ("100000h", 100000 * H),
        ("P7D", 7 * D),
        ("PT48H", 48 * H),
        ("P1DT12H", D + 12 * H),
        ("PT30M", 30 * M),
        ("PT90S", 90),
        ("PT1H30M15S", H + 30 * M + 15),
        ("P2W", 14 * D),
        ("P1W2D", 9 * D),
        ("p7d", 7 * D),
        ("pt1h", H),
    ],
)
def test_accepted_durations(text: str, expected: int):
    assert seconds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "7 days",
        "7 d",  # the unit belongs to its number
        "7",
        "48",
        "",
        "   ",
        "d",
        "1.5h",  # whole numbers only
        "1,5h",
        "2w",  # weeks only in ISO form
        "1y",
        "30m1h",  # largest unit first, each once
        "1h1h",
        "1h30",
        "h1",
        "+7d",
        "7d!",
        "seven days",
        "P",
        "PT",
        "P1DT",
        "P1H",  # hours belong after T
        "PT1D",
        "PT1.5H",
        "P7",
        "T1H",
        "P1D2W",  # out of order
        "\u0661\u0662h",  # digits of another script
    ],
)
def test_refused_durations_say_what_is_expected(text: str):
    with pytest.raises(ValueError) as caught:
        parse_duration(text)
    assert str(caught.value) == f"{text.strip()!r} {NOT_A_DURATION}"


@pytest.mark.parametrize("value", [48, 1.5, True, None])
def test_a_bare_number_is_refused_units_are_required(value: object):
    with pytest.raises(ValueError, match=r"is not a duration; expected e\.g\. 7d, 48h"):
        parse_duration(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["0d", "0s", "0h 0m", "PT0S", "P0D", "-1h", "-7d", "-P7D"])
def test_zero_and_negative_durations_are_refused(text: str):
    with pytest.raises(ValueError, match=f"^'{text}' must be longer than zero; expected e.g."):
        parse_duration(text)


@pytest.mark.parametrize("text", ["P1Y", "P1M", "P1Y2M3D", "P1MT1H", "p2m"])
def test_iso_years_and_months_are_refused_because_their_length_varies(text: str):
    with pytest.raises(ValueError, match=f"^'{text}': years and months have no fixed length"):
        parse_duration(text)


def test_pt1m_is_a_minute_and_p1m_is_refused():
    assert seconds("PT1M") == 60
    with pytest.raises(ValueError, match="years and months"):
        parse_duration("P1M")


def test_absurdly_long_duration_is_refused_not_an_overflow():
    with pytest.raises(ValueError, match="is too long; expected at most 999999999d"):
        parse_duration("99999999999d")


# -- format_duration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "text"),
    [
        (172800, "2d"),
        (86400, "1d"),
        (90000, "1d1h"),
        (5400, "1h30m"),
        (7 * D, "7d"),
        (3 * H, "3h"),
        (90, "1m30s"),
        (45, "45s"),
        (D + 1, "1d1s"),
        (D + 2 * H + 3 * M + 4, "1d2h3m4s"),
        (0, "0s"),
        (-H, "-1h"),
        (-(D + 30 * M), "-1d30m"),
    ],
)
def test_format_duration_uses_the_largest_exact_units(total: int, text: str):
    assert format_duration(timedelta(seconds=total)) == text


def test_format_duration_keeps_fractions_of_a_second():
    assert format_duration(timedelta(minutes=1, seconds=1.5)) == "1m1.5s"
    assert format_duration(timedelta(microseconds=250)) == "0.00025s"


@pytest.mark.parametrize("total", [1, 59, 60, 61, 3599, 3600, 86399, 86400, 90061, 604800, 10**8])
def test_format_duration_reads_back_as_the_same_duration(total: int):
    delta = timedelta(seconds=total)
    assert parse_duration(format_duration(delta)) == delta


# -- parse_moment -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2020-07-24T17:00", utc(2020, 7, 24, 15, 0)),  # Brussels summer time, UTC+2
        ("2020-07-24 17:00", utc(2020, 7, 24, 15, 0)),
        ("2020-07-24T17:00:30", utc(2020, 7, 24, 15, 0, 30)),
        ("2020-07-24T17:00:30.250", utc(2020, 7, 24, 15, 0, 30, 250000)),
        ("2020-01-24T17:00", utc(2020, 1, 24, 16, 0)),  # winter time, UTC+1
        ("  2020-07-24t17:00  ", utc(2020, 7, 24, 15, 0)),
    ],
)
def test_moment_without_offset_is_in_the_meeting_zone(text: str, instant: datetime):
    moment = parse_moment(text, BRUSSELS)
    assert moment == instant
    assert moment.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2020-07-24T17:00+02:00", utc(2020, 7, 24, 15, 0)),
        ("2020-07-24T17:00-04:00", utc(2020, 7, 24, 21, 0)),
        ("2020-07-24T17:00+05:30", utc(2020, 7, 24, 11, 30)),
        ("2020-07-24T17:00+0530", utc(2020, 7, 24, 11, 30)),
        ("2020-07-24T17:00+02", utc(2020, 7, 24, 15, 0)),
        ("2020-07-24T17:00Z", utc(2020, 7, 24, 17, 0)),
        ("2020-07-24 17:00:00z", utc(2020, 7, 24, 17, 0)),
        ("2020-07-24 17:00 Z", utc(2020, 7, 24, 17, 0)),
        ("2020-07-24 17:00 +02:00", utc(2020, 7, 24, 15, 0)),
        ("2020-03-29T02:30+01:00", utc(2020, 3, 29, 1, 30)),  # an offset makes a gap time real
    ],
)
def test_moment_with_offset_is_taken_as_given(text: str, instant: datetime):
    moment = parse_moment(text, BRUSSELS)
    assert moment == instant
    assert moment.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("2020-03-29T02:30", "Europe/Brussels"),
        ("2020-03-29T02:00", "Europe/Brussels"),
        ("2020-03-29 02:59:59", "Europe/Brussels"),
        ("2020-03-08T02:30", "America/New_York"),
    ],
)
def test_time_in_a_dst_gap_is_refused(text: str, zone: str):
    with pytest.raises(ValueError) as caught:
        parse_moment(text, ZoneInfo(zone))
    message = str(caught.value)
    assert message.startswith(f"{text!r} does not exist in {zone} (clocks change); "), message
    assert "expected a time before or after the change, e.g. " in message


def test_dst_gap_message_suggests_the_time_after_the_change():
    with pytest.raises(ValueError, match=r"e\.g\. 2020-03-29T03:30$"):
        parse_moment("2020-03-29T02:30", BRUSSELS)


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2020-03-29T01:59", utc(2020, 3, 29, 0, 59)),  # just before the gap, UTC+1
        ("2020-03-29T03:00", utc(2020, 3, 29, 1, 0)),  # just after it, UTC+2
    ],
)
def test_times_either_side_of_the_gap_are_accepted(text: str, instant: datetime):
    assert parse_moment(text, BRUSSELS) == instant


def test_time_in_a_fold_takes_the_first_occurrence():
    # 02:30 happened twice in Brussels on 25 October 2020: first at UTC+2, then at UTC+1.
    assert parse_moment("2020-10-25T02:30", BRUSSELS) == utc(2020, 10, 25, 0, 30)
    assert parse_moment("2020-10-25T02:30+01:00", BRUSSELS) == utc(2020, 10, 25, 1, 30)


@pytest.mark.parametrize(
    ("text", "example"),
    [
        ("2020-07-24", "2020-07-24T17:00"),
        ("20200724", "2020-07-24T17:00"),
        ("2020-W30-5", "2020-07-24T17:00"),
    ],
)
def test_bare_date_has_no_time_of_day(text: str, example: str):
    with pytest.raises(ValueError) as caught:
        parse_moment(text, BRUSSELS)
    assert str(caught.value) == f"{text!r} has no time of day; expected e.g. {example}"


@pytest.mark.parametrize(
    "text",
    [
        "next Friday",
        "",
        "17:00",
        "2020-07-24T17",  # which minute?
        "2020-07-24T1700",
        "20200724T1700",
        "2020-07-24T17:00:00+02:00:00",
        "24/07/2020 17:00",
        "2020-02-30T10:00",  # no such day
        "2020-07-24T25:00",
        "2020-07-24T17:00+25:00",
        "2020-07-24T17:00 Europe/Brussels",
        "2020-07-24TT17:00",
    ],
)
def test_garbage_is_not_a_date_and_time(text: str):
    with pytest.raises(ValueError) as caught:
        parse_moment(text, BRUSSELS)
    assert str(caught.value) == f"{text.strip()!r} {NOT_A_MOMENT}"


def test_read_moment_keeps_a_missing_offset_missing():
    assert read_moment("2020-07-24T17:00") == datetime(2020, 7, 24, 17, 0)  # noqa: DTZ001
    assert read_moment("2020-07-24T17:00Z").tzinfo is not None


def test_to_utc_refuses_a_naive_time_in_a_gap_and_keeps_an_aware_one():
    naive = datetime(2020, 3, 29, 2, 30)  # noqa: DTZ001
    with pytest.raises(ValueError, match="'2020-03-29T02:30' does not exist in Europe/Brussels"):
        to_utc(naive, BRUSSELS)
    aware = datetime(2020, 3, 29, 2, 30, tzinfo=UTC)
    assert to_utc(aware, BRUSSELS) == aware
