"""Business functions for a session's programme and what follows it: agendas and meeting links, speakers,
materials, follow-up messages, event pictures and the series page. They flush; the caller commits."""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import signals
from app.calendar import emails, ics
from app.calendar.models import Attendance
from app.errors import DomainError, NotFound
from app.events.models import CANCELLED, PUBLISHED, Event, EventSession
from app.events.services import EventChange, SessionChange, slugify
from app.extensions import db
from app.i18n import _
from app.locales import in_language
from app.programme import files, storage
from app.programme.models import (
    AUDIENCE_ATTENDED,
    AUDIENCE_CONFIRMED,
    AUDIENCE_WAITLIST,
    COVER,
    FILE,
    GALLERY,
    LINK,
    PARTICIPANTS,
    PUBLIC,
    FollowUp,
    Material,
    Picture,
    PictureRendition,
    Speaker,
)
from app.registrations.links import manage_link
from app.registrations.models import CONFIRMED, WAITLISTED, Registration
from app.types import utcnow

VISIBILITIES = (PUBLIC, PARTICIPANTS)
AUDIENCES = (AUDIENCE_CONFIRMED, AUDIENCE_ATTENDED, AUDIENCE_WAITLIST)
# The same message to the same people within this time is a double submission, not a second message.
RESEND_GUARD = timedelta(minutes=10)


class ProgrammeError(DomainError):
    """Programme input that cannot be saved; the fields say where."""

    code = "programme_invalid"
    status = 422


def _url_error(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return _("Give a full web address starting with https://.")
    return None


def _session_of(event: Event, session_id: int | None) -> EventSession | None:
    """The event's session with this id; ProgrammeError for a session of another event."""
    if session_id is None:
        return None
    session = next((s for s in event.sessions if s.id == session_id), None)
    if session is None:
        raise ProgrammeError(_("Choose a session of this event."), field="session_id")
    return session


# --- agenda and meeting link -------------------------------------------------------------------------


def agenda_in_calendars(session: EventSession, now: datetime | None = None) -> bool:
    """Whether participants' calendars carry the session's agenda and still follow changes to it."""
    now = now or utcnow()
    return session.event.status == PUBLISHED and session.ends_at > now


def calendar_update_due(session: EventSession, agenda: str, now: datetime | None = None) -> bool:
    """Whether saving ``agenda`` changes what the session's invites carry while participants still hold them."""
    if not agenda_in_calendars(session, now):
        return False
    probe = EventSession(agenda=agenda)
    return ics.agenda_excerpt(probe) != ics.agenda_excerpt(session)


def save_session_programme(session: EventSession, agenda: str, meeting_url: str, now: datetime | None = None) -> bool:
    """Save a session's agenda and own meeting link. A changed agenda of an upcoming session is a calendar
    change (the invites carry it): the event's SEQUENCE grows and confirmed participants get an update.
    A changed meeting link sends nothing: access links redirect to the current one. Returns whether
    calendar updates were sent."""
    agenda = (agenda or "").replace("\r\n", "\n").strip()
    meeting_url = (meeting_url or "").strip()
    errors = {}
    if len(agenda) > 20000:
        errors["agenda"] = _("The agenda can be at most 20,000 characters long.")
    if meeting_url and (message := _url_error(meeting_url)):
        errors["meeting_url"] = message
    if errors:
        raise ProgrammeError("; ".join(errors.values()), fields=errors)
    event = session.event
    update = calendar_update_due(session, agenda, now)
    session.agenda = agenda
    session.meeting_url = meeting_url
    if update:
        event.sequence += 1
    db.session.flush()
    if update:
        change = EventChange(
            sessions=[
                SessionChange(
                    "agenda",
                    session.title,
                    session.starts_at,
                    session.ends_at,
                    session.starts_at,
                    session.ends_at,
                    session.id,
                )
            ]
        )
        signals.event_changed.send(event, change=change)
    return update


# --- speakers ---------------------------------------------------------------------------------------------


@dataclass
class SpeakerData:
    name: str
    organisation: str = ""
    role: str = ""
    bio: str = ""
    photo: bytes | None = None


def add_speaker(session: EventSession, data: SpeakerData) -> Speaker:
    """Add a speaker to a session; an optional photo is resized (and stripped of EXIF) like event pictures."""
    name = data.name.strip()
    if not name:
        raise ProgrammeError(_("Give the speaker's name."), field="name")
    if len(data.bio or "") > 2000:
        raise ProgrammeError(_("The bio can be at most 2,000 characters long."), field="bio")
    photo = None
    if data.photo:
        _width, _height, sizes = files.renditions(data.photo, files.SPEAKER_PHOTO_WIDTHS, field="photo")
        photo = storage.store(sizes[-1].data, f"speaker-{slugify(name)}.webp", "image/webp")
    position = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(Speaker.position), 0)).where(Speaker.session_id == session.id)
    )
    speaker = Speaker(
        session_id=session.id,
        name=name,
        organisation=data.organisation.strip(),
        role=data.role.strip(),
        bio=(data.bio or "").replace("\r\n", "\n").strip(),
        photo=photo,
        position=position + 1,
    )
    db.session.add(speaker)
    db.session.flush()
    return speaker


