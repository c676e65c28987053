"""Attendance per session from three sources, merged: the access link, marks by hand, platform reports.

The access link records itself (app.calendar.access.record_attendance). Coordinators tick who was there in a
list per session, and upload the participants report of Zoom or Teams: people are matched by email address;
a name-only match waits for the coordinator's review, and rows that match nobody are reported, never guessed.
"""

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from app.accounts.access import within_desks
from app.calendar import reports
from app.calendar.models import (
    IMPORT_APPLIED,
    IMPORT_PENDING,
    SOURCE_LINK,
    SOURCE_MANUAL,
    SOURCE_REPORT,
    Attendance,
    AttendanceImport,
)
from app.errors import NotAllowed
from app.events.models import Event, EventSession
from app.extensions import db
from app.i18n import _, _l
from app.registrations import services as registrations
from app.registrations.models import CONFIRMED, ChosenSession, Registration
from app.types import utcnow

SOURCE_LABELS = {
    SOURCE_LINK: _l("access link"),
    SOURCE_MANUAL: _l("marked by hand"),
    SOURCE_REPORT: _l("platform report"),
}

# How a person of a report was matched.
MATCH_EMAIL = "email"
MATCH_NAME = "name"  # waits for the coordinator's review
MATCH_NONE = "none"
MATCH_AMBIGUOUS = "ambiguous"
MATCH_NOT_CONFIRMED = "not_confirmed"


def _scope(query, desk_ids: set[int] | None):
    return query.where(within_desks(Registration.desk_id, desk_ids))


def attendance_by_session(
    event: Event, desk_ids: set[int] | None
) -> list[tuple[EventSession, list[tuple[Registration, Attendance]]]]:
    """Every session of the event with the participants who were there (any source), by name; only
    registrations of ``desk_ids`` (None: every desk, as for admins)."""
    query = (
        sa.select(Registration, Attendance)
        .join(Attendance, Attendance.registration_id == Registration.id)
        .join(EventSession, EventSession.id == Attendance.session_id)
        .where(EventSession.event_id == event.id)
        .order_by(sa.func.lower(Registration.name), Registration.id)
    )
    by_session: dict[int, list[tuple[Registration, Attendance]]] = {s.id: [] for s in event.sessions}
    for registration, attendance in db.session.execute(_scope(query, desk_ids)):
        if attendance.present:
            by_session.setdefault(attendance.session_id, []).append((registration, attendance))
    return [(session, by_session[session.id]) for session in event.sessions]


def _records(registration: Registration) -> dict[int, Attendance]:
    rows = db.session.scalars(sa.select(Attendance).where(Attendance.registration_id == registration.id))
    return {a.session_id: a for a in rows if a.present}


def attendance_headers(event: Event) -> list[str]:
    """CSV column titles matching attendance_columns: one per session."""
    headers = []
    for number, session in enumerate(event.sessions, 1):
        day = f"{session.starts_at.astimezone(UTC):%Y-%m-%d}"
        if session.title:
            headers.append(_("Joined %(session)s (%(date)s) (UTC)", session=session.title, date=day))
        else:
            headers.append(_("Joined session %(number)d (%(date)s) (UTC)", number=number, date=day))
    return headers


def attendance_columns(event: Event, registration: Registration) -> list[str]:
    """CSV cells for one registration: per session, the first join in UTC ISO 8601 (any source), or empty."""
    records = _records(registration)
    cells = []
    for s in event.sessions:
        joined = records[s.id].joined_at if s.id in records else None
        cells.append(joined.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if joined else "")
    return cells


def attendance_detail_headers(event: Event) -> list[str]:
    """CSV titles of attendance_detail_columns: per session where the presence comes from and its minutes."""
    headers = []
    for number, session in enumerate(event.sessions, 1):
        title = session.title or _("session %(number)s", number=number)
        headers += [
            _("Attended %(session)s (sources)", session=title),
            _("Minutes in %(session)s", session=title),
        ]
    return [*headers, _("Sessions attended"), _("Minutes in total")]


def attendance_detail_columns(event: Event, registration: Registration) -> list[str]:
    """CSV cells for one registration: sources and minutes per session, then the totals."""
    records = _records(registration)
    cells = []
    for s in event.sessions:
        record = records.get(s.id)
        cells += [" ".join(record.sources) if record else "", str(record.minutes) if record and record.minutes else ""]
    summary = summarise(event, registration, records)
    return [*cells, str(summary.sessions), str(summary.minutes)]


@dataclass(frozen=True)
class AttendanceSummary:
    sessions: int  # sessions attended, by any source
    minutes: int  # minutes measured by platform reports
    attended: list[EventSession]


