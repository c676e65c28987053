"""Calendar invites by email: one iTIP message per session, then updates and cancellations of them.

Each participant has one calendar entry per session, whose UID is built from the registration's stored
``calendar_uid`` and the session id, so every later message (update, cancellation) replaces that entry
instead of adding a second one. Clients process one UID per iTIP message, so every message carries one
session, and a series of four sessions means four invites, four updates or four cancellations.

Every function queues emails in the caller's transaction and flushes nothing itself; the caller commits.
"""

import hashlib
import logging
from datetime import datetime

import sqlalchemy as sa

from app.calendar import emails, ics
from app.calendar.ics import Occurrence
from app.calendar.models import CancelledSession
from app.events.models import Event, EventSession
from app.events.services import EventChange, SessionChange, calendar_title
from app.extensions import db
from app.locales import in_language
from app.mail.services import CalendarPart, queue_email
from app.registrations.links import access_link, manage_link, personal_links
from app.registrations.models import CANCELLED, CONFIRMED, REJECTED, Registration
from app.registrations.services import chosen_session_ids
from app.types import utcnow

log = logging.getLogger(__name__)


def send_confirmation(registration: Registration, *, promoted: bool, message: str = "") -> None:
    """The confirmation with the personal access link and the first session's invite; the other
    sessions' invites follow as separate messages (one calendar object per message)."""
    event = registration.event
    links = personal_links(registration, access=True, manage=True)
    access_url = links.access_url
    upcoming = sessions_of(registration)
    first = upcoming[0] if upcoming else None
    queue_email(
        kind="registration_confirmed",
        to=registration.email,
        to_name=registration.name,
        template="confirmed",
        context={
            "registration": registration,
            "event": event,
            "manage_url": links.manage_url,
            "access_url": access_url,
            "promoted": promoted,
            "message": message,
            "first": first,
            "more": len(upcoming) > 1,  # invites of other sessions follow
        },
        calendar=request_part(registration, first, access_url) if first else None,
        desk=event.desk,
        registration_id=registration.id,
    )
    if first is not None:
        queue_session_invites(registration, access_url, skip=first)


def request_part(registration: Registration, session: EventSession, access_url: str) -> CalendarPart:
    """The METHOD:REQUEST calendar part for one session, to ride in an email (e.g. the confirmation)."""
    return CalendarPart(ics.REQUEST, ics.request(registration, session, access_url, sequence=sequence_of(registration)))


def sequence_of(registration: Registration) -> int:
    """The SEQUENCE of a participant's calendar entries: the event's, raised by each change of their own
    session choice (so an entry cancelled and chosen again is replaced, not ignored)."""
    return registration.event.sequence + registration.calendar_offset


def upcoming_sessions(event: Event, now: datetime | None = None) -> list[EventSession]:
    """Sessions not over yet: a participant confirmed while a session runs can still join it."""
    now = now or utcnow()
    return [s for s in event.sessions if s.ends_at > now]


def sessions_of(registration: Registration, now: datetime | None = None) -> list[EventSession]:
    """The upcoming sessions this participant takes part in: all, or those they chose."""
    chosen = chosen_session_ids(registration)
    return [s for s in upcoming_sessions(registration.event, now) if s.id in chosen]


def queue_session_invites(
    registration: Registration,
    access_url: str,
    skip: EventSession | int | None = None,
    now: datetime | None = None,
    only: set[int] | None = None,
) -> list:
    """Queue one invite email per upcoming session the participant takes part in (or only the sessions
    ``only``), except ``skip`` (the one riding in the confirmation)."""
    event = registration.event
    skip_id = skip.id if isinstance(skip, EventSession) else skip
    mine = [s for s in sessions_of(registration, now) if only is None or s.id in only]
    keys = {s.id: f"invite:{registration.id}:{s.id}:{sequence_of(registration)}" for s in mine}
    sessions = [s for s in mine if s.id != skip_id and not emails.already_queued(keys[s.id])]
    # No new link is issued for a retried call that has nothing left to send.
    manage_url = manage_link(registration) if sessions else None
    queued = []
    for session in sessions:
        with in_language(registration.language):
            message = emails.queue(
                registration,
                kind="invite",
                template="invite",
                dedup_key=keys[session.id],
                context={
                    "session": session,
                    "title": ics.summary(event, session),
                    "times": emails.times(session.starts_at, session.ends_at, event, registration),
                    "number": event.sessions.index(session) + 1,
                    "total": len(event.sessions),
                    "access_url": access_url,
                    "manage_url": manage_url,
                },
                calendar=request_part(registration, session, access_url),
            )
        if message is not None:
            queued.append(message)
    return queued