def remove_speaker(speaker: Speaker) -> None:
    """Remove a speaker and their photo."""
    photo = speaker.photo
    db.session.delete(speaker)
    db.session.flush()
    storage.delete(photo)
    db.session.flush()


def speakers_by_session(event: Event) -> dict[int, list[Speaker]]:
    """Every session's speakers in their order, in one query."""
    ids = [s.id for s in event.sessions]
    result: dict[int, list[Speaker]] = {session_id: [] for session_id in ids}
    if not ids:
        return result
    query = sa.select(Speaker).where(Speaker.session_id.in_(ids)).order_by(Speaker.position, Speaker.id)
    for speaker in db.session.scalars(query):
        result[speaker.session_id].append(speaker)
    return result


# --- materials -----------------------------------------------------------------------------------------------


def _material_fields(event: Event, session_id: int | None, title: str, visibility: str) -> dict:
    errors = {}
    if not title.strip():
        errors["title"] = _("Give the material a title, for instance “Recording of Workshop I”.")
    if visibility not in VISIBILITIES:
        errors["visibility"] = _("Choose who may see it.")
    if errors:
        raise ProgrammeError("; ".join(errors.values()), fields=errors)
    session = _session_of(event, session_id)
    return {"event_id": event.id, "session_id": session.id if session else None, "title": title.strip()}


def add_link(
    event: Event, *, title: str, url: str, visibility: str, session_id: int | None = None, coordinator=None
) -> Material:
    """Attach a link (a recording, slides on another site) to the event or one of its sessions."""
    url = (url or "").strip()
    if message := _url_error(url):
        raise ProgrammeError(message, field="url")
    material = Material(
        kind=LINK,
        url=url,
        visibility=visibility,
        coordinator_id=coordinator.id if coordinator else None,
        **_material_fields(event, session_id, title, visibility),
    )
    db.session.add(material)
    db.session.flush()
    return material


def add_file(
    event: Event,
    *,
    title: str,
    data: bytes,
    filename: str,
    visibility: str,
    session_id: int | None = None,
    coordinator=None,
) -> Material:
    """Attach an uploaded file, checked by its content (type, size), to the event or one of its sessions."""
    fields = _material_fields(event, session_id, title, visibility)
    checked = files.check_material(data, filename)
    material = Material(
        kind=FILE,
        file=storage.store(checked.data, checked.filename, checked.content_type),
        visibility=visibility,
        coordinator_id=coordinator.id if coordinator else None,
        **fields,
    )
    db.session.add(material)
    db.session.flush()
    return material


def remove_material(material: Material) -> None:
    """Remove a material (and its file)."""
    stored = material.file
    db.session.delete(material)
    db.session.flush()
    storage.delete(stored)
    db.session.flush()


def event_is_public(event: Event) -> bool:
    return event.status in (PUBLISHED, CANCELLED)


