"""Digest due times and quiet hours: tables across the daylight-saving changes of
Europe/Berlin (2025-03-30, 2025-10-26) and America/New_York (2025-03-09, 2025-11-02)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.services.accounts import NotificationPreferences, QuietHours
from hub.services.digest_schedule import in_quiet_hours, next_due, quiet_until

BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def prefs(digest: str, at: str = "09:00", weekday: str = "mon") -> NotificationPreferences:
    return NotificationPreferences.model_validate(
        {"digest": digest, "digest_time": at, "digest_weekday": weekday}
    )


@pytest.mark.parametrize(
    ("digest", "at", "weekday", "zone", "after", "due_local"),
    [
        # daily 09:00 stays 09:00 local on both sides of each change
        ("daily", "09:00", "mon", BERLIN, "2025-03-29 06:00", "2025-03-29 09:00 CET"),
        ("daily", "09:00", "mon", BERLIN, "2025-03-29 08:00", "2025-03-30 09:00 CEST"),
        ("daily", "09:00", "mon", BERLIN, "2025-10-25 07:00", "2025-10-26 09:00 CET"),
        ("daily", "09:00", "mon", NEW_YORK, "2025-03-08 14:00", "2025-03-09 09:00 EDT"),
        ("daily", "09:00", "mon", NEW_YORK, "2025-11-01 13:00", "2025-11-02 09:00 EST"),
        # a time the clock skips fires at the end of the gap
        ("daily", "02:30", "mon", BERLIN, "2025-03-29 12:00", "2025-03-30 03:00 CEST"),
        ("daily", "02:30", "mon", BERLIN, "2025-03-30 01:00", "2025-03-31 02:30 CEST"),
        ("daily", "02:30", "mon", NEW_YORK, "2025-03-08 12:00", "2025-03-09 03:00 EDT"),
        # a time the clock shows twice fires at its first occurrence only
        ("daily", "02:30", "mon", BERLIN, "2025-10-25 12:00", "2025-10-26 02:30 CEST"),
        ("daily", "02:30", "mon", BERLIN, "2025-10-26 00:30", "2025-10-27 02:30 CET"),
        ("daily", "02:30", "mon", BERLIN, "2025-10-26 01:00", "2025-10-27 02:30 CET"),
        ("daily", "01:30", "mon", NEW_YORK, "2025-11-01 12:00", "2025-11-02 01:30 EDT"),
        ("daily", "01:30", "mon", NEW_YORK, "2025-11-02 05:30", "2025-11-03 01:30 EST"),
        # weekly across the changes
        ("weekly", "09:00", "sun", BERLIN, "2025-03-23 08:00", "2025-03-30 09:00 CEST"),
        ("weekly", "09:00", "sun", BERLIN, "2025-10-19 07:00", "2025-10-26 09:00 CET"),
        ("weekly", "09:00", "sun", NEW_YORK, "2025-03-02 14:00", "2025-03-09 09:00 EDT"),
        ("weekly", "09:00", "sun", NEW_YORK, "2025-10-26 13:00", "2025-11-02 09:00 EST"),
        ("weekly", "02:30", "sun", BERLIN, "2025-03-23 12:00", "2025-03-30 03:00 CEST"),
        ("weekly", "09:00", "wed", BERLIN, "2025-03-26 07:59", "2025-03-26 09:00 CET"),
        ("weekly", "09:00", "wed", BERLIN, "2025-03-26 08:00", "2025-04-02 09:00 CEST"),
        # local midnight: the day of the zone, not of UTC
        ("daily", "00:15", "mon", NEW_YORK, "2025-06-01 03:00", "2025-06-01 00:15 EDT"),
        ("weekly", "23:30", "sun", "Asia/Tokyo", "2025-06-01 14:00", "2025-06-01 23:30 JST"),
        # hourly: the next whole hour of the zone's clock
        ("hourly", "09:00", "mon", BERLIN, "2025-06-01 10:00", "2025-06-01 13:00 CEST"),
        ("hourly", "09:00", "mon", "Asia/Kolkata", "2025-06-01 10:05", "2025-06-01 16:00 IST"),
        ("hourly", "09:00", "mon", "Asia/Kathmandu", "2025-06-01 10:00", "2025-06-01 16:00 +0545"),
    ],
)
def test_next_due(
    digest: str, at: str, weekday: str, zone: str, after: str, due_local: str
) -> None:
    due = next_due(prefs(digest, at, weekday), zone, utc(after))
    assert due is not None
    assert local(due, zone) == due_local
    assert due.utcoffset() == timedelta(0)


def test_off_is_never_due() -> None:
    assert next_due(prefs("off"), BERLIN, utc("2025-03-29 06:00")) is None


@pytest.mark.parametrize(
    ("zone", "day", "count", "twice"),
    [
        (BERLIN, "2025-03-30", 23, None),
        (BERLIN, "2025-10-26", 25, "02:00"),
        (NEW_YORK, "2025-03-09", 23, None),
        (NEW_YORK, "2025-11-02", 25, "01:00"),
        (BERLIN, "2025-06-01", 24, None),
    ],
)
def test_hourly_follows_the_clock_across_a_change(
    zone: str, day: str, count: int, twice: str | None
) -> None:
    """Every whole hour the clock shows fires once per time it is shown: one hour apart."""
    tz = ZoneInfo(zone)
    start = datetime.fromisoformat(day).replace(tzinfo=tz).astimezone(UTC)
    moments, moment = [], start - timedelta(microseconds=1)
    while True:
        found = next_due(prefs("hourly"), zone, moment)
        assert found is not None
        if found.astimezone(tz).date().isoformat() != day:
            break
        moments.append(found)
        moment = found
    assert len(moments) == count
    assert all(b - a == timedelta(hours=1) for a, b in pairwise(moments))
    shown = [m.astimezone(tz).strftime("%H:%M") for m in moments]
    assert sorted({s for s in shown if shown.count(s) > 1}) == ([twice] if twice else [])
    if count == 23:
        assert "02:00" not in shown


@pytest.mark.parametrize(
    ("zone", "start"),
    [(BERLIN, "2025-03-25 12:00"), (BERLIN, "2025-10-21 12:00"), (NEW_YORK, "2025-11-01 00:00")],
)
def test_a_chain_over_ten_days_is_one_digest_a_day_at_nine(zone: str, start: str) -> None:
    moment, shown = utc(start), []
    for _ in range(10):
        due = next_due(prefs("daily"), zone, moment)
        assert due is not None and due > moment
        shown.append(due.astimezone(ZoneInfo(zone)))
        moment = due
    assert {s.strftime("%H:%M") for s in shown} == {"09:00"}
    first = shown[0].date()
    assert [s.date() for s in shown] == [first + timedelta(days=n) for n in range(10)]


NIGHT = QuietHours(start="22:00", end="07:00")
LUNCH = QuietHours(start="12:00", end="13:00")


@pytest.mark.parametrize(
    ("quiet", "zone", "at", "expected"),
    [
        (NIGHT, BERLIN, "2025-01-10 21:30", True),  # 22:30 local
        (NIGHT, BERLIN, "2025-01-10 20:59", False),  # 21:59 local
        (NIGHT, BERLIN, "2025-01-10 21:00", True),  # 22:00 local: start is in
        (NIGHT, BERLIN, "2025-01-10 23:30", True),  # 00:30 local, after midnight
        (NIGHT, BERLIN, "2025-01-11 05:59", True),  # 06:59 local
        (NIGHT, BERLIN, "2025-01-11 06:00", False),  # 07:00 local: end is out
        (NIGHT, NEW_YORK, "2025-01-11 03:30", True),  # 22:30 local, 03:30 UTC
        (NIGHT, NEW_YORK, "2025-01-10 21:30", False),  # 16:30 local
        (LUNCH, BERLIN, "2025-07-01 10:30", True),  # 12:30 CEST
        (LUNCH, BERLIN, "2025-07-01 11:00", False),  # 13:00 CEST
        (LUNCH, BERLIN, "2025-07-01 09:59", False),  # 11:59 CEST
        (QuietHours(start="08:00", end="08:00"), BERLIN, "2025-07-01 06:00", False),
        (None, BERLIN, "2025-01-10 23:30", False),
    ],
)
def test_in_quiet_hours(quiet: QuietHours | None, zone: str, at: str, expected: bool) -> None:
    assert in_quiet_hours(quiet, zone, utc(at)) is expected


LATE_NIGHT = QuietHours(start="22:00", end="02:30")


@pytest.mark.parametrize(
    ("quiet", "zone", "at", "until_local"),
    [
        (NIGHT, BERLIN, "2025-01-10 22:30", "2025-01-11 07:00 CET"),
        (NIGHT, BERLIN, "2025-01-11 05:00", "2025-01-11 07:00 CET"),
        (NIGHT, BERLIN, "2025-03-29 22:00", "2025-03-30 07:00 CEST"),  # a short night
        (LUNCH, BERLIN, "2025-07-01 10:30", "2025-07-01 13:00 CEST"),
        (LATE_NIGHT, BERLIN, "2025-03-29 23:30", "2025-03-30 03:00 CEST"),  # end skipped
        (LATE_NIGHT, BERLIN, "2025-10-26 00:10", "2025-10-26 02:30 CEST"),  # first 02:10
        (LATE_NIGHT, BERLIN, "2025-10-26 01:10", "2025-10-26 02:30 CET"),  # second 02:10
        (NIGHT, BERLIN, "2025-01-10 12:00", None),
        (None, BERLIN, "2025-01-10 22:30", None),
    ],
)
def test_quiet_until(quiet: QuietHours | None, zone: str, at: str, until_local: str | None) -> None:
    until = quiet_until(quiet, zone, utc(at))
    assert (local(until, zone) if until else None) == until_local


ZONES = [
    BERLIN,
    NEW_YORK,
    "UTC",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Santiago",
    "Pacific/Apia",
    "Europe/London",
]
HOUR_MINUTES = st.builds(
    lambda hour, minute: f"{hour:02d}:{minute:02d}",
    st.integers(0, 23),
    st.sampled_from([0, 1, 15, 29, 30, 45, 59]),
)
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(
    digest=st.sampled_from(["hourly", "daily", "weekly"]),
    at=HOUR_MINUTES,
    weekday=st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
    zone=st.sampled_from(ZONES),
    after=MOMENTS,
)
def test_next_due_is_later_and_idempotent(
    digest: str, at: str, weekday: str, zone: str, after: datetime
) -> None:
    preferences = prefs(digest, at, weekday)
    due = next_due(preferences, zone, after)
    assert due is not None
    assert due > after
    assert next_due(preferences, zone, due - timedelta(microseconds=1)) == due
    assert next_due(preferences, zone, due) != due


@settings(max_examples=300, deadline=None)
@given(start=HOUR_MINUTES, end=HOUR_MINUTES, zone=st.sampled_from(ZONES), at=MOMENTS)
def test_quiet_until_ends_the_quiet_period(start: str, end: str, zone: str, at: datetime) -> None:
    quiet = QuietHours(start=start, end=end)
    until = quiet_until(quiet, zone, at)
    if not in_quiet_hours(quiet, zone, at):
        assert until is None
        return
    assert until is not None and until > at
    assert not in_quiet_hours(quiet, zone, until)
    assert in_quiet_hours(quiet, zone, until - timedelta(microseconds=1))
