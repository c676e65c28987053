"""Reminders 24 hours and 1 hour before each session, to the confirmed participants it covers, each sent once.

Run by `flask reminders send` and on every loop of the mail worker. Every reminder has an outbox dedup key
("reminder:<registration>:<session>:<24h|1h>", unique in the database), so repeated or concurrent runs
queue it once. When a run is late enough that the 1-hour reminder is due, the 24-hour one is not sent
any more: two reminders at once would only be noise. A participant who got their seat after a reminder's
moment does not get that reminder: their confirmation email came later and already says it all.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.calendar import emails, ics
from app.calendar.access import countdown_text
from app.events.models import PUBLISHED, Event, EventSession
from app.extensions import db
from app.i18n import ngettext
from app.locales import in_language
from app.mail.models import OutboxMessage
from app.registrations.links import personal_links
from app.registrations.models import CONFIRMED, Registration, RegistrationTransition
from app.registrations.services import covers_session
from app.types import utcnow


@dataclass(frozen=True)
class Reminder:
    key: str  # in the dedup key: "24h", "1h"
    before: timedelta

    @property
    def wording(self) -> str:
        """ "24 hours", in the language in force ("starts in 24 hours")."""
        hours = int(self.before.total_seconds() // 3600)
        return ngettext("%(num)d hour", "%(num)d hours", hours)


# A reminder queued this soon after its moment still says "24 hours" or "1 hour".
ON_TIME = timedelta(minutes=10)
# Nearest first: the first one already due is the one to send.
REMINDERS = (
    Reminder("1h", timedelta(hours=1)),
    Reminder("24h", timedelta(hours=24)),
)


def reminder_key(registration_id: int, session_id: int, reminder: Reminder) -> str:
    """The outbox dedup key that makes a reminder go out once."""
    return f"reminder:{registration_id}:{session_id}:{reminder.key}"


def confirmed_moment() -> sa.ColumnElement:
    """When a registration got its seat: the latest transition to confirmed, else email verification
    (registrations from before the audit trail), else its creation."""
    latest = (
        sa.select(sa.func.max(RegistrationTransition.created_at))
        .where(RegistrationTransition.registration_id == Registration.id, RegistrationTransition.to_status == CONFIRMED)
        .scalar_subquery()
    )
    return sa.func.coalesce(latest, Registration.verified_at, Registration.created_at)


def due_reminder(session: EventSession, now: datetime) -> Reminder | None:
    """The reminder due for a session at ``now``, if any (none once it has started)."""
    if now >= session.starts_at:
        return None
    return next((r for r in REMINDERS if now >= session.starts_at - r.before), None)


def send_due_reminders(now: datetime | None = None) -> int:
    """Queue every reminder due at ``now`` and not queued before; returns how many (the caller commits)."""
    now = now or utcnow()
    horizon = now + max(r.before for r in REMINDERS)
    sessions = db.session.scalars(
        sa.select(EventSession)
        .join(Event, Event.id == EventSession.event_id)
        .where(Event.status == PUBLISHED, EventSession.starts_at > now, EventSession.starts_at <= horizon)
        .order_by(EventSession.starts_at, EventSession.id)
    ).all()
    count = 0
    for session in sessions:
        reminder = due_reminder(session, now)
        if reminder is not None:
            count += _send(session, reminder, now)
    return count


def _wording(session: EventSession, reminder: Reminder, now: datetime) -> str:
    """ "24 hours" when sent on time; what is actually left when a run comes late (the worker was down)."""
    if now - (session.starts_at - reminder.before) < ON_TIME:
        return reminder.wording
    return countdown_text(session.starts_at - now)


def _send(session: EventSession, reminder: Reminder, now: datetime) -> int:
    event = session.event
    key = sa.literal("reminder:") + sa.cast(Registration.id, sa.String) + sa.literal(f":{session.id}:{reminder.key}")
    recipients = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == CONFIRMED,
            Registration.anonymised_at.is_(None),
            covers_session(session),
            confirmed_moment() <= session.starts_at - reminder.before,
            ~sa.exists().where(OutboxMessage.dedup_key == key),
        )
        .order_by(Registration.id)
    ).all()
    count = 0
    for registration in recipients:
        with in_language(registration.language):
            links = personal_links(registration, access=True, manage=True)
            message = emails.queue(
                registration,
                kind="reminder",
                template="reminder",
                dedup_key=reminder_key(registration.id, session.id, reminder),
                context={
                    "session": session,
                    "title": ics.summary(event, session),
                    "times": emails.times(session.starts_at, session.ends_at, event, registration),
                    "wording": _wording(session, reminder, now),
                    "access_url": links.access_url,
                    "manage_url": links.manage_url,
                },
            )
        count += message is not None
    return count
