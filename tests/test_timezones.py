"""The DST cases of CALENDAR.md, on the one time module."""

from datetime import UTC, datetime

import pytest

from app import timezones


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("local", "zone", "expected"),
    [
        (datetime(2020, 10, 24, 13, 0), "Europe/Berlin", utc(2020, 10, 24, 11, 0)),
        (datetime(2020, 10, 25, 13, 0), "Europe/Berlin", utc(2020, 10, 25, 12, 0)),
        (datetime(2020, 10, 7, 13, 0), "Europe/Berlin", utc(2020, 10, 7, 11, 0)),
        (datetime(2020, 10, 7, 15, 0), "Asia/Tbilisi", utc(2020, 10, 7, 11, 0)),
        (datetime(2026, 7, 1, 12, 0), "Europe/Moscow", utc(2026, 7, 1, 9, 0)),
        (datetime(2026, 1, 15, 12, 0), "Asia/Tbilisi", utc(2026, 1, 15, 8, 0)),
        (datetime(2026, 3, 28, 10, 0), "Europe/Kyiv", utc(2026, 3, 28, 8, 0)),
        (datetime(2026, 3, 30, 10, 0), "Europe/Kyiv", utc(2026, 3, 30, 7, 0)),
    ],
)
def test_local_time_converts_to_the_right_utc_instant(local, zone, expected):
    assert timezones.local_to_utc(local, zone) == expected


def test_non_existent_time_is_an_error():
    with pytest.raises(timezones.LocalTimeError, match="does not exist"):
        timezones.local_to_utc(datetime(2020, 3, 29, 2, 30), "Europe/Berlin")


def test_ambiguous_time_is_an_error():
    with pytest.raises(timezones.LocalTimeError, match="happens twice"):
        timezones.local_to_utc(datetime(2020, 10, 25, 2, 30), "Europe/Berlin")


def test_unknown_zone_is_an_error():
    with pytest.raises(timezones.LocalTimeError):
        timezones.local_to_utc(datetime(2020, 10, 7, 13, 0), "Mars/Olympus_Mons")


def test_conference_shown_in_berlin_and_tbilisi():
    times = timezones.session_times(utc(2020, 10, 7, 11), utc(2020, 10, 7, 13, 30), "Europe/Berlin", "Asia/Tbilisi")
    assert times.event_text == "Wed 7 Oct 2020, 13:00-15:30 CEST"
    assert times.reader_text == "15:00-17:30 in Tbilisi (GMT+4)"
    assert times.zones_differ


def test_same_offset_is_not_shown_twice():
    # Belgrade and Berlin share CEST in October: nothing to convert.
    times = timezones.session_times(utc(2020, 10, 7, 11), utc(2020, 10, 7, 13, 30), "Europe/Berlin", "Europe/Belgrade")
    assert times.reader_text is None
    assert not times.zones_differ


def test_winter_abbreviation_and_a_day_change_for_the_reader():
    times = timezones.session_times(utc(2026, 1, 15, 22), utc(2026, 1, 15, 23), "Europe/Berlin", "Asia/Tbilisi")
    assert times.event_text == "Thu 15 Jan 2026, 23:00 CET - Fri 16 Jan 2026, 00:00 CET"
    assert times.reader_text == "Fri 16 Jan 2026, 02:00-03:00 in Tbilisi (GMT+4)"


def test_unknown_reader_zone_falls_back_to_the_event_zone():
    times = timezones.session_times(utc(2020, 10, 7, 11), utc(2020, 10, 7, 13, 30), "Europe/Berlin", "Nowhere/Land")
    assert times.reader_zone == "Europe/Berlin"
    assert not times.zones_differ


def test_legacy_zone_names_become_current_names():
    assert timezones.canonical("Europe/Kiev") == "Europe/Kyiv"
    assert timezones.canonical("Asia/Tbilisi") == "Asia/Tbilisi"
    times = timezones.session_times(utc(2020, 10, 7, 11), utc(2020, 10, 7, 13, 30), "Europe/Berlin", "Europe/Kiev")
    assert "in Kiev" in times.reader_text  # formatting keeps what it is given; input is canonicalised