def confirmed_registrations(event: Event) -> list[Registration]:
    """The event's confirmed participants, in a stable order; not those whose data was removed (they keep
    their status for the counts, and have no address any more)."""
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status == CONFIRMED,
                Registration.anonymised_at.is_(None),
            )
            .order_by(Registration.id)
        )
    )


def send_updates(event: Event, change: EventChange, now: datetime | None = None) -> int:
    """Tell every confirmed participant about changed sessions: a REQUEST with the same UID and the
    event's new SEQUENCE for a moved, renamed, updated or added session, a CANCEL for a removed one, each
    with the coordinator's message. Removed sessions are kept as cancelled entries of the public file and
    the feed, so that subscribed calendars drop them too.

    A changed meeting link alone sends nothing: the access links in calendars redirect to the current
    meeting link. Sessions already over are left as they are. Returns the number of emails queued.
    """
    now = now or utcnow()
    _keep_removed_sessions(event, change, now)
    plan = _updates_plan(event, change, now)
    if not plan:
        return 0
    needs_link = any(method == ics.REQUEST for _, _, method in plan)
    count = 0
    for registration in confirmed_registrations(event):
        # A participant who chose sessions hears only about theirs; an added session is not chosen yet.
        chosen = chosen_session_ids(registration)
        # (A removed session's choices are gone with it: its cancellation goes to everyone, harmlessly.)
        mine = [p for p in plan if p[2] == ics.CANCEL or p[1].id in chosen]
        if not mine:
            continue
        links = personal_links(registration, access=needs_link, manage=True)
        access_url, manage_url = links.access_url, links.manage_url
        sequence = sequence_of(registration)
        for item, target, method in mine:
            if method == ics.REQUEST:
                calendar = CalendarPart(
                    ics.REQUEST, ics.request(registration, target, access_url, sequence=sequence, now=now)
                )
                key = f"update:{registration.id}:{target.id}:{sequence}"
            else:
                calendar = CalendarPart(ics.CANCEL, ics.cancel(registration, target, sequence, now=now))
                key = f"cancel:{registration.id}:{target.id}:{sequence}"
            old = emails.times(item.old_start, item.old_end, event, registration) if item.old_start else None
            new = emails.times(item.new_start, item.new_end, event, registration) if item.new_start else None
            with in_language(registration.language):
                message = emails.queue(
                    registration,
                    kind="invite_update",
                    template="invite_update",
                    dedup_key=key,
                    context={
                        "change": item,
                        "event_change": change,
                        "message": change.message,
                        "title": _title(event, target),
                        "old": old,
                        "new": new,
                        "access_url": access_url if method == ics.REQUEST else None,
                        "manage_url": manage_url,
                    },
                    calendar=calendar,
                )
            count += message is not None
    return count


def was_confirmed(registration: Registration) -> bool:
    """Whether the participant ever held a seat, and so received invites."""
    if registration.status == CONFIRMED:
        return True
    return any(t.to_status == CONFIRMED for t in registration.transitions)


def send_cancellations(registration: Registration, reason: str = "", now: datetime | None = None) -> int:
    """Withdraw a participant's calendar entries (METHOD:CANCEL, same UIDs) for the sessions not over yet,
    once their registration is cancelled or rejected, or the event is cancelled.

    SEQUENCE: a cancelled event has already raised ``event.sequence``; a registration-only cancellation
    must still go above the last invite or update, which carried ``event.sequence``, so it uses
    ``event.sequence + 1`` (nothing new is stored: later updates skip this participant anyway).
    One email per session, because clients remove only the entry whose UID the message carries.
    Returns the number of emails queued.
    """
    event = registration.event
    if not was_confirmed(registration):
        return 0
    if not (event.is_cancelled or registration.status in (CANCELLED, REJECTED)):
        return 0
    sequence = sequence_of(registration) + (0 if event.is_cancelled else 1)
    now = now or utcnow()
    count = 0
    for session in sessions_of(registration, now):
        count += _queue_cancellation(
            registration, session, sequence, now, reason=reason.strip(), event_cancelled=event.is_cancelled
        )
    return count