def materials_of(event: Event, *, public_only: bool) -> list[Material]:
    """An event's materials, the event's own first, then by session; only public ones if asked."""
    query = (
        sa.select(Material)
        .options(so.joinedload(Material.file))
        .where(Material.event_id == event.id)
        .order_by(Material.session_id.is_not(None), Material.id)
    )
    if public_only:
        query = query.where(Material.visibility == PUBLIC)
    order = {s.id: i for i, s in enumerate(event.sessions)}
    return sorted(db.session.scalars(query), key=lambda m: -1 if m.session_id is None else order.get(m.session_id, 0))


def public_material(event: Event | None, material_id: int) -> Material:
    """A public material of a public event; NotFound otherwise (the same answer whatever the reason)."""
    material = db.session.get(Material, material_id)
    if event is None or material is None or material.event_id != event.id:
        raise NotFound(_("No such material."))
    if not material.is_public or not event_is_public(event):
        raise NotFound(_("No such material."))
    return material


def may_see_participant_materials(registration: Registration | None) -> bool:
    """Materials for participants are for confirmed participants whose data is still there."""
    return registration is not None and registration.status == CONFIRMED and registration.anonymised_at is None


def participant_material(registration: Registration | None, material_id: int) -> Material:
    """A material of the participant's event that they may open (public, or theirs as a confirmed
    participant); NotFound for anyone else, whatever the reason."""
    material = db.session.get(Material, material_id)
    if registration is None or material is None or material.event_id != registration.event_id:
        raise NotFound(_("No such material."))
    if not material.is_public and not may_see_participant_materials(registration):
        raise NotFound(_("No such material."))
    return material


# --- follow-up messages -------------------------------------------------------------------------------------


@dataclass
class Audience:
    kind: str
    session: EventSession | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.session.id}" if self.session is not None else self.kind


def audience_choices(event: Event) -> list[tuple[str, str]]:
    """(key, label) of every audience a coordinator can write to."""
    choices = [
        (AUDIENCE_CONFIRMED, _("All confirmed participants")),
        (AUDIENCE_WAITLIST, _("Everyone on the waitlist")),
    ]
    for number, session in enumerate(event.sessions, 1):
        label = session.title or _("Session %(number)s", number=number)
        choices.append((f"{AUDIENCE_ATTENDED}:{session.id}", _("Those who attended %(session)s", session=label)))
    return choices


def parse_audience(event: Event, key: str) -> Audience:
    """The audience a form's key names; ProgrammeError for anything else."""
    kind, _sep, session_id = (key or "").partition(":")
    if kind in (AUDIENCE_CONFIRMED, AUDIENCE_WAITLIST) and not session_id:
        return Audience(kind)
    if kind == AUDIENCE_ATTENDED and session_id.isdigit():
        session = next((s for s in event.sessions if s.id == int(session_id)), None)
        if session is not None:
            return Audience(kind, session)
    raise ProgrammeError(_("Choose who receives the message."), field="audience")


def recipients(event: Event, audience: Audience) -> list[Registration]:
    """Who receives a message to ``audience``: confirmed participants, those of them who joined a session
    with their access link, or the waitlist. Deleted participants never."""
    query = sa.select(Registration).where(Registration.event_id == event.id, Registration.anonymised_at.is_(None))
    if audience.kind == AUDIENCE_WAITLIST:
        query = query.where(Registration.status == WAITLISTED)
    else:
        query = query.where(Registration.status == CONFIRMED)
    if audience.kind == AUDIENCE_ATTENDED:
        attended = sa.select(Attendance.registration_id).where(Attendance.session_id == audience.session.id)
        query = query.where(Registration.id.in_(attended))
    return list(db.session.scalars(query.order_by(Registration.id)))


@dataclass
class Draft:
    subject: str
    body: str
    errors: dict = field(default_factory=dict)