def summarise(event: Event, registration: Registration, records: dict | None = None) -> AttendanceSummary:
    """How many of the event's sessions the participant attended, and their measured minutes."""
    records = _records(registration) if records is None else records
    attended = [s for s in event.sessions if s.id in records]
    minutes = sum(records[s.id].minutes or 0 for s in attended)
    return AttendanceSummary(sessions=len(attended), minutes=minutes, attended=attended)


def personal_attendance(registration: Registration) -> list[dict]:
    """The participant's attendance for their data download: per session, sources, join time, minutes."""
    records = _records(registration)
    result = []
    for number, session in enumerate(registration.event.sessions, 1):
        record = records.get(session.id)
        result.append(
            {
                "session": session.title or f"Session {number}",
                "starts_at": session.starts_at.isoformat(),
                "attended": record is not None,
                "sources": record.sources if record else [],
                "joined_at": record.joined_at.isoformat() if record and record.joined_at else None,
                "minutes": record.minutes if record else None,
            }
        )
    return result


# --- By hand -------------------------------------------------------------------------------------


def marking_list(session: EventSession, desk_ids: set[int] | None) -> list[tuple[Registration, Attendance | None]]:
    """Confirmed participants of the session (and anyone already recorded), with their attendance.

    When participants choose sessions, a session's participants are those who chose it."""
    attended = sa.select(Attendance.registration_id).where(Attendance.session_id == session.id)
    expected = Registration.status == CONFIRMED
    if registrations.rules_for(session.event).session_choice:
        chose = sa.select(ChosenSession.registration_id).where(ChosenSession.session_id == session.id)
        expected = sa.and_(expected, Registration.id.in_(chose))
    query = (
        sa.select(Registration)
        .where(
            Registration.event_id == session.event_id,
            Registration.anonymised_at.is_(None),
            sa.or_(expected, Registration.id.in_(attended)),
        )
        .order_by(sa.func.lower(Registration.name), Registration.id)
    )
    people = db.session.scalars(_scope(query, desk_ids)).all()
    records = {
        a.registration_id: a
        for a in db.session.scalars(sa.select(Attendance).where(Attendance.session_id == session.id))
    }
    return [(r, records.get(r.id)) for r in people]


def _record_for(registration_id: int, session: EventSession) -> Attendance:
    record = db.session.scalar(
        sa.select(Attendance).where(Attendance.registration_id == registration_id, Attendance.session_id == session.id)
    )
    if record is None:
        record = Attendance(
            registration_id=registration_id, session_id=session.id, joins=0, first_joined_at=None, last_joined_at=None
        )
        db.session.add(record)
    return record


def _drop_if_empty(record: Attendance) -> None:
    if not record.present and record.id is not None:
        db.session.delete(record)


def mark_session(
    session: EventSession, present_ids: set[int], desk_ids: set[int] | None, coordinator=None
) -> tuple[int, int]:
    """Set the marks by hand of the session to exactly ``present_ids`` among the people the coordinator sees;
    returns (marked, unmarked). Other sources stay as they are."""
    marked = unmarked = 0
    for registration, record in marking_list(session, desk_ids):
        wanted = registration.id in present_ids
        if wanted and registration.status != CONFIRMED:
            continue  # only confirmed participants are marked present
        if record is None and not wanted:
            continue
        if record is None:
            record = _record_for(registration.id, session)
        if record.marked_present != wanted:
            record.marked_present = wanted
            record.marked_by_id = coordinator.id if coordinator is not None else None
            marked += wanted
            unmarked += not wanted
        db.session.flush()
        _drop_if_empty(record)
    db.session.flush()
    return marked, unmarked


# --- From a platform report ----------------------------------------------------------------------


@dataclass
class Match:
    """One person of a report and whom they were matched to."""

    name: str
    email: str
    joined_at: str | None  # UTC ISO 8601
    minutes: int
    lines: list[int]
    duplicates: int
    kind: str  # MATCH_*
    registration_id: int | None = None
    registration_name: str = ""

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def needs_review(self) -> bool:
        return self.kind == MATCH_NAME

    @property
    def matched(self) -> bool:
        return self.kind in (MATCH_EMAIL, MATCH_NAME)


def _candidates(event: Event, desk_ids: set[int] | None) -> list[Registration]:
    query = sa.select(Registration).where(Registration.event_id == event.id, Registration.anonymised_at.is_(None))
    return list(db.session.scalars(_scope(query, desk_ids)))


