"""Business functions for events and their sessions. They flush; the caller commits."""

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import sqlalchemy as sa

from app import signals, timezones
from app.actions import Action
from app.countries import language_choices
from app.desks.models import Desk
from app.errors import DomainError
from app.events.models import CANCELLED, DRAFT, PUBLISHED, Event, EventSession, EventTranslation
from app.extensions import db
from app.i18n import _
from app.text import web_address
from app.types import utcnow

# Event fields copied from the form as they are (compared by compare(), written by _apply()).
SIMPLE_FIELDS = (
    "title",
    "summary",
    "description",
    "programme",
    "language",
    "timezone",
    "capacity",
    "approval_required",
    "photo_credit",
    "desk_id",
)
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGE_CODES = frozenset(code for code, _ in language_choices())


class EventError(DomainError):
    """Event input that cannot be saved, or an action the event's state does not allow."""

    code = "event_invalid"

    def __init__(self, errors: dict[str, str], **kwargs):
        super().__init__("; ".join(str(message) for message in errors.values()), fields=errors, **kwargs)

    @property
    def errors(self) -> dict[str, str]:
        return self.fields


@dataclass
class SessionData:
    local_start: datetime
    local_end: datetime
    title: str = ""
    id: int | None = None


@dataclass
class EventData:
    title: str
    timezone: str
    desk_id: int
    sessions: list[SessionData]
    slug: str = ""
    summary: str = ""
    description: str = ""
    programme: str = ""
    language: str = "en"
    capacity: int | None = None
    registration_opens_local: datetime | None = None
    registration_closes_local: datetime | None = None
    approval_required: bool = False
    meeting_url: str = ""
    photo_credit: str = ""
    # Sent to confirmed participants with the calendar updates this edit causes (not stored).
    message: str = ""


@dataclass(frozen=True)
class SessionChange:
    """What happened to one session that participants' calendars show (times in UTC).

    ``kind``: added, removed, moved (new times), renamed (new session title) or updated (same times and
    session title, but the entry's title or description changes with the event's title, summary or page).
    ``session_id`` names the session even once it is deleted: calendar UIDs are built from it; an added
    session gets it at the flush (see EventChange.with_new_session_ids), ``position`` says which one.
    """

    kind: str
    title: str
    old_start: datetime | None = None
    old_end: datetime | None = None
    new_start: datetime | None = None
    new_end: datetime | None = None
    session_id: int | None = None
    old_title: str = ""
    position: int | None = None


# The event fields a calendar entry shows: the title in SUMMARY, the summary and the event page's
# address (from the slug) in DESCRIPTION. A change to any of them is an update with a higher SEQUENCE.
CALENDAR_FIELDS = ("title", "summary", "slug")


@dataclass
class EventChange:
    sessions: list[SessionChange] = field(default_factory=list)
    meeting_url_changed: bool = False
    other_fields: list[str] = field(default_factory=list)
    # Which of CALENDAR_FIELDS changed, and the title before the edit (for the emails and the preview).
    calendar_fields: list[str] = field(default_factory=list)
    old_title: str = ""
    # The coordinator's message to participants, sent with the updates and cancellations of this edit.
    message: str = ""

    def with_new_session_ids(self, sessions: list[EventSession]) -> "EventChange":
        """Fill in the ids of added sessions from the saved sessions, once they are flushed."""
        for index, item in enumerate(self.sessions):
            if item.session_id is None and item.position is not None:
                self.sessions[index] = replace(item, session_id=sessions[item.position].id)
        return self

    @property
    def calendar_changed(self) -> bool:
        """A change participants' calendar entries must follow: what an entry shows, its time, or a session
        added or removed. The meeting link is not in the invites (they carry each participant's access
        link, which redirects to the current one)."""
        return bool(self.sessions)


def calendar_title(event_title: str, session_title: str, number: int | None, total: int) -> str:
    """What a calendar entry is called: the event, and which session when there are several (in the language
    in force; callers pass the titles in it)."""
    if session_title:
        return _("%(event)s: %(session)s", event=event_title, session=session_title)
    if total > 1 and number is not None:
        return _("%(event)s (session %(number)d of %(total)d)", event=event_title, number=number, total=total)
    return event_title