def _queue_cancellation(
    registration: Registration, session: EventSession, sequence: int, now: datetime | None, **context
) -> bool:
    """Queue the METHOD:CANCEL email of one session, written in the participant's language; False when
    the same cancellation was queued before."""
    event = registration.event
    with in_language(registration.language):
        message = emails.queue(
            registration,
            kind="invite_cancel",
            template="invite_cancel",
            dedup_key=f"cancel:{registration.id}:{session.id}:{sequence}",
            context={
                "session": session,
                "title": ics.summary(event, session),
                "times": emails.times(session.starts_at, session.ends_at, event, registration),
                **context,
            },
            calendar=CalendarPart(ics.CANCEL, ics.cancel(registration, session, sequence, now=now)),
        )
    return message is not None


def send_access_details(event: Event, message: str, now: datetime | None = None) -> int:
    """Send every confirmed participant the access details and the agenda of their sessions (all, or those
    they chose), with a new personal access link.

    The same message for the same calendar state goes out once (a double-submitted form sends nothing
    twice). Returns the number of emails queued.
    """
    now = now or utcnow()
    message = message.replace("\r\n", "\n").strip()
    digest = hashlib.sha256(message.encode()).hexdigest()[:16]
    count = 0
    for registration in confirmed_registrations(event):
        key = f"access:{registration.id}:{event.sequence}:{digest}"
        if emails.already_queued(key):
            continue
        # The agenda of the sessions this participant takes part in, those already held included.
        chosen = chosen_session_ids(registration)
        with in_language(registration.language):
            agenda = [
                (
                    session,
                    ics.summary(event, session),
                    emails.times(session.starts_at, session.ends_at, event, registration),
                )
                for session in event.sessions
                if session.id in chosen
            ]
        links = personal_links(registration, access=True, manage=True)
        queued = emails.queue(
            registration,
            kind="access_details",
            template="access_details",
            dedup_key=key,
            context={
                "message": message,
                "agenda": agenda,
                "now": now,
                "access_url": links.access_url,
                "manage_url": links.manage_url,
            },
        )
        count += queued is not None
    return count


def send_session_changes(
    registration: Registration, added: list[EventSession], removed: list[EventSession], now: datetime | None = None
) -> int:
    """A confirmed participant changed their sessions: invites for the added ones, cancellations for the
    dropped ones, all with the participant's raised SEQUENCE. Returns the number of emails queued."""
    sequence = sequence_of(registration)
    count = 0
    if added:
        count += len(
            queue_session_invites(registration, access_link(registration), now=now, only={s.id for s in added})
        )
    for session in removed:
        count += _queue_cancellation(registration, session, sequence, now, reason="", event_cancelled=False)
    return count


# --- which sessions an edit touched ---------------------------------------------------------------------


def _updates_plan(event: Event, change: EventChange, now: datetime) -> list[tuple[SessionChange, object, str]]:
    """(change, session or deleted Occurrence, REQUEST or CANCEL) for each session calendars must follow."""
    current = {s.id: s for s in event.sessions}
    plan: list[tuple[SessionChange, object, str]] = []
    for item in change.sessions:
        if item.kind == "removed":
            target, method = Occurrence(item.session_id, item.title, item.old_start, item.old_end), ics.CANCEL
        else:
            target, method = current.get(item.session_id), ics.REQUEST
        if target is None or target.id is None:
            log.warning("event %s: no session for the change %r", event.id, item)
        elif target.ends_at > now:
            plan.append((item, target, method))
    return plan


def _keep_removed_sessions(event: Event, change: EventChange, now: datetime) -> None:
    """Store the removed sessions of a published event for the public file and the feed (see
    ics.cancelled_sessions); their SEQUENCE is the event's, which this edit raised."""
    for item in change.sessions:
        if item.kind == "removed" and item.session_id is not None:
            db.session.add(
                CancelledSession(
                    event_id=event.id,
                    session_id=item.session_id,
                    title=item.title,
                    starts_at=item.old_start,
                    ends_at=item.old_end,
                    sequence=event.sequence,
                    cancelled_at=now,
                )
            )


def _title(event: Event, target) -> str:
    if isinstance(target, Occurrence):
        # A removed session: its title as it was (its translation went with it).
        return calendar_title(event.local_title, target.title, None, 1)
    return ics.summary(event, target)