def match_people(people: list[reports.ReportPerson], event: Event, desk_ids: set[int] | None) -> list[Match]:
    """Match each person of a report to a confirmed participant: by email, else by a unique name."""
    registrations = _candidates(event, desk_ids)
    by_email: dict[str, list[Registration]] = {}
    by_name: dict[str, list[Registration]] = {}
    for r in registrations:
        by_email.setdefault(r.email_normalized, []).append(r)
        by_name.setdefault(reports.normal_name(r.name), []).append(r)
    matches = []
    for person in people:
        match = Match(
            name=person.name,
            email=person.email,
            joined_at=person.joined_at.isoformat() if person.joined_at else None,
            minutes=person.minutes,
            lines=person.lines,
            duplicates=person.duplicates,
            kind=MATCH_NONE,
        )
        found = by_email.get(person.email, []) if person.email else []
        kind = MATCH_EMAIL
        if not found:
            kind = MATCH_NAME
            found = list({r.id: r for v in reports.name_variants(person.name) for r in by_name.get(v, [])}.values())
        confirmed = [r for r in found if r.status == CONFIRMED]
        if len(confirmed) == 1:
            match.kind, match.registration_id, match.registration_name = kind, confirmed[0].id, confirmed[0].name
        elif len(confirmed) > 1:
            match.kind = MATCH_AMBIGUOUS
        elif found:
            match.kind, match.registration_name = MATCH_NOT_CONFIRMED, found[0].name
        matches.append(match)
    # Two people of the report matched to one participant by name: not a safe guess either.
    taken: dict[int, list[Match]] = {}
    for match in matches:
        if match.registration_id is not None:
            taken.setdefault(match.registration_id, []).append(match)
    for same in taken.values():
        if len(same) > 1 and any(m.kind == MATCH_NAME for m in same):
            for m in same:
                if m.kind == MATCH_NAME:
                    m.kind, m.registration_id = MATCH_AMBIGUOUS, None
    return matches


def start_import(
    session: EventSession, data: bytes, filename: str, desk_ids: set[int] | None, coordinator=None
) -> AttendanceImport:
    """Read and match an uploaded report for ``session``; nothing is recorded until it is applied."""
    event = session.event
    report = reports.parse_report(data, event.timezone)
    matches = match_people(report.people, event, desk_ids)
    record = AttendanceImport(
        session_id=session.id,
        coordinator_id=coordinator.id if coordinator is not None else None,
        filename=(filename or "")[:200],
        platform=report.platform,
        status=IMPORT_PENDING,
        matches=[m.as_dict() for m in matches],
    )
    db.session.add(record)
    db.session.flush()
    return record


def import_matches(record: AttendanceImport) -> list[Match]:
    return [Match(**m) for m in record.matches]


def outside_session(record: AttendanceImport) -> bool:
    """True when the report has join times and none of them falls on the session's day (a wrong session?)."""
    times = [datetime.fromisoformat(m.joined_at) for m in import_matches(record) if m.joined_at]
    session = record.session
    return bool(times) and all(abs((t - session.starts_at).total_seconds()) > 18 * 3600 for t in times)


def apply_import(record: AttendanceImport, confirmed_name_matches: set[int], desk_ids: set[int] | None) -> int:
    """Record the report's email matches and the name matches the coordinator confirmed (by registration id).

    The report's minutes replace what an earlier report of the same session said, so uploading one report
    twice changes nothing. Returns how many participants were recorded.
    """
    if record.status != IMPORT_PENDING:
        raise NotAllowed(_("This report has already been applied or discarded."), code="import_not_pending")
    session = record.session
    visible = {r.id for r in _candidates(session.event, desk_ids)}
    count = 0
    for match in import_matches(record):
        if match.registration_id is None or match.registration_id not in visible:
            continue
        if match.kind == MATCH_NAME and match.registration_id not in confirmed_name_matches:
            continue
        if match.kind not in (MATCH_EMAIL, MATCH_NAME):
            continue
        registration = db.session.get(Registration, match.registration_id)
        if registration is None or registration.status != CONFIRMED:
            continue
        attendance = _record_for(registration.id, session)
        attendance.report_minutes = match.minutes
        attendance.report_joined_at = datetime.fromisoformat(match.joined_at) if match.joined_at else None
        attendance.report_import_id = record.id
        count += 1
    record.status = IMPORT_APPLIED
    record.applied_at = utcnow()
    db.session.flush()
    return count


def discard_import(record: AttendanceImport) -> None:
    """Drop a report that was uploaded for review and not applied."""
    if record.status != IMPORT_PENDING:
        raise NotAllowed(_("This report has already been applied or discarded."), code="import_not_pending")
    db.session.delete(record)
    db.session.flush()
