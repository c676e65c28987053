"""VTIMEZONE components that calendar clients read the same way we compute times.

Outlook ignores IANA names and trusts the VTIMEZONE; Outlook and Thunderbird misread the long RDATE lists
that generic converters produce. So a zone is written as one STANDARD block and at most one DAYLIGHT block,
each with a yearly RRULE, derived from the same pytz data that turned the organisers' wall-clock input into
UTC. The rule is derived from the transitions around the instants the calendar holds and then checked
against every one of them; a zone whose changes follow no yearly rule in that span (a DST rule that changed,
Ramadan-dependent DST) gets no VTIMEZONE, and its times are written in UTC instead, which every client reads.
"""

import calendar
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytz
from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

from app import timezones

# Transitions are looked for this far either side of the calendar's instants, so that the observance in
# force at each instant, and the next change after it, are both covered by the checked rule.
MARGIN = timedelta(days=400)
# Offsets are sampled at this step and each change is then located to the second.
SAMPLE_STEP = timedelta(hours=6)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Observances of a zone without changes start here, as in the zone files most clients ship.
EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class Transition:
    at: datetime  # UTC instant of the change
    offset_from: timedelta
    offset_to: timedelta
    is_dst: bool  # the new observance is daylight saving time
    name: str  # abbreviation of the new observance: CEST, EET, +04

    @property
    def local(self) -> datetime:
        """The wall-clock time of the change before it happens, as RFC 5545 wants DTSTART of an observance."""
        return (self.at + self.offset_from).replace(tzinfo=None)


@dataclass(frozen=True)
class YearlyRule:
    """A change on a weekday of a month, at one wall-clock time, e.g. the last Sunday of October at 03:00."""

    month: int
    weekday: int  # 0 = Monday
    week: int  # 1..4 for the nth weekday, -1 for the last; 0 when ``first_day`` applies
    first_day: int  # with week 0: the weekday falling on first_day..first_day+6 ("Fri>=23")
    time: timedelta

    def local_in(self, year: int) -> datetime:
        if self.week == -1:
            last = calendar.monthrange(year, self.month)[1]
            day = last - (datetime(year, self.month, last).weekday() - self.weekday) % 7
        else:
            first = 1 + 7 * (self.week - 1) if self.week else self.first_day
            day = first + (self.weekday - datetime(year, self.month, first).weekday()) % 7
        return datetime(year, self.month, day) + self.time

    def rrule(self) -> dict:
        byday = WEEKDAYS[self.weekday]
        if self.week:
            return {"FREQ": "YEARLY", "BYMONTH": self.month, "BYDAY": f"{self.week}{byday}"}
        days = list(range(self.first_day, self.first_day + 7))
        return {"FREQ": "YEARLY", "BYMONTH": self.month, "BYDAY": byday, "BYMONTHDAY": days}


def _state(tz: pytz.BaseTzInfo, instant: datetime) -> tuple[timedelta, bool]:
    local = instant.astimezone(tz)
    return local.utcoffset() or timedelta(0), bool(local.dst())


def transitions(zone_name: str, start: datetime, end: datetime) -> list[Transition]:
    """Every change of UTC offset or of daylight saving time in ``zone_name`` between two UTC instants."""
    found: list[Transition] = []
    for year in range(start.year, end.year + 1):
        found.extend(change for change in _year_transitions(zone_name, year) if start <= change.at < end)
    return found


@functools.cache
def _year_transitions(zone_name: str, year: int) -> tuple[Transition, ...]:
    """The changes in one calendar year (UTC); zone data does not change while the process runs."""
    tz = timezones.zone(zone_name)
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    found: list[Transition] = []
    previous_at, previous = start, _state(tz, start)
    at = start
    while at < end:
        at = min(at + SAMPLE_STEP, end)
        state = _state(tz, at)
        if state != previous:
            low, high = previous_at, at
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _state(tz, middle) == previous:
                    low = middle
                else:
                    high = middle
            high = high.replace(microsecond=0)
            found.append(Transition(high, previous[0], state[0], state[1], timezones.abbreviation(high.astimezone(tz))))
        previous_at, previous = at, state
    return tuple(found)


