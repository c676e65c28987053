"""Personal access links: what a link does at a given moment, and the attendance it records.

A link opens the meeting from JOIN_WINDOW_MINUTES before a session until the session ends; before that it
shows a countdown, after the last session it says the event has ended. A link stops working (410) as soon
as the registration is no longer confirmed or the event is cancelled, whatever tokens were issued.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from app.calendar.models import Attendance
from app.events.models import EventSession
from app.extensions import db
from app.i18n import _, ngettext
from app.registrations import tokens
from app.registrations.models import CONFIRMED, TOKEN_JOIN, Registration
from app.text import web_address
from app.types import utcnow

WITHDRAWN = "withdrawn"  # registration cancelled or rejected, or the event cancelled: 410
BEFORE = "before"  # the next session's window has not opened: countdown
OPEN = "open"  # inside a session's window: record attendance, go to the meeting
NO_MEETING_URL = "no_meeting_url"  # inside the window, but the organisers have not added the meeting link
ENDED = "ended"  # after the last session


@dataclass(frozen=True)
class JoinState:
    kind: str
    registration: Registration
    session: EventSession | None = None  # the session to join or count down to
    opens_at: datetime | None = None  # when that session's window opens
    reason: str = ""  # for WITHDRAWN: "cancelled", "rejected", "event_cancelled", ...

    @property
    def event(self):
        return self.registration.event

    @property
    def meeting_url(self) -> str:
        """Where the link sends the participant now: the session's own meeting link, else the event's."""
        return self.session.join_url if self.session is not None else ""


def join_window() -> timedelta:
    """How long before a session its access links open the meeting (JOIN_WINDOW_MINUTES)."""
    return timedelta(minutes=current_app.config.get("JOIN_WINDOW_MINUTES", 15))


def registration_for_link(raw_token: str | None) -> Registration | None:
    """The registration behind an access-link token; None for an unknown, tampered or expired one."""
    token = tokens.lookup(raw_token, TOKEN_JOIN)
    return token.registration if token is not None else None


def join_state(registration: Registration, now: datetime | None = None, window: timedelta | None = None) -> JoinState:
    """What the participant's access link does at ``now``."""
    now = now or utcnow()
    window = join_window() if window is None else window
    event = registration.event
    if event.is_cancelled:
        return JoinState(WITHDRAWN, registration, reason="event_cancelled")
    if registration.status != CONFIRMED:
        return JoinState(WITHDRAWN, registration, reason=registration.status)
    for session in event.sessions:
        if now >= session.ends_at:
            continue
        opens_at = session.starts_at - window
        if now < opens_at:
            return JoinState(BEFORE, registration, session, opens_at)
        # A session's own meeting link wins over the event's; a stored address that could not be a Location
        # header counts as none.
        kind = OPEN if web_address(session.join_url) else NO_MEETING_URL
        return JoinState(kind, registration, session, opens_at)
    return JoinState(ENDED, registration)


def record_attendance(registration: Registration, session: EventSession, now: datetime | None = None) -> None:
    """Count a use of the access link in a session's window: the first use creates the participant's
    attendance row for the session, later ones move ``last_joined_at`` and add one to ``joins``.

    One INSERT ... ON CONFLICT statement, so two clicks at the same moment cannot both insert or lose
    a count (PostgreSQL and SQLite both support it).
    """
    now = now or utcnow()
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    statement = insert(Attendance).values(
        registration_id=registration.id, session_id=session.id, first_joined_at=now, last_joined_at=now, joins=1
    )
    statement = statement.on_conflict_do_update(
        index_elements=[Attendance.registration_id, Attendance.session_id],
        set_={
            # A row made by a mark by hand or a report has no link join yet.
            "first_joined_at": sa.func.coalesce(Attendance.first_joined_at, statement.excluded.first_joined_at),
            # A retried request may arrive out of order; the latest moment wins.
            "last_joined_at": sa.case(
                (
                    sa.and_(
                        Attendance.last_joined_at.is_not(None),
                        Attendance.last_joined_at > statement.excluded.last_joined_at,
                    ),
                    Attendance.last_joined_at,
                ),
                else_=statement.excluded.last_joined_at,
            ),
            "joins": Attendance.joins + 1,
        },
    )
    db.session.execute(statement)


def countdown_text(remaining: timedelta) -> str:
    """ "2 days 3 hours", "3 hours 5 minutes", "12 minutes", "less than a minute"."""
    seconds = int(remaining.total_seconds())
    if seconds < 60:
        return _("less than a minute")
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        parts = [_days(days), _hours(hours) if hours else None]
    elif hours:
        parts = [_hours(hours), _minutes(minutes) if minutes else None]
    else:
        parts = [_minutes(minutes), None]
    larger, smaller = parts
    return _("%(larger)s %(smaller)s", larger=larger, smaller=smaller) if smaller else larger


def _days(n: int) -> str:
    return ngettext("%(num)d day", "%(num)d days", n)


def _hours(n: int) -> str:
    return ngettext("%(num)d hour", "%(num)d hours", n)


def _minutes(n: int) -> str:
    return ngettext("%(num)d minute", "%(num)d minutes", n)