def _check_message(subject: str, body: str) -> tuple[str, str]:
    subject = " ".join((subject or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    errors = {}
    if not subject:
        errors["subject"] = _("Give the message a subject.")
    elif len(subject) > 200:
        errors["subject"] = _("The subject can be at most 200 characters long.")
    if not body:
        errors["body"] = _("Write the message.")
    elif len(body) > 20000:
        errors["body"] = _("The message can be at most 20,000 characters long.")
    if errors:
        raise ProgrammeError("; ".join(errors.values()), fields=errors)
    return subject, body


def send_follow_up(
    event: Event, audience: Audience, subject: str, body: str, coordinator=None, now: datetime | None = None
) -> FollowUp:
    """Send a message to an audience through the outbox, one copy per recipient with a link to their own
    page, and keep it on the event. The same message to the same audience twice within minutes is
    refused as a double submission."""
    subject, body = _check_message(subject, body)
    now = now or utcnow()
    recent = db.session.scalar(
        sa.select(FollowUp.id).where(
            FollowUp.event_id == event.id,
            FollowUp.audience == audience.kind,
            FollowUp.session_id.is_(None) if audience.session is None else FollowUp.session_id == audience.session.id,
            FollowUp.subject == subject,
            FollowUp.body == body,
            FollowUp.sent_at > now - RESEND_GUARD,
        )
    )
    if recent is not None:
        raise ProgrammeError(_("This message was just sent to the same people."), code="follow_up_repeated", status=409)
    people = recipients(event, audience)
    follow_up = FollowUp(
        event_id=event.id,
        audience=audience.kind,
        session_id=audience.session.id if audience.session else None,
        subject=subject,
        body=body,
        recipient_count=len(people),
        coordinator_id=coordinator.id if coordinator else None,
        sent_at=now,
    )
    db.session.add(follow_up)
    db.session.flush()
    for registration in people:
        emails.queue(
            registration,
            kind="follow_up",
            template="follow_up",
            dedup_key=f"follow-up:{follow_up.id}:{registration.id}",
            context={"message_subject": subject, "body": body, "manage_url": manage_link(registration)},
        )
    return follow_up


def follow_ups_of(event: Event) -> list[FollowUp]:
    """Every message sent to the event's participants, newest first."""
    query = sa.select(FollowUp).where(FollowUp.event_id == event.id).order_by(FollowUp.sent_at.desc(), FollowUp.id)
    return list(db.session.scalars(query))


def materials_draft(event: Event) -> Draft:
    """A "materials are online" message listing the event's materials, for the coordinator to edit; drafted in
    the language the event is held in, which its participants read."""
    with in_language(event.language):
        titles = {s.id: s.title or _("Session %(number)s", number=n) for n, s in enumerate(event.sessions, 1)}
        lines = [
            f"- {m.title}" + (f" ({titles.get(m.session_id, '')})" if m.session_id else "")
            for m in materials_of(event, public_only=False)
        ]
        body = _("Thank you for taking part in %(title)s. The materials are online:", title=event.title)
        body += "\n\n" + "\n".join(lines) + "\n\n"
        body += _("You find them on your personal page, linked below.")
        return Draft(_("Materials are online: %(title)s", title=event.title), body)


# --- pictures ------------------------------------------------------------------------------------------------


@dataclass
class PictureData:
    data: bytes
    alt_text: str
    caption: str = ""
    credit: str = ""


def _picture(event: Event, kind: str, data: PictureData, position: int) -> Picture:
    alt = " ".join((data.alt_text or "").split())
    errors = {}
    if not alt:
        errors["alt_text"] = _("Describe the picture for people who cannot see it (alternative text).")
    elif len(alt) > 300:
        errors["alt_text"] = _("The alternative text can be at most 300 characters long.")
    if len(data.caption or "") > 500:
        errors["caption"] = _("The caption can be at most 500 characters long.")
    if len(data.credit or "") > 300:
        errors["credit"] = _("The credit can be at most 300 characters long.")
    if errors:
        raise ProgrammeError("; ".join(errors.values()), fields=errors)
    width, height, sizes = files.renditions(data.data, files.PICTURE_WIDTHS, field="image")
    picture = Picture(
        event_id=event.id,
        kind=kind,
        alt_text=alt,
        caption=(data.caption or "").strip(),
        credit=(data.credit or "").strip(),
        width=width,
        height=height,
        position=position,
    )
    name = f"{event.slug}-{kind}"
    for size in sizes:
        stored = storage.store(size.data, f"{name}-{size.width}.webp", "image/webp")
        picture.renditions.append(PictureRendition(width=size.width, height=size.height, file=stored))
    db.session.add(picture)
    db.session.flush()
    return picture


def set_cover(event: Event, data: PictureData) -> Picture:
    """Make an uploaded image the event's cover (replacing the previous one), in a few web sizes."""
    old = cover_of(event)
    picture = _picture(event, COVER, data, 0)
    if old is not None:
        remove_picture(old)
    return picture


def add_gallery_picture(event: Event, data: PictureData) -> Picture:
    """Add an image to the event's impressions gallery, after the ones already there."""
    position = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(Picture.position), 0)).where(
            Picture.event_id == event.id, Picture.kind == GALLERY
        )
    )
    return _picture(event, GALLERY, data, position + 1)