def _fit(changes: list[Transition]) -> YearlyRule | None:
    """The yearly rule all ``changes`` follow, or None."""
    locals_ = [change.local for change in changes]
    first = locals_[0]
    time = timedelta(hours=first.hour, minutes=first.minute, seconds=first.second)
    if any(
        (local.month, local.weekday(), local.hour, local.minute, local.second)
        != (first.month, first.weekday(), first.hour, first.minute, first.second)
        for local in locals_
    ):
        return None
    if len({(c.offset_from, c.offset_to, c.name) for c in changes}) != 1:
        return None
    days = [local.day for local in locals_]
    if all(local.day > calendar.monthrange(local.year, local.month)[1] - 7 for local in locals_):
        return YearlyRule(first.month, first.weekday(), -1, 0, time)
    weeks = {(day - 1) // 7 + 1 for day in days}
    if len(weeks) == 1:
        return YearlyRule(first.month, first.weekday(), weeks.pop(), 0, time)
    if max(days) - min(days) < 7:
        return YearlyRule(first.month, first.weekday(), 0, min(days), time)
    return None


def _reproduces(rule: YearlyRule, changes: list[Transition], start: datetime, end: datetime) -> bool:
    """Whether ``rule`` gives exactly the instants of ``changes`` between ``start`` and ``end``."""
    offset = changes[0].offset_from
    expected = set()
    for year in range(start.year, end.year + 1):
        at = (rule.local_in(year) - offset).replace(tzinfo=UTC)
        if start <= at < end:
            expected.add(at)
    return expected == {change.at for change in changes}


def vtimezone(zone_name: str, instants: Iterable[datetime]) -> Timezone | None:
    """A VTIMEZONE for ``zone_name`` that is right for every one of ``instants`` (UTC), or None when the
    zone cannot be written as one STANDARD and at most one DAYLIGHT rule there: write UTC times then.

    First the rule in force for a year or so around the instants; when the zone's rules change there (a
    country dropping summer time), the rule that covers just the instants themselves.
    """
    instants = sorted(instants)
    if not instants:
        return None
    first, last = instants[0], instants[-1]
    start, end = first - MARGIN, last + MARGIN
    # Only offsets matter to clients; a change of name or of the DST flag alone is not a transition here.
    changes = [c for c in transitions(zone_name, start, end) if c.offset_from != c.offset_to]
    component = _yearly_rules(zone_name, changes, start, end)
    if component is None:
        before = [c for c in changes if c.at <= first]
        changes = before[-1:] + [c for c in changes if first < c.at <= last]
        start = changes[0].at if before else start
        component = _yearly_rules(zone_name, changes, start, last + timedelta(seconds=1))
        if component is None and not [c for c in changes if first < c.at <= last]:
            component = _fixed_offset(zone_name, first)
    return component


def _fixed_offset(zone_name: str, instant: datetime) -> Timezone:
    """One STANDARD block: the zone has a single offset wherever the calendar's instants are."""
    local = instant.astimezone(timezones.zone(zone_name))
    offset = local.utcoffset() or timedelta(0)
    component = Timezone()
    component.add("tzid", zone_name)
    component.add_component(_observance(TimezoneStandard, EPOCH, offset, offset, timezones.abbreviation(local)))
    return component


def _yearly_rules(zone_name: str, changes: list[Transition], start: datetime, end: datetime) -> Timezone | None:
    """One STANDARD and one DAYLIGHT block with yearly rules giving exactly ``changes`` between ``start`` and
    ``end``; a single STANDARD block when there are no changes; None when no such rules exist."""
    if not changes:
        return _fixed_offset(zone_name, start)
    to_dst = [c for c in changes if c.is_dst]
    to_standard = [c for c in changes if not c.is_dst]
    if not to_dst or not to_standard:
        return None
    standard_rule, daylight_rule = _fit(to_standard), _fit(to_dst)
    if standard_rule is None or daylight_rule is None:
        return None
    if not (_reproduces(standard_rule, to_standard, start, end) and _reproduces(daylight_rule, to_dst, start, end)):
        return None
    component = Timezone()
    component.add("tzid", zone_name)
    for kind, rule, sample in (
        (TimezoneStandard, standard_rule, to_standard[0]),
        (TimezoneDaylight, daylight_rule, to_dst[0]),
    ):
        # The rules start in 1970, as in the zone files clients ship: only the span checked above matters,
        # and some readers compare a zone's changes in earlier years to tell it from UTC (vobject takes a
        # zone at +00:00 in winter for UTC when it has no changes before 2020).
        observance = _observance(kind, rule.local_in(EPOCH.year), sample.offset_from, sample.offset_to, sample.name)
        observance.add("rrule", rule.rrule())
        component.add_component(observance)
    return component


def _observance(kind, dtstart: datetime, offset_from: timedelta, offset_to: timedelta, name: str):
    observance = kind()
    observance.add("dtstart", dtstart)
    observance.add("tzoffsetfrom", offset_from)
    observance.add("tzoffsetto", offset_to)
    observance.add("tzname", name)
    return observance
