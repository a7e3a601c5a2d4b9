"""When a person's digest is due, and whether their quiet hours hold: pure functions of the
preferences (DESIGN §8), the person's IANA zone and an aware instant; every answer in UTC.

Local times follow the wall clock of the zone:
- daily and weekly digests fire at HH:MM as the clock shows it, on both sides of a
  daylight-saving change;
- an HH:MM that does not exist that day (skipped by the clock, 02:30 in Europe/Berlin on the
  last Sunday of March) fires once, at the first instant after the gap (03:00 local there);
- an HH:MM that the clock shows twice (02:30 on the last Sunday of October) fires once, at
  its first occurrence (fold=0);
- hourly digests fire whenever the clock shows a whole hour (mm:00): in a half-hour zone
  such as Asia/Kolkata that is hh:30 UTC. A day on which the clock skips an hour has 23 of
  them, a day on which it repeats one has 25 (the repeated 02:00 fires twice, as the clock
  shows it twice), so in a zone whose change is one hour they stay exactly one hour apart.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hub.services.accounts import NotificationPreferences, QuietHours

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Every zone's offset has been a whole number of quarter hours since 1972 (Liberia was last).
_OFFSET_STEP = timedelta(minutes=15)
# A local whole hour is at most a day and a bit away, even across the largest jump on record
# (Samoa skipped 30 December 2011).
_HOURLY_SCAN = 4 * 50


def next_due(
    preferences: NotificationPreferences, time_zone: str, after: datetime
) -> datetime | None:
    """The first instant strictly after `after` (aware) when the digest is due, in UTC;
    None when digests are off."""
    if preferences.digest == "off":
        return None
    zone = ZoneInfo(time_zone)
    if preferences.digest == "hourly":
        return _next_whole_hour(zone, after)
    at = _hour_minute(preferences.digest_time)
    weekday = WEEKDAYS.index(preferences.digest_weekday)
    # From the day before (in the zone) so that no candidate near midnight is missed.
    day = after.astimezone(zone).date() - timedelta(days=1)
    for offset in range(9):
        candidate_day = day + timedelta(days=offset)
        if preferences.digest == "weekly" and candidate_day.weekday() != weekday:
            continue
        due = wall_instant(candidate_day, at, zone)
        if due > after:
            return due
    raise AssertionError("a daily or weekly due time is always within nine days")


def in_quiet_hours(quiet: QuietHours | None, time_zone: str, at: datetime) -> bool:
    """Whether the zone's clock at `at` shows a time in [start, end); a period whose end is
    before its start spans midnight; start == end is an empty period (never quiet)."""
    if quiet is None:
        return False
    start, end = _hour_minute(quiet.start), _hour_minute(quiet.end)
    now = at.astimezone(ZoneInfo(time_zone)).time().replace(tzinfo=None)
    if start <= end:
        return start <= now < end
    return now >= start or now < end


def quiet_until(quiet: QuietHours | None, time_zone: str, at: datetime) -> datetime | None:
    """When the quiet period that holds `at` ends (UTC), or None when `at` is not in one.
    On a day the clock repeats an hour, the end met first after `at` counts (so quiet hours
    ending at 02:30 end at either 02:30, whichever occurrence `at` is in)."""
    if quiet is None or not in_quiet_hours(quiet, time_zone, at):
        return None
    zone = ZoneInfo(time_zone)
    end = _hour_minute(quiet.end)
    day = at.astimezone(zone).date()
    candidates = (
        wall_instant(day + timedelta(days=offset), end, zone, fold=fold)
        for offset in range(3)
        for fold in (0, 1)
    )
    return min(candidate for candidate in candidates if candidate > at)


def wall_instant(day: date, at: time, zone: ZoneInfo, *, fold: int = 0) -> datetime:
    """The UTC instant at which the zone's clock shows `at` on `day`: the occurrence `fold`
    when the clock shows it twice, the end of the gap when the clock skips it."""
    local = datetime.combine(day, at, tzinfo=zone).replace(fold=fold)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant
    return _gap_end(local, zone)


def _gap_end(local: datetime, zone: ZoneInfo) -> datetime:
    """The transition instant (UTC) of the gap that `local`, a time the clock skips, is in.

    zoneinfo reads a skipped time with the offset before the gap (fold=0, the later UTC
    instant) or after it (fold=1, the earlier one); the transition lies between the two,
    found to the microsecond by bisection: `late` is always past it, `early` never."""
    early = local.replace(fold=1).astimezone(UTC)
    late = local.replace(fold=0).astimezone(UTC)
    after_offset = late.astimezone(zone).utcoffset()
    while late - early > timedelta(microseconds=1):
        middle = early + (late - early) / 2
        if middle.astimezone(zone).utcoffset() == after_offset:
            late = middle
        else:
            early = middle
    return late


def _next_whole_hour(zone: ZoneInfo, after: datetime) -> datetime:
    """The first instant strictly after `after` at which the zone's clock shows mm:00."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    steps = (after - epoch) // _OFFSET_STEP + 1
    candidate = epoch + steps * _OFFSET_STEP
    for _ in range(_HOURLY_SCAN):
        local = candidate.astimezone(zone)
        if local.minute == 0 and local.second == 0:
            return candidate
        candidate += _OFFSET_STEP
    raise ValueError(f"{zone.key} has no whole local hour near {after.isoformat()}")


def _hour_minute(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))
