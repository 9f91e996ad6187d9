from datetime import UTC, datetime

from bot.core.clock import datetime_to_ts, ts_to_datetime


def test_slack_ts_round_trips_to_the_microsecond():
    for ts in ("1594375200.000000", "1594375200.000001", "1594998000.999999", "1594998000.123456"):
        assert datetime_to_ts(ts_to_datetime(ts)) == ts
    assert ts_to_datetime("1594375200.000001") == datetime(2020, 7, 10, 10, 0, 0, 1, tzinfo=UTC)
