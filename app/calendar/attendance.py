"""Attendance for coordinators: who used their access link in which session's window."""

from datetime import UTC

import sqlalchemy as sa

from app.calendar.models import Attendance
from app.events.models import Event, EventSession
from app.extensions import db
from app.i18n import _
from app.registrations.models import Registration


def attendance_by_session(
    event: Event, desk_ids: set[int] | None
) -> list[tuple[EventSession, list[tuple[Registration, Attendance]]]]:
    """Every session of the event with the participants who joined it, by name; only registrations of
    ``desk_ids`` (None: every desk, as for admins)."""
    query = (
        sa.select(Registration, Attendance)
        .join(Attendance, Attendance.registration_id == Registration.id)
        .join(EventSession, EventSession.id == Attendance.session_id)
        .where(EventSession.event_id == event.id)
        .order_by(sa.func.lower(Registration.name), Registration.id)
    )
    if desk_ids is not None:
        query = query.where(Registration.desk_id.in_(desk_ids or {-1}))
    by_session: dict[int, list[tuple[Registration, Attendance]]] = {s.id: [] for s in event.sessions}
    for registration, attendance in db.session.execute(query):
        by_session.setdefault(attendance.session_id, []).append((registration, attendance))
    return [(session, by_session[session.id]) for session in event.sessions]


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
    """CSV cells for one registration: per session, the first join in UTC ISO 8601, or empty."""
    rows = db.session.execute(
        sa.select(Attendance.session_id, Attendance.first_joined_at).where(
            Attendance.registration_id == registration.id
        )
    )
    first_joins = dict(rows.all())
    return [
        first_joins[s.id].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if s.id in first_joins else ""
        for s in event.sessions
    ]
