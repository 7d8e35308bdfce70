"""The default run date is the Japanese calendar date, whatever the server's time zone."""

import datetime as dt

import pytest

from pipelines.resources import tokyo_today

UTC = dt.UTC


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        (dt.datetime(2026, 11, 23, 14, 59, 59, tzinfo=UTC), dt.date(2026, 11, 23)),  # 23:59:59 JST
        (dt.datetime(2026, 11, 23, 15, 0, 0, tzinfo=UTC), dt.date(2026, 11, 24)),  # 00:00 JST
        (
            dt.datetime(2026, 12, 31, 17, 0, 0, tzinfo=UTC),
            dt.date(2027, 1, 1),
        ),  # 02:00 JST, nightly
    ],
)
def test_run_date_follows_the_tokyo_calendar(utc: dt.datetime, expected: dt.date) -> None:
    assert tokyo_today(utc) == expected
