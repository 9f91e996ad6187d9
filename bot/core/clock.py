"""The one place that reads the wall clock.

Domain functions take an explicit `now`; only entry points (CLI, listeners) call `utcnow()`,
so tests choose the time instead of waiting for it.
"""

from datetime import UTC, datetime, timedelta


def utcnow() -> datetime:
    return datetime.now(UTC)


def ts_to_datetime(ts: str) -> datetime:
    """A Slack message ts ("1594026000.000200") as an aware UTC datetime, to the microsecond.

    Parsed as integers, not through a float, so two versions a microsecond apart stay apart.
    """
    seconds, _, fraction = ts.partition(".")
    micros = int((fraction + "000000")[:6])
    return datetime.fromtimestamp(int(seconds), UTC) + timedelta(microseconds=micros)


def datetime_to_ts(moment: datetime) -> str:
    """An aware datetime as a Slack-style ts string (microsecond precision)."""
    micros = round(moment.timestamp() * 1_000_000)
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
