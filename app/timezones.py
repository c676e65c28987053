"""Every time-zone conversion and time format the service uses.

Times are stored in UTC. Wall-clock input is read in an IANA zone with pytz ``localize(is_dst=None)``
so that a time that does not exist or happens twice on a DST change is an error, never a silent shift.
"""

import difflib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytz

ZONE_NAMES: tuple[str, ...] = tuple(pytz.common_timezones)
# Dates outside this range are typing mistakes, and near year 1 or 9999 conversions overflow.
FIRST_YEAR, LAST_YEAR = 2000, 2100
_ALL_ZONES = frozenset(pytz.all_timezones)


# Old names that browsers still report (Chromium says "Europe/Kiev"); shown and stored by their current name.
LEGACY_NAMES = {
    "Europe/Kiev": "Europe/Kyiv",
    "Europe/Uzhgorod": "Europe/Kyiv",
    "Europe/Zaporozhye": "Europe/Kyiv",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
}


def canonical(name: str | None) -> str | None:
    """The current IANA name for a zone name (legacy aliases replaced)."""
    return LEGACY_NAMES.get(name, name) if name else name


class LocalTimeError(ValueError):
    """A wall-clock time that cannot be read in its zone."""


def is_zone(name: str | None) -> bool:
    return bool(name) and name in _ALL_ZONES


def zone(name: str) -> pytz.BaseTzInfo:
    if not is_zone(name):
        raise LocalTimeError(f"Unknown time zone “{name}”.")
    return pytz.timezone(name)


def local_to_utc(local: datetime, zone_name: str) -> datetime:
    """Read a naive wall-clock time in ``zone_name`` and return the UTC instant."""
    tz = zone(zone_name)
    if not FIRST_YEAR <= local.year <= LAST_YEAR:
        raise LocalTimeError(f"Choose a date between {FIRST_YEAR} and {LAST_YEAR}.")
    try:
        aware = tz.localize(local.replace(tzinfo=None), is_dst=None)
    except pytz.NonExistentTimeError:
        raise LocalTimeError(
            f"{local:%d %b %Y %H:%M} does not exist in {zone_name}: the clocks jump forward at that time."
        ) from None
    except pytz.AmbiguousTimeError:
        raise LocalTimeError(
            f"{local:%d %b %Y %H:%M} happens twice in {zone_name} as the clocks go back; "
            "choose a time outside that hour."
        ) from None
    return aware.astimezone(UTC)


def utc_to_local(instant: datetime, zone_name: str) -> datetime:
    """The aware local time in ``zone_name`` of a UTC instant."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(zone(zone_name))


def abbreviation(local: datetime) -> str:
    """A readable zone abbreviation: CEST, EET, or GMT+4 where the database only has "+04"."""
    abbr = local.tzname() or ""
    if abbr and abbr[0] in "+-":
        offset = local.utcoffset() or timedelta(0)
        return gmt_offset(offset)
    return abbr


def gmt_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"GMT{sign}{hours}" + (f":{mins:02d}" if mins else "")


def city(zone_name: str) -> str:
    """The place a zone is named after: "Asia/Tbilisi" -> "Tbilisi"."""
    return zone_name.rsplit("/", 1)[-1].replace("_", " ")


def format_day(local: datetime) -> str:
    return f"{local:%a} {local.day} {local:%b %Y}"


def format_range(start: datetime, end: datetime, zone_name: str) -> str:
    """ "Wed 7 Oct 2020, 13:00-15:30 CEST" in ``zone_name``."""
    ls, le = utc_to_local(start, zone_name), utc_to_local(end, zone_name)
    if ls.date() == le.date():
        return f"{format_day(ls)}, {ls:%H:%M}-{le:%H:%M} {abbreviation(le)}"
    return f"{format_day(ls)}, {ls:%H:%M} {abbreviation(ls)} - {format_day(le)}, {le:%H:%M} {abbreviation(le)}"


def format_instant(instant: datetime, zone_name: str) -> str:
    local = utc_to_local(instant, zone_name)
    return f"{format_day(local)}, {local:%H:%M} {abbreviation(local)}"


@dataclass(frozen=True)
class SessionTimes:
    """A session's times as a reader sees them: in the event's zone and, if it differs, in theirs."""

    event_zone: str
    event_text: str
    reader_zone: str
    reader_text: str | None
    reader_offset: str

    @property
    def zones_differ(self) -> bool:
        return self.reader_text is not None


def session_times(start: datetime, end: datetime, event_zone: str, reader_zone: str | None) -> SessionTimes:
    """Format a session for a reader: "13:00-15:30 CEST" and "15:00-17:30 in Tbilisi (GMT+4)"."""
    event_text = format_range(start, end, event_zone)
    reader_zone = reader_zone if is_zone(reader_zone) else event_zone
    reader_text = None
    ls, le = utc_to_local(start, reader_zone), utc_to_local(end, reader_zone)
    offset = gmt_offset(ls.utcoffset() or timedelta(0))
    if not _same_wall_clock(start, event_zone, reader_zone):
        es = utc_to_local(start, event_zone)
        times = f"{ls:%H:%M}-{le:%H:%M}" if ls.date() == le.date() else f"{ls:%H:%M}-{format_day(le)} {le:%H:%M}"
        day = "" if ls.date() == es.date() else f"{format_day(ls)}, "
        reader_text = f"{day}{times} in {city(reader_zone)} ({offset})"
    return SessionTimes(event_zone, event_text, reader_zone, reader_text, offset)


def _same_wall_clock(instant: datetime, zone_a: str, zone_b: str) -> bool:
    if zone_a == zone_b:
        return True
    a, b = utc_to_local(instant, zone_a), utc_to_local(instant, zone_b)
    return a.utcoffset() == b.utcoffset()


def suggest(text: str | None, limit: int = 5) -> list[str]:
    """Zone names a reader may have meant by ``text`` ("moscow" -> Europe/Moscow, "new york" ->
    America/New_York): names containing it, then names whose city is spelled alike."""
    wanted = (text or "").strip().lower().replace(" ", "_")
    if not wanted:
        return []
    by_city = sorted(
        (name for name in ZONE_NAMES if wanted in name.lower()),
        key=lambda n: (wanted not in n.lower().rsplit("/", 1)[-1], n),
    )
    cities = {city(name).lower(): name for name in ZONE_NAMES}
    alike = [cities[c] for c in difflib.get_close_matches(wanted.replace("_", " "), list(cities), n=limit, cutoff=0.75)]
    return list(dict.fromkeys(by_city + alike))[:limit]
