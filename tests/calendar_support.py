"""Helpers for the calendar tests: confirmed participants, and strict checks of iCalendar text."""

import re
import uuid
from datetime import UTC, datetime

import icalendar
import vobject
from ical.calendar_stream import IcsCalendarStream

from app.extensions import db
from app.registrations.models import CONFIRMED, PENDING_VERIFICATION, Registration, RegistrationTransition
from tests.factories import outbox  # noqa: F401 - shared with the calendar tests


def make_registration(
    event,
    *,
    name: str = "Nino Beridze",
    email: str | None = None,
    zone: str = "Asia/Tbilisi",
    status: str = CONFIRMED,
    confirmed_at: datetime | None = None,
    desk=None,
) -> Registration:
    """A registration as the registration services leave it, with its audit trail; committed."""
    email = email or f"{uuid.uuid4().hex[:8]}@example.org"
    registration = Registration(
        event=event,
        desk_id=(desk or event.desk).id,
        routing_reason="test",
        name=name,
        email=email,
        email_normalized=email.lower(),
        expert_type="international",
        timezone=zone,
        calendar_uid=uuid.uuid4().hex,
        status=status,
        verified_at=confirmed_at,
    )
    db.session.add(registration)
    db.session.add(
        RegistrationTransition(registration=registration, to_status=PENDING_VERIFICATION, actor="participant")
    )
    if status == CONFIRMED:
        moment = confirmed_at or datetime(2000, 1, 1, tzinfo=UTC)
        db.session.add(
            RegistrationTransition(
                registration=registration,
                from_status=PENDING_VERIFICATION,
                to_status=CONFIRMED,
                actor="participant",
                created_at=moment,
            )
        )
    db.session.commit()
    return registration


def check_bytes(text: str) -> None:
    """CRLF only, lines of at most 75 octets, each valid UTF-8 on its own, and a trailing CRLF."""
    raw = text.encode("utf-8")
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")
    for line in raw.split(b"\r\n")[:-1]:
        assert len(line) <= 75, line
        line.decode("utf-8")  # a folded line never splits a character


def parse_all(text: str) -> icalendar.Calendar:
    """Parse with vobject (validating), ical (strict model) and icalendar; return icalendar's result."""
    check_bytes(text)
    vobject.readOne(text, validate=True)
    IcsCalendarStream.calendar_from_ics(text)
    return icalendar.Calendar.from_ical(text)


def events_of(calendar: icalendar.Calendar) -> list[icalendar.Event]:
    return list(calendar.walk("VEVENT"))


def unfold(text: str) -> str:
    return text.replace("\r\n ", "")


def property_lines(text: str, name: str, section: str | None = "VEVENT") -> list[str]:
    """Unfolded content lines of property ``name``, within ``section`` components (None: anywhere)."""
    lines = unfold(text).split("\r\n")
    if section is not None:
        inside, kept = False, []
        for line in lines:
            if line == f"BEGIN:{section}":
                inside = True
            elif line == f"END:{section}":
                inside = False
            elif inside:
                kept.append(line)
        lines = kept
    return [line for line in lines if re.match(rf"{name}[;:]", line)]


def instants_with_custom_zone(text: str, zone_name: str) -> list[tuple[datetime, datetime]]:
    """(DTSTART, DTEND) in UTC as vobject reads them when the TZID is a name no library knows, so that
    only the embedded VTIMEZONE can give the offsets.

    vobject keeps the first VTIMEZONE it sees under a TZID for the rest of the process, so every call
    uses a name of its own.
    """
    custom = f"Custom/Zone-{uuid.uuid4().hex}"
    renamed = text.replace(f"TZID:{zone_name}", f"TZID:{custom}").replace(f"TZID={zone_name}", f"TZID={custom}")
    assert zone_name not in renamed
    calendar = vobject.readOne(renamed, validate=True)
    return [
        (vevent.dtstart.value.astimezone(UTC), vevent.dtend.value.astimezone(UTC)) for vevent in calendar.vevent_list
    ]


def libical_itip_errors(text: str) -> list[str]:
    """The iTIP restriction errors libical (the C library behind Evolution and many servers) reports for
    ``text``: icalrestriction_check() marks each broken component with X-LIC-ERROR. Skips without libical."""
    import ctypes
    import ctypes.util

    import pytest

    name = ctypes.util.find_library("ical") or "libical.so.3"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        pytest.skip("libical is not installed (Debian: apt-get install libical3)")
    lib.icalparser_parse_string.restype = ctypes.c_void_p
    lib.icalparser_parse_string.argtypes = [ctypes.c_char_p]
    lib.icalrestriction_check.argtypes = [ctypes.c_void_p]
    lib.icalrestriction_check.restype = ctypes.c_int
    lib.icalcomponent_as_ical_string.argtypes = [ctypes.c_void_p]
    lib.icalcomponent_as_ical_string.restype = ctypes.c_char_p
    lib.icalcomponent_free.argtypes = [ctypes.c_void_p]
    component = lib.icalparser_parse_string(text.encode("utf-8"))
    assert component, "libical could not parse the calendar"
    try:
        passed = lib.icalrestriction_check(component)
        checked = unfold(lib.icalcomponent_as_ical_string(component).decode("utf-8"))
    finally:
        lib.icalcomponent_free(component)
    errors = [line for line in checked.split("\r\n") if line.startswith("X-LIC-ERROR")]
    if not passed and not errors:
        errors = ["icalrestriction_check failed"]
    return errors
