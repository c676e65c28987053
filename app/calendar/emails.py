"""What the calendar emails share: times in two zones, and queueing in the organiser's name."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app import timezones
from app.calendar.urls import event_page_url
from app.events.models import Event
from app.extensions import db
from app.locales import in_language
from app.mail.models import OutboxMessage
from app.mail.services import CalendarPart, queue_email
from app.registrations.models import Registration


@dataclass(frozen=True)
class Times:
    """A session's times for one recipient: in their zone first, then in the event's zone."""

    reader: str | None  # None when the recipient's zone shows the same wall-clock times as the event's
    reader_zone: str
    event: str
    event_zone: str

    @property
    def zones_differ(self) -> bool:
        return self.reader is not None


def times(start: datetime, end: datetime, event: Event, registration: Registration) -> Times:
    """Times of a session as a recipient should read them in an email, in their language."""
    with in_language(registration.language):
        shown = timezones.session_times(start, end, event.timezone, registration.timezone)
        reader = timezones.format_range(start, end, shown.reader_zone) if shown.zones_differ else None
    return Times(reader, shown.reader_zone, shown.event_text, event.timezone)


def queue(
    registration: Registration,
    *,
    kind: str,
    template: str,
    dedup_key: str,
    context: dict[str, Any],
    calendar: CalendarPart | None = None,
) -> OutboxMessage | None:
    """Queue one email to a participant, sent in the name of the event's organiser (the calendar's
    ORGANIZER), once per ``dedup_key``, in the participant's language."""
    event = registration.event
    with in_language(registration.language) as language:
        return queue_email(
            kind=kind,
            to=registration.email,
            to_name=registration.name,
            template=template,
            context={"registration": registration, "event": event, "event_url": event_page_url(event), **context},
            dedup_key=dedup_key,
            desk=event.desk,
            calendar=calendar,
            registration_id=registration.id,
            language=language,
        )


def already_queued(dedup_key: str) -> bool:
    """Whether an email with this key is in the outbox; checked before issuing a link for it."""
    return db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedup_key == dedup_key)) is not None
