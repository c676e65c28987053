"""Public pages of the programme: the series page, the programme as JSON, materials, pictures and speaker
photos. A participant's materials are reached through their personal page's token."""

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, render_template
from flask_login import current_user

from app.errors import NotFound
from app.events import services as events
from app.events.models import Event
from app.extensions import db
from app.programme import services
from app.programme.responses import IMMUTABLE, file_response, material_response
from app.registrations import services as registrations
from app.web import external_url_for, reader_zone, render_markdown

bp = Blueprint("programme", __name__)


@bp.app_template_global()
def event_programme(event, public_only: bool = True) -> services.Programme:
    """The programme of an event for its pages: agenda speakers, materials, cover and gallery."""
    return services.programme_of(event, public_only=public_only)


@bp.app_template_global()
def event_cover(event):
    """The event's cover picture, or None."""
    return services.cover_of(event)


@bp.app_template_filter("series_slug")
def series_slug(name: str) -> str:
    """The address part of a programme's (series') page."""
    return services.series_slug(name)


def _public_event_or_404(slug: str):
    event = events.get_public_event(slug)
    if event is None:
        abort(404)
    return event


@bp.get("/events/<slug>/materials/<int:material_id>")
def public_material(slug: str, material_id: int):
    try:
        material = services.public_material(events.get_public_event(slug), material_id)
    except NotFound:
        abort(404)
    return material_response(material, cache="public, max-age=3600")


@bp.get("/r/<token>/materials/<int:material_id>")
def participant_material(token: str, material_id: int):
    """A material through the participant's personal token: theirs while they hold a confirmed seat."""
    try:
        material = services.participant_material(registrations.participant_by_token(token), material_id)
    except NotFound:
        abort(404)
    response = material_response(material, cache="private, no-store")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/events/<slug>/pictures/<int:picture_id>-<int:width>.webp")
def picture(slug: str, picture_id: int, width: int):
    event = events.get_public_event(slug)
    cache = IMMUTABLE
    if event is None and current_user.is_authenticated:
        # A draft's pictures, for the coordinators who prepare it (and for no cache).
        draft = db.session.scalar(sa.select(Event).where(Event.slug == slug))
        if draft is not None and events.can_manage(current_user, draft):
            event, cache = draft, "private, no-store"
    if event is None:
        abort(404)
    try:
        found = services.rendition(event, picture_id, width)
    except NotFound:
        abort(404)
    return file_response(found.file, cache=cache)


@bp.get("/events/<slug>/speakers/<int:speaker_id>.webp")
def speaker_photo(slug: str, speaker_id: int):
    try:
        stored = services.speaker_photo(_public_event_or_404(slug), speaker_id)
    except NotFound:
        abort(404)
    return file_response(stored, cache="public, max-age=86400")


@bp.get("/series/<slug>")
def series(slug: str):
    found = services.series(slug)
    if found is None:
        abort(404)
    name, series_events = found
    return render_template(
        "programme/series.html",
        name=name,
        events=series_events,
        reader_zone=reader_zone(default=series_events[0].timezone),
        materials={e.id: services.materials_of(e, public_only=True) for e in series_events},
    )


@bp.get("/events/<slug>/programme.json")
def programme_json(slug: str):
    """The public programme: sessions in UTC with the event's zone, agendas, speakers, public materials."""
    event = _public_event_or_404(slug)
    programme = services.programme_of(event, public_only=True)

    def material(m):
        return {
            "title": m.title,
            "kind": m.kind,
            "url": external_url_for("programme.public_material", slug=event.slug, material_id=m.id),
        }

    body = {
        "event": {
            "title": event.title,
            "programme": event.programme,
            "timezone": event.timezone,
            "url": external_url_for("events.detail", slug=event.slug),
            "materials": [material(m) for m in programme.session_materials(None)],
        },
        "sessions": [
            {
                "id": session.id,
                "title": session.title,
                "starts_at": session.starts_at.isoformat(),
                "ends_at": session.ends_at.isoformat(),
                "agenda_markdown": session.agenda,
                "agenda_html": str(render_markdown(session.agenda)) if session.agenda else "",
                "speakers": [
                    {
                        "name": p.name,
                        "organisation": p.organisation,
                        "role": p.role,
                        "bio": p.bio,
                        "photo": external_url_for("programme.speaker_photo", slug=event.slug, speaker_id=p.id)
                        if p.photo_file_id
                        else None,
                    }
                    for p in programme.speakers.get(session.id, [])
                ],
                "materials": [material(m) for m in programme.session_materials(session)],
            }
            for session in event.sessions
        ],
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
