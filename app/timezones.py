"""Every time-zone conversion and time format the service uses.

Times are stored in UTC. Wall-clock input is read in an IANA zone with pytz ``localize(is_dst=None)``
so that a time that does not exist or happens twice on a DST change is an error, never a silent shift.

Formats follow the language in force (app.locales), with CLDR's data through Babel: day and month names,
the order of date parts, zone names ("MESZ", or the local form of "GMT+4") and the cities zones are named
after. English keeps the house style: "Wed 7 Oct 2020, 13:00-15:30 CEST".
"""

import difflib
import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytz
from babel import Locale
from babel.dates import format_skeleton, get_timezone_name

from app.i18n import _

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
        raise LocalTimeError(_("Unknown time zone “%(zone)s”.", zone=name))
    return pytz.timezone(name)


def local_to_utc(local: datetime, zone_name: str) -> datetime:
    """Read a naive wall-clock time in ``zone_name`` and return the UTC instant."""
    tz = zone(zone_name)
    if not FIRST_YEAR <= local.year <= LAST_YEAR:
        raise LocalTimeError(_("Choose a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))
    try:
        aware = tz.localize(local.replace(tzinfo=None), is_dst=None)
    except pytz.NonExistentTimeError:
        raise LocalTimeError(
            _(
                "%(time)s does not exist in %(zone)s: the clocks jump forward at that time.",
                time=_wall_clock(local),
                zone=zone_name,
            )
        ) from None
    except pytz.AmbiguousTimeError:
        raise LocalTimeError(
            _(
                "%(time)s happens twice in %(zone)s as the clocks go back; choose a time outside that hour.",
                time=_wall_clock(local),
                zone=zone_name,
            )
        ) from None
    return aware.astimezone(UTC)


def utc_to_local(instant: datetime, zone_name: str) -> datetime:
    """The aware local time in ``zone_name`` of a UTC instant."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(zone(zone_name))


# --- formats, in the language in force -------------------------------------------------------------


def _locale() -> Locale:
    from app.locales import babel_locale

    return babel_locale()


def _english(locale: Locale) -> bool:
    return locale.language == "en"


def abbreviation(local: datetime) -> str:
    """A readable zone abbreviation: CEST, EET, or GMT+4 where the database only has "+04"; in other
    languages CLDR's short name where the language has one ("MESZ"), else its form of "GMT+4"."""
    locale = _locale()
    offset = local.utcoffset() or timedelta(0)
    if _english(locale):
        abbr = local.tzname() or ""
        return gmt_offset(offset) if abbr and abbr[0] in "+-" else abbr
    name = get_timezone_name(local, "short", locale=locale)
    if name and not any(char.isdigit() for char in name):
        return name
    return gmt_offset(offset)


def gmt_offset(offset: timedelta) -> str:
    """ "GMT+4", "GMT+5:30" (or the language's own form of it)."""
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    text = f"{sign}{hours}" + (f":{mins:02d}" if mins else "")
    pattern = _locale().zone_formats.get("gmt") or "GMT%s"
    return pattern % text


def city(zone_name: str) -> str:
    """The place a zone is named after, as the reader's language calls it: "Asia/Tbilisi" -> "Tbilisi"."""
    locale = _locale()
    if not _english(locale):
        # CLDR keys zones by their older names ("Europe/Kiev").
        for name in (zone_name, *(old for old, new in LEGACY_NAMES.items() if new == zone_name)):
            place = (locale.time_zones.get(name) or {}).get("city")
            if place:
                return place
    return zone_name.rsplit("/", 1)[-1].replace("_", " ")


def format_day(local: datetime) -> str:
    """ "Wed 7 Oct 2020"; "Mi., 7. Okt. 2020"; "ოთხ, 7 ოქტ. 2020"."""
    locale = _locale()
    if _english(locale):
        return f"{local:%a} {local.day} {local:%b %Y}"
    return format_skeleton("yMMMEd", local, locale=locale)


def clock(local: datetime) -> str:
    """The time of day on a 24-hour clock, written the language's way."""
    locale = _locale()
    if _english(locale):
        return f"{local:%H:%M}"
    return format_skeleton("Hm", local, locale=locale)


def _wall_clock(local: datetime) -> str:
    locale = _locale()
    if _english(locale):
        return f"{local:%d %b %Y %H:%M}"
    return format_skeleton("yMMMdHm", local, locale=locale)


def format_range(start: datetime, end: datetime, zone_name: str) -> str:
    """ "Wed 7 Oct 2020, 13:00-15:30 CEST" in ``zone_name``."""
    ls, le = utc_to_local(start, zone_name), utc_to_local(end, zone_name)
    if ls.date() == le.date():
        return _(
            "%(day)s, %(start)s-%(end)s %(zone)s",
            day=format_day(ls),
            start=clock(ls),
            end=clock(le),
            zone=abbreviation(le),
        )
    return _(
        "%(start_day)s, %(start)s %(start_zone)s - %(end_day)s, %(end)s %(end_zone)s",
        start_day=format_day(ls),
        start=clock(ls),
        start_zone=abbreviation(ls),
        end_day=format_day(le),
        end=clock(le),
        end_zone=abbreviation(le),
    )


def format_instant(instant: datetime, zone_name: str) -> str:
    local = utc_to_local(instant, zone_name)
    return _("%(day)s, %(time)s %(zone)s", day=format_day(local), time=clock(local), zone=abbreviation(local))


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
    from app.locales import current_language

    return _session_times(start, end, event_zone, reader_zone, current_language())


@functools.lru_cache(maxsize=4096)
def _session_times(
    start: datetime, end: datetime, event_zone: str, reader_zone: str | None, language: str
) -> SessionTimes:
    # Kept per session, zones and language (the texts are formatted in the language in force, which is
    # ``language``): every email and page about an event formats the same few sessions again and again.
    event_text = format_range(start, end, event_zone)
    reader_zone = reader_zone if is_zone(reader_zone) else event_zone
    reader_text = None
    ls, le = utc_to_local(start, reader_zone), utc_to_local(end, reader_zone)
    offset = gmt_offset(ls.utcoffset() or timedelta(0))
    if not _same_wall_clock(start, event_zone, reader_zone):
        reader_text = _reader_text(ls, le, utc_to_local(start, event_zone), city(reader_zone), offset)
    return SessionTimes(event_zone, event_text, reader_zone, reader_text, offset)


def _reader_text(ls: datetime, le: datetime, es: datetime, place: str, offset: str) -> str:
    """ "15:00-17:30 in Tbilisi (GMT+4)", with the reader's day when it is not the event's."""
    names = {"start": clock(ls), "end": clock(le), "city": place, "offset": offset}
    same_day, same_date = ls.date() == le.date(), ls.date() == es.date()
    if same_day and same_date:
        return _("%(start)s-%(end)s in %(city)s (%(offset)s)", **names)
    if same_day:
        return _("%(day)s, %(start)s-%(end)s in %(city)s (%(offset)s)", day=format_day(ls), **names)
    if same_date:
        return _("%(start)s-%(end_day)s %(end)s in %(city)s (%(offset)s)", end_day=format_day(le), **names)
    return _(
        "%(day)s, %(start)s-%(end_day)s %(end)s in %(city)s (%(offset)s)",
        day=format_day(ls),
        end_day=format_day(le),
        **names,
    )


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