def compare(event: Event, data: EventData, times: list[tuple[datetime, datetime]], now: datetime | None = None):
    """What saving ``data`` (with its sessions' UTC ``times``) changes in ``event``; changes nothing.

    The one place that decides what participants are told: the edit page previews its result and the
    save sends it. Sessions over before and after the edit are left out: no calendar follows them.
    """
    now = now or utcnow()
    change = EventChange(message=(data.message or "").strip())
    if event.id is None:
        return change
    for name in SIMPLE_FIELDS:
        value = _submitted(data, name)
        if getattr(event, name) != value:
            change.other_fields.append(name)
    change.meeting_url_changed = event.meeting_url != data.meeting_url.strip()
    new_slug = data.slug or event.slug
    change.calendar_fields = [
        name for name in CALENDAR_FIELDS if (name in change.other_fields or (name == "slug" and new_slug != event.slug))
    ]
    change.old_title = event.title
    title = data.title.strip()

    old_sessions = list(event.sessions)
    old_numbers = {s.id: n for n, s in enumerate(old_sessions, 1)}
    existing = {s.id: s for s in old_sessions}
    submitted = sorted(
        ((start, i, s) for i, (s, (start, _)) in enumerate(zip(data.sessions, times, strict=True))),
        key=lambda item: item[:2],
    )
    new_numbers = {i: n for n, (_, i, _) in enumerate(submitted, 1)}
    for i, (s, (start, end)) in enumerate(zip(data.sessions, times, strict=True)):
        session_title = s.title.strip()
        session = existing.pop(s.id, None) if s.id is not None else None
        if end <= now:
            continue
        if session is None:
            change.sessions.append(SessionChange("added", session_title, new_start=start, new_end=end, position=i))
            continue
        if (session.starts_at, session.ends_at) != (start, end):
            kind = "moved"
        elif session.title != session_title:
            kind = "renamed"
        elif change.calendar_fields or calendar_title(
            event.title, session.title, old_numbers[session.id], len(old_sessions)
        ) != calendar_title(title, session_title, new_numbers[i], len(data.sessions)):
            kind = "updated"
        else:
            continue
        change.sessions.append(
            SessionChange(
                kind, session_title, session.starts_at, session.ends_at, start, end, session.id, session.title, i
            )
        )
    for removed in existing.values():
        if removed.ends_at > now:
            change.sessions.append(
                SessionChange(
                    "removed",
                    removed.title,
                    removed.starts_at,
                    removed.ends_at,
                    session_id=removed.id,
                    old_title=removed.title,
                )
            )
    return change


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80].strip("-") or "event"


def _unique_slug(base: str, event_id: int | None) -> str:
    candidate, n = base, 1
    while True:
        clash = db.session.scalar(sa.select(Event.id).where(Event.slug == candidate, Event.id != (event_id or -1)))
        if clash is None:
            return candidate
        n += 1
        candidate = f"{base[:75]}-{n}"


def _validate(data: EventData, event: Event | None) -> tuple[list[tuple[datetime, datetime]], dict]:
    """Check everything a form cannot and convert local times to UTC; raise EventError with all problems."""
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = _("Give the event a title.")
    if not timezones.is_zone(data.timezone):
        errors["timezone"] = _("Choose a time zone from the list, for instance Europe/Berlin.")
    if data.slug:
        if not SLUG_PATTERN.match(data.slug):
            errors["slug"] = _("Use lowercase letters, digits and single hyphens, for instance digital-cities-2026.")
        elif db.session.scalar(
            sa.select(Event.id).where(Event.slug == data.slug, Event.id != (event.id if event else -1))
        ):
            errors["slug"] = _("Another event already uses this address.")
    if data.language not in LANGUAGE_CODES:
        errors["language"] = _("Choose a language from the list.")
    if data.capacity is not None and data.capacity < 1:
        errors["capacity"] = _("Capacity must be at least 1, or empty for no limit.")
    # Other domains add their own rules (registrations: capacity not below the seats given).
    signals.event_validating.send(event, data=data, errors=errors)
    if db.session.get(Desk, data.desk_id) is None:
        errors["desk_id"] = _("Choose the desk that owns this event.")
    if data.meeting_url and web_address(data.meeting_url) is None:
        errors["meeting_url"] = _("Give a full web address starting with https://, without spaces or line breaks.")
    if not data.sessions:
        errors["sessions"] = _("An event needs at least one session.")

    times: list[tuple[datetime, datetime]] = []
    if "timezone" not in errors:
        for i, s in enumerate(data.sessions):
            start = end = None
            try:
                start = timezones.local_to_utc(s.local_start, data.timezone)
            except timezones.LocalTimeError as error:
                errors[f"sessions-{i}-local_start"] = str(error)
            try:
                end = timezones.local_to_utc(s.local_end, data.timezone)
            except timezones.LocalTimeError as error:
                errors[f"sessions-{i}-local_end"] = str(error)
            if start and end and end <= start:
                errors[f"sessions-{i}-local_end"] = _("The session must end after it starts.")
            times.append((start, end))
        window = {}
        for name in ("registration_opens_local", "registration_closes_local"):
            value = getattr(data, name)
            if value is not None:
                try:
                    window[name] = timezones.local_to_utc(value, data.timezone)
                except timezones.LocalTimeError as error:
                    errors[name] = str(error)
        opens, closes = window.get("registration_opens_local"), window.get("registration_closes_local")
        if opens and closes and closes <= opens:
            errors["registration_closes_local"] = _("Registration must close after it opens.")
    else:
        window = {}
    if errors:
        raise EventError(errors)
    return times, window