def remove_picture(picture: Picture) -> None:
    """Remove a picture and every size of it."""
    stored = [r.file for r in picture.renditions]
    db.session.delete(picture)
    db.session.flush()
    for item in stored:
        storage.delete(item)
    db.session.flush()


def _pictures(event: Event, kind: str) -> list[Picture]:
    query = (
        sa.select(Picture)
        .options(so.selectinload(Picture.renditions))
        .where(Picture.event_id == event.id, Picture.kind == kind)
        .order_by(Picture.position, Picture.id)
    )
    return list(db.session.scalars(query))


def cover_of(event: Event) -> Picture | None:
    covers = _pictures(event, COVER)
    return covers[-1] if covers else None


def gallery_of(event: Event) -> list[Picture]:
    return _pictures(event, GALLERY)


def rendition(event: Event, picture_id: int, width: int) -> PictureRendition:
    """One size of one of the event's pictures; NotFound for anything else."""
    found = db.session.scalar(
        sa.select(PictureRendition)
        .join(Picture)
        .where(Picture.id == picture_id, Picture.event_id == event.id, PictureRendition.width == width)
    )
    if found is None:
        raise NotFound(_("No such picture."))
    return found


def speaker_photo(event: Event, speaker_id: int):
    """A speaker's photo file, if the speaker belongs to one of the event's sessions."""
    speaker = db.session.get(Speaker, speaker_id)
    if speaker is None or speaker.photo is None or speaker.session.event_id != event.id:
        raise NotFound(_("No such picture."))
    return speaker.photo


# --- what the pages show ---------------------------------------------------------------------------------


@dataclass
class Programme:
    """Everything of an event's programme a page shows, loaded in a handful of queries."""

    speakers: dict[int, list[Speaker]]
    materials: list[Material]
    cover: Picture | None
    gallery: list[Picture]

    def session_materials(self, session: EventSession | None) -> list[Material]:
        session_id = session.id if session is not None else None
        return [m for m in self.materials if m.session_id == session_id]

    @property
    def has_agenda(self) -> bool:
        return any(self.speakers.values())


def programme_of(event: Event, *, public_only: bool = True) -> Programme:
    """The programme of an event as a page shows it: every material, or only the public ones."""
    return Programme(
        speakers=speakers_by_session(event),
        materials=materials_of(event, public_only=public_only),
        cover=cover_of(event),
        gallery=gallery_of(event),
    )


def etag(stored) -> str:
    return hashlib.sha256(f"{stored.id}:{stored.sha256}".encode()).hexdigest()[:32]


# --- series -------------------------------------------------------------------------------------------------------


def series_slug(name: str) -> str:
    return slugify(name)


def series(slug: str) -> tuple[str, list[Event]] | None:
    """A programme's name and its public events in order of their first session; None for an unknown one."""
    first_start = (
        sa.select(sa.func.min(EventSession.starts_at)).where(EventSession.event_id == Event.id).scalar_subquery()
    )
    query = (
        sa.select(Event)
        .where(Event.status.in_((PUBLISHED, CANCELLED)), Event.programme != "")
        .order_by(first_start, Event.id)
    )
    events = [e for e in db.session.scalars(query) if series_slug(e.programme) == slug]
    if not events:
        return None
    return events[0].programme, events
