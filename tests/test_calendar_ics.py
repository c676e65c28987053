"""The iCalendar bytes: iTIP invites, the VTIMEZONE clients rely on, escaping and folding, downloads."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.calendar import ics
from app.calendar.vtimezone import vtimezone
from app.events import services as event_services
from tests import factories
from tests.calendar_support import (
    events_of,
    instants_with_custom_zone,
    make_registration,
    parse_all,
    property_lines,
    unfold,
)

ACCESS_URL = "http://localhost/join/personal-token"


def test_invite_is_an_itip_request_every_parser_accepts(app, desks):
    event = factories.make_event(
        desks.germany, sessions=((datetime(2020, 10, 7, 13, 0), datetime(2020, 10, 7, 15, 30)),)
    )
    registration = make_registration(event, name="Олена Коваленко", email="olena@example.org", zone="Europe/Kyiv")
    session = event.sessions[0]

    text = ics.request(registration, session, ACCESS_URL)
    calendar = parse_all(text)

    assert calendar["METHOD"] == "REQUEST"
    assert str(calendar["VERSION"]) == "2.0"
    [vevent] = events_of(calendar)
    assert str(vevent["UID"]) == f"{registration.calendar_uid}-{session.id}@eventdesk.localhost"
    assert vevent["SEQUENCE"] == event.sequence == 0
    assert vevent.decoded("DTSTART") == datetime(2020, 10, 7, 11, 0, tzinfo=UTC)
    assert vevent.decoded("DTEND") == datetime(2020, 10, 7, 13, 30, tzinfo=UTC)
    assert property_lines(text, "DTSTART") == ["DTSTART;TZID=Europe/Berlin:20201007T130000"]
    assert vevent.decoded("DTSTAMP").tzinfo is not None
    assert str(vevent["LOCATION"]) == "Online"
    assert str(vevent["URL"]) == ACCESS_URL
    assert ACCESS_URL in str(vevent["DESCRIPTION"])
    assert property_lines(text, "CONFERENCE") == [f"CONFERENCE;FEATURE=AUDIO,VIDEO;LABEL=Join;VALUE=URI:{ACCESS_URL}"]
    assert property_lines(text, "ORGANIZER") == [
        'ORGANIZER;CN="Germany via Eventdesk":mailto:events@eventdesk.localhost'
    ]
    [attendee] = property_lines(text, "ATTENDEE")
    assert attendee.endswith(":mailto:olena@example.org")
    for param in ('CN="Олена Коваленко"', "ROLE=REQ-PARTICIPANT", "PARTSTAT=NEEDS-ACTION", "RSVP=TRUE"):
        assert param in attendee
    [alarm] = vevent.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-15)


def test_cancel_keeps_the_uid_and_marks_the_entry_cancelled(app, desks):
    event = factories.make_event(desks.germany)
    registration = make_registration(event)
    session = event.sessions[0]
    earlier = datetime(2030, 1, 1, tzinfo=UTC)
    later = datetime(2030, 1, 2, tzinfo=UTC)

    invite = events_of(parse_all(ics.request(registration, session, ACCESS_URL, now=earlier)))[0]
    text = ics.cancel(registration, session, event.sequence + 1, now=later)
    calendar = parse_all(text)

    assert calendar["METHOD"] == "CANCEL"
    [vevent] = events_of(calendar)
    assert vevent["UID"] == invite["UID"]
    assert vevent["SEQUENCE"] == invite["SEQUENCE"] + 1
    assert vevent.decoded("DTSTAMP") > invite.decoded("DTSTAMP")
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert property_lines(text, "ORGANIZER") and property_lines(text, "ATTENDEE")
    assert not vevent.walk("VALARM")
    assert "personal-token" not in text  # a withdrawn entry does not keep the access link


@pytest.mark.parametrize(
    "zone_name, sessions",
    [
        ("Europe/Berlin", [(2020, 10, 24, 13), (2020, 10, 25, 13), (2020, 3, 28, 13), (2020, 3, 29, 13),
                           (2026, 3, 28, 13), (2026, 3, 29, 13), (2026, 10, 24, 13), (2026, 10, 25, 13)]),
        ("Europe/Kyiv", [(2020, 3, 28, 13), (2020, 3, 29, 13), (2020, 10, 24, 13), (2020, 10, 25, 13),
                         (2026, 3, 28, 13), (2026, 3, 29, 13), (2026, 10, 24, 13), (2026, 10, 25, 13)]),
        ("Europe/Belgrade", [(2020, 3, 28, 13), (2020, 3, 29, 13), (2020, 10, 24, 13), (2020, 10, 25, 13),
                             (2026, 3, 28, 13), (2026, 3, 29, 13), (2026, 10, 24, 13), (2026, 10, 25, 13)]),
        # Moldova changed its clocks at 02:00/03:00 local until 2021 and at 01:00 UTC (EU rule) since 2022:
        # 03:30 on the change days tells the two rules apart.
        ("Europe/Chisinau", [(2020, 3, 28, 13), (2020, 3, 29, 3, 30), (2020, 10, 24, 13), (2020, 10, 25, 3, 30),
                             (2026, 3, 28, 13), (2026, 3, 29, 13), (2026, 10, 24, 13), (2026, 10, 25, 13)]),
        ("Asia/Tbilisi", [(2020, 3, 28, 13), (2020, 3, 29, 13), (2020, 10, 7, 15), (2020, 10, 25, 13),
                          (2026, 3, 29, 13), (2026, 10, 25, 13)]),
        ("Europe/Moscow", [(2020, 3, 29, 13), (2020, 10, 25, 13), (2026, 3, 29, 13), (2026, 10, 25, 13)]),
    ],
)  # fmt: skip
def test_embedded_vtimezone_alone_gives_the_right_instants(app, desks, zone_name, sessions):
    local_starts = sorted(datetime(*parts) for parts in sessions)
    event = factories.make_event(
        desks.tbilisi,
        zone=zone_name,
        sessions=[(start, start + timedelta(hours=1)) for start in local_starts],
    )
    registration = make_registration(event)
    # The expected instants come from the standard library's zone data, not from pytz, which built the file.
    expected = [
        (start.replace(tzinfo=ZoneInfo(zone_name)).astimezone(UTC),
         (start + timedelta(hours=1)).replace(tzinfo=ZoneInfo(zone_name)).astimezone(UTC))
        for start in local_starts
    ]  # fmt: skip

    public = ics.event_file(event)
    parse_all(public)
    assert instants_with_custom_zone(public, zone_name) == expected
    for session, instants in zip(event.sessions, expected, strict=True):
        invite = ics.request(registration, session, ACCESS_URL)
        parse_all(invite)
        assert instants_with_custom_zone(invite, zone_name) == [instants]
        cancel = ics.cancel(registration, session, 1)
        assert instants_with_custom_zone(cancel, zone_name) == [instants]


def test_known_instants_either_side_of_the_october_change(app, desks):
    event = factories.make_event(
        desks.germany,
        sessions=(
            (datetime(2020, 10, 24, 13, 0), datetime(2020, 10, 24, 14, 0)),
            (datetime(2020, 10, 25, 13, 0), datetime(2020, 10, 25, 14, 0)),
        ),
    )
    starts = [start for start, _ in instants_with_custom_zone(ics.event_file(event), "Europe/Berlin")]
    assert starts == [datetime(2020, 10, 24, 11, 0, tzinfo=UTC), datetime(2020, 10, 25, 12, 0, tzinfo=UTC)]


@pytest.mark.parametrize("zone_name", ["Europe/Berlin", "Europe/Kyiv", "Europe/Belgrade", "Europe/Chisinau"])
def test_vtimezone_has_one_standard_and_one_daylight_rule(app, zone_name):
    for instant in (datetime(2020, 10, 7, 11, tzinfo=UTC), datetime(2026, 6, 1, 11, tzinfo=UTC)):
        text = vtimezone(zone_name, [instant]).to_ical().decode()
        assert text.count("BEGIN:STANDARD") == 1
        assert text.count("BEGIN:DAYLIGHT") == 1
        assert "RDATE" not in text
        rules = [line for line in text.split("\r\n") if line.startswith("RRULE")]
        assert len(rules) == 2
        assert all(rule.startswith("RRULE:FREQ=YEARLY;") and "BYMONTH=" in rule for rule in rules)


@pytest.mark.parametrize("zone_name", ["Asia/Tbilisi", "Europe/Moscow"])
def test_zones_without_dst_get_a_single_standard_block(app, zone_name):
    component = vtimezone(zone_name, [datetime(2020, 10, 7, 11, tzinfo=UTC), datetime(2026, 10, 7, 11, tzinfo=UTC)])
    text = component.to_ical().decode()
    assert text.count("BEGIN:STANDARD") == 1
    assert "DAYLIGHT" not in text
    assert "RDATE" not in text


def test_a_zone_without_a_yearly_rule_is_written_in_utc(app, desks):
    # Morocco suspends summer time for Ramadan, which moves every year: no yearly rule describes a series
    # with sessions either side of it, so its times go out in UTC, which every client reads.
    event = factories.make_event(
        desks.tbilisi,
        zone="Africa/Casablanca",
        sessions=(
            (datetime(2026, 2, 1, 13), datetime(2026, 2, 1, 15)),
            (datetime(2026, 3, 1, 13), datetime(2026, 3, 1, 15)),
            (datetime(2026, 4, 1, 13), datetime(2026, 4, 1, 15)),
        ),
    )
    assert len({s.starts_at.hour for s in event.sessions}) == 2  # the offset does change in between
    text = ics.event_file(event)
    calendar = parse_all(text)
    assert "VTIMEZONE" not in text
    assert property_lines(text, "DTSTART") == [f"DTSTART:{s.starts_at:%Y%m%dT%H%M%S}Z" for s in event.sessions]
    assert [v.decoded("DTSTART") for v in events_of(calendar)] == [s.starts_at for s in event.sessions]
    # One session alone lies within one offset, which a single STANDARD block describes.
    registration = make_registration(event)
    session = event.sessions[1]
    invite = ics.request(registration, session, ACCESS_URL)
    parse_all(invite)
    assert instants_with_custom_zone(invite, "Africa/Casablanca") == [(session.starts_at, session.ends_at)]


def test_text_is_escaped_and_folded_without_splitting_characters(app, desks):
    title = "Digital cities; Georgia, Moldova \\ Ukraine\nირაკლი სამხარაძე " + "ქალაქები " * 12
    event = factories.make_event(desks.tbilisi, title=title[:200], summary="Çelik, Jürgen Größ; " * 10)
    registration = make_registration(event, name='Ada "Bob"\r\nBcc: x@example.org', email="ada@example.org")
    text = ics.request(registration, event.sessions[0], ACCESS_URL)
    calendar = parse_all(text)
    vevent = events_of(calendar)[0]
    assert str(vevent["SUMMARY"]) == event.title
    assert "Digital cities\\; Georgia\\, Moldova \\\\ Ukraine\\n" in unfold(text)
    [attendee] = property_lines(text, "ATTENDEE")
    assert attendee.startswith("ATTENDEE;CN=\"Ada 'Bob' Bcc: x@example.org\";")
    assert "Çelik, Jürgen Größ; " * 3 in str(vevent["DESCRIPTION"])


def test_public_file_has_every_session_no_attendees_and_stable_uids(app, desks):
    event = factories.make_event(
        desks.germany,
        sessions=(
            (datetime(2030, 10, 7, 13), datetime(2030, 10, 7, 15), "Workshop I"),
            (datetime(2030, 10, 14, 13), datetime(2030, 10, 14, 15), "Workshop II"),
        ),
    )
    first = ics.event_file(event, now=datetime(2030, 1, 1, tzinfo=UTC))
    second = ics.event_file(event, now=datetime(2030, 1, 2, tzinfo=UTC))
    calendar = parse_all(first)
    assert calendar["METHOD"] == "PUBLISH"
    vevents = events_of(calendar)
    assert [str(v["SUMMARY"]) for v in vevents] == [
        "Digitalisation of Municipal Services: Workshop I",
        "Digitalisation of Municipal Services: Workshop II",
    ]
    assert "ATTENDEE" not in first and "RSVP" not in first
    assert [v["UID"] for v in vevents] == [v["UID"] for v in events_of(parse_all(second))]
    assert len({v["UID"] for v in vevents}) == 2
    assert all(str(v["URL"]) == f"http://localhost/events/{event.slug}" for v in vevents)


def test_public_file_of_a_cancelled_event_marks_every_session(app, desks):
    event = factories.make_event(desks.germany)
    event_services.cancel_event(event)
    vevents = events_of(parse_all(ics.event_file(event)))
    assert [str(v["STATUS"]) for v in vevents] == ["CANCELLED"]
    assert str(vevents[0]["SUMMARY"]).startswith("Cancelled: ")
    assert vevents[0]["SEQUENCE"] == 1


def test_feed_asks_clients_to_refresh_hourly(app, desks):
    berlin = factories.make_event(desks.germany, title="Berlin event")
    tbilisi = factories.make_event(
        desks.tbilisi,
        title="Tbilisi event",
        zone="Asia/Tbilisi",
        sessions=((datetime(2030, 5, 1, 15), datetime(2030, 5, 1, 17)),),
    )
    text = ics.feed([berlin, tbilisi])
    calendar = parse_all(text)
    assert property_lines(text, "REFRESH-INTERVAL", None) == ["REFRESH-INTERVAL;VALUE=DURATION:PT1H"]
    assert property_lines(text, "X-PUBLISHED-TTL", None) == ["X-PUBLISHED-TTL:PT1H"]
    assert str(calendar["X-WR-CALNAME"]) == "Eventdesk events"
    assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} == {"Europe/Berlin", "Asia/Tbilisi"}
    assert not calendar.walk("VALARM")


def test_organizer_is_the_sender_address(app, desks):
    event = factories.make_event(desks.germany)
    registration = make_registration(event)
    app.config["MAIL_DEFAULT_SENDER"] = "Eventdesk <events@eventdesk.example>"
    text = ics.request(registration, event.sessions[0], ACCESS_URL)
    assert property_lines(text, "ORGANIZER") == ['ORGANIZER;CN="Germany via Eventdesk":mailto:events@eventdesk.example']
    assert ics.invite_uid(registration, event.sessions[0]).endswith("@eventdesk.example")


def test_uid_domain_can_be_pinned(app, desks):
    event = factories.make_event(desks.germany)
    registration = make_registration(event)
    app.config["MAIL_DEFAULT_SENDER"] = "noreply@new-domain.example"
    app.config["CALENDAR_UID_DOMAIN"] = "eventdesk.localhost"
    assert ics.invite_uid(registration, event.sessions[0]).endswith("@eventdesk.localhost")


WORLD_ZONES = (
    "Europe/London", "Europe/Lisbon", "Atlantic/Canary", "Europe/Dublin", "Europe/Berlin", "Europe/Kyiv",
    "Europe/Chisinau", "Europe/Istanbul", "Asia/Tbilisi", "Asia/Yerevan", "Asia/Baku", "Asia/Almaty",
    "Asia/Jerusalem", "Asia/Beirut", "Asia/Tehran", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Sydney",
    "Australia/Lord_Howe", "Pacific/Chatham", "Pacific/Auckland", "America/New_York", "America/Havana",
    "America/Santiago", "America/Sao_Paulo", "America/St_Johns", "America/Vancouver", "Antarctica/Troll",
)  # fmt: skip


@pytest.mark.parametrize("zone_name", WORLD_ZONES)
def test_vtimezone_matches_the_zone_data_around_the_world(zone_name):
    """Whatever rule a zone follows, the VTIMEZONE alone gives every instant its offset (or, where no
    yearly rule fits, there is none and times go out in UTC)."""
    import icalendar
    import pytz

    tz = pytz.timezone(zone_name)
    for first in (datetime(2020, 3, 1, tzinfo=UTC), datetime(2026, 9, 20, tzinfo=UTC)):
        instants = []
        for hours in range(0, 24 * 60, 37):
            instant = first + timedelta(hours=hours)
            try:  # a wall-clock time that happens twice cannot be a session time (the forms refuse it)
                tz.localize(instant.astimezone(tz).replace(tzinfo=None), is_dst=None)
            except pytz.InvalidTimeError:
                continue
            instants.append(instant)
        component = vtimezone(zone_name, instants)
        if component is None:
            continue
        calendar = icalendar.Calendar()
        calendar.add("prodid", "-//test//EN")
        calendar.add("version", "2.0")
        calendar.add_component(component)
        for number, instant in enumerate(instants):
            vevent = icalendar.Event()
            vevent.add("uid", f"{number}@test")
            vevent.add("dtstamp", first)
            vevent.add("dtstart", instant.astimezone(tz))
            vevent.add("dtend", instant.astimezone(tz) + timedelta(minutes=30))
            calendar.add_component(vevent)
        read = instants_with_custom_zone(calendar.to_ical().decode(), zone_name)
        assert [start for start, _ in read] == instants


def test_calendar_files_and_the_feed_answer_304_until_they_change(app, client, desks):
    from app.extensions import db

    event = factories.make_event(desks.tbilisi, title="Open Data Roundtable")
    urls = (f"/events/{event.slug}.ics", "/calendar/feed.ics")
    etags = {}
    for url in urls:
        first = client.get(url)
        assert first.status_code == 200 and first.headers["ETag"]
        etags[url] = first.headers["ETag"]

        again = client.get(url, headers={"If-None-Match": etags[url]})
        assert again.status_code == 304
        assert again.get_data() == b""

    event.title = "Open Data Roundtable, new title"
    db.session.commit()
    for url in urls:
        changed = client.get(url, headers={"If-None-Match": etags[url]})
        assert changed.status_code == 200
        assert b"new title" in changed.get_data()