def _submitted(data: EventData, name: str):
    """The value of a plain event field as the form submitted it, stripped of surrounding spaces."""
    value = getattr(data, name)
    return value.strip() if isinstance(value, str) else value


def _apply(event: Event, data: EventData, times, window) -> list[EventSession]:
    """Write ``data`` into ``event``; return its sessions in the submitted order (new ones not flushed)."""
    for name in SIMPLE_FIELDS:
        value = _submitted(data, name)
        if getattr(event, name) != value:
            setattr(event, name, value)
    event.meeting_url = data.meeting_url.strip()
    event.slug = _unique_slug(data.slug or event.slug or slugify(data.title), event.id)
    event.registration_opens_at = window.get("registration_opens_local")
    event.registration_closes_at = window.get("registration_closes_local")

    existing = {s.id: s for s in event.sessions}
    kept: list[EventSession] = []
    for s, (start, end) in zip(data.sessions, times, strict=True):
        session = existing.pop(s.id, None) if s.id is not None else None
        if session is None:
            session = EventSession(title=s.title.strip(), starts_at=start, ends_at=end)
        else:
            session.title, session.starts_at, session.ends_at = s.title.strip(), start, end
        kept.append(session)
    event.sessions = kept
    return kept


def create_event(data: EventData) -> Event:
    """Create a draft event with its sessions."""
    times, window = _validate(data, None)
    event = Event(status=DRAFT)
    with db.session.no_autoflush:
        _apply(event, data, times, window)
    db.session.add(event)
    db.session.flush()
    return event


def preview_change(event: Event, data: EventData) -> EventChange:
    """What saving ``data`` would change, without changing anything."""
    times, _window = _validate(data, event)
    with db.session.no_autoflush:
        return compare(event, data, times)


def update_event(event: Event, data: EventData) -> EventChange:
    """Save an edit; a change participants' calendars show raises the calendar SEQUENCE and sends every
    confirmed participant an update."""
    times, window = _validate(data, event)
    with db.session.no_autoflush:
        change = compare(event, data, times)
        kept = _apply(event, data, times, window)
    if change.calendar_changed and event.status == PUBLISHED:
        event.sequence += 1
    db.session.flush()
    change.with_new_session_ids(kept)
    signals.event_changed.send(event, change=change)
    return change


def event_actions(event: Event, user) -> list[Action]:
    """What ``user`` may do with the event now: edit, publish, unpublish, cancel (each with its reason if not)."""
    manage = can_manage(user, event)
    not_yours = _("Only the coordinators of the event's desk and administrators can change it.")
    cancelled = _("A cancelled event stays cancelled.")

    def reason(extra: str) -> str:
        return not_yours if not manage else (cancelled if event.status == CANCELLED else extra)

    return [
        Action("edit", _("Edit"), manage and event.status != CANCELLED, reason("")),
        Action(
            "publish",
            _("Publish"),
            manage and event.status == DRAFT,
            reason(_("The event is already published.")),
        ),
        Action(
            "unpublish",
            _("Unpublish"),
            manage and event.status == PUBLISHED,
            reason(_("The event is a draft already.")),
        ),
        Action("cancel", _("Cancel this event"), manage and event.status != CANCELLED, reason(""), destructive=True),
    ]


def publish_event(event: Event) -> None:
    """Make a draft visible on the public pages."""
    if event.status == CANCELLED:
        raise EventError({"status": _("A cancelled event cannot be published again.")}, status=409)
    if event.status == PUBLISHED:
        raise EventError({"status": _("The event is already published.")}, status=409)
    event.status = PUBLISHED
    db.session.flush()
    signals.event_published.send(event)


def unpublish_event(event: Event) -> None:
    """Hide an event from the public pages again (back to draft)."""
    if event.status == CANCELLED:
        raise EventError({"status": _("A cancelled event stays cancelled.")}, status=409)
    if event.status == DRAFT:
        raise EventError({"status": _("The event is a draft already.")}, status=409)
    event.status = DRAFT
    db.session.flush()


def cancel_event(event: Event, message: str = "") -> None:
    """Cancel an event: it stays listed as cancelled, and every participant's calendar entry is withdrawn."""
    if event.status == CANCELLED:
        return
    was_published = event.status == PUBLISHED
    event.status = CANCELLED
    event.cancelled_at = utcnow()
    event.sequence += 1
    db.session.flush()
    if was_published:
        signals.event_cancelled.send(event, message=message)


def published_events(now: datetime | None = None) -> tuple[list[Event], list[Event]]:
    """Upcoming and past events for the public catalogue (drafts never appear)."""
    now = now or utcnow()
    last_end = sa.select(sa.func.max(EventSession.ends_at)).where(EventSession.event_id == Event.id).scalar_subquery()
    first_start = (
        sa.select(sa.func.min(EventSession.starts_at)).where(EventSession.event_id == Event.id).scalar_subquery()
    )
    visible = Event.status.in_((PUBLISHED, CANCELLED))
    upcoming = db.session.scalars(sa.select(Event).where(visible, last_end >= now).order_by(first_start)).all()
    past = db.session.scalars(sa.select(Event).where(visible, last_end < now).order_by(first_start.desc())).all()
    return list(upcoming), list(past)


def get_public_event(slug: str) -> Event | None:
    return db.session.scalar(sa.select(Event).where(Event.slug == slug, Event.status.in_((PUBLISHED, CANCELLED))))


def registration_state(event: Event, now: datetime | None = None) -> str:
    """open, not_yet_open, closed, past, cancelled, draft.

    ``event`` may be anything with the Event's status, registration and session dates (page_cache.PageFacts)."""
    now = now or utcnow()
    if event.status == CANCELLED:
        return "cancelled"
    if event.status == DRAFT:
        return "draft"
    if event.ends_at is None or event.ends_at < now:
        return "past"
    if event.registration_opens_at and now < event.registration_opens_at:
        return "not_yet_open"
    if event.registration_closes_at and now >= event.registration_closes_at:
        return "closed"
    if event.starts_at and now >= event.starts_at and not event.registration_closes_at:
        return "closed"
    return "open"


def can_manage(user, event: Event) -> bool:
    """Admins and the owning desk's coordinators may change an event."""
    return user.is_admin or event.desk_id in user.desk_ids


def dashboard_events(status: str = "") -> list[Event]:
    """Every event for the coordinators' list, newest first; optionally one status only."""
    first_start = (
        sa.select(sa.func.min(EventSession.starts_at)).where(EventSession.event_id == Event.id).scalar_subquery()
    )
    query = sa.select(Event).order_by(first_start.desc().nulls_last(), Event.id.desc())
    if status in (DRAFT, PUBLISHED, CANCELLED):
        query = query.where(Event.status == status)
    return list(db.session.scalars(query))


def duplicate_event(event: Event, first_day: date) -> Event:
    """A draft copy of the event whose first session falls on ``first_day``; every session keeps its
    wall-clock time in the event's zone and its distance from the first; translations come along, their
    session titles moved to the new sessions. Other domains copy what they own
    (categories, questions, rules) when told through ``signals.event_duplicated``."""
    if not event.sessions:
        raise EventError({"first_day": _("An event without sessions cannot be duplicated.")})
    start = timezones.utc_to_local(event.sessions[0].starts_at, event.timezone).date()
    shift = first_day - start
    sessions = []
    for session in event.sessions:
        local_start = timezones.utc_to_local(session.starts_at, event.timezone).replace(tzinfo=None) + shift
        local_end = timezones.utc_to_local(session.ends_at, event.timezone).replace(tzinfo=None) + shift
        sessions.append(SessionData(local_start=local_start, local_end=local_end, title=session.title))
    data = EventData(
        title=event.title,
        timezone=event.timezone,
        desk_id=event.desk_id,
        sessions=sessions,
        slug=_unique_slug(slugify(f"{event.title} {first_day:%Y}"), None),
        summary=event.summary,
        description=event.description,
        programme=event.programme,
        language=event.language,
        capacity=event.capacity,
        approval_required=event.approval_required,
        photo_credit=event.photo_credit,
    )
    try:
        copy = create_event(data)
    except EventError as error:
        # A copied time that does not exist on the new date (a clock change) is named on the date field.
        raise EventError({"first_day": "; ".join(error.errors.values())}) from error
    new_session_ids = {str(old.id): str(new.id) for old, new in zip(event.sessions, copy.sessions, strict=True)}
    for translation in event.translations:
        copy.translations.append(
            EventTranslation(
                language=translation.language,
                title=translation.title,
                summary=translation.summary,
                description=translation.description,
                session_titles={
                    new_session_ids[key]: title
                    for key, title in (translation.session_titles or {}).items()
                    if key in new_session_ids
                },
            )
        )
    db.session.flush()
    signals.event_duplicated.send(
        event, copy=copy, sessions=dict(zip([s.id for s in event.sessions], copy.sessions, strict=True))
    )
    return copy
