"""Calendar pages: .ics downloads, the subscribable feed, personal access links, access details."""

import re
from datetime import datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.http import generate_etag

from app import locales, timezones
from app.accounts.access import visible_desk_ids
from app.calendar import access, ics, invites, links, urls
from app.calendar.attendance import SOURCE_LABELS, attendance_by_session
from app.calendar.forms import AccessDetailsForm
from app.events import services as events
from app.events.models import Event
from app.extensions import db
from app.i18n import _, ngettext
from app.text import web_address
from app.types import utcnow
from app.web import external_url, reader_zone

bp = Blueprint("calendar", __name__)

_DTSTAMP = re.compile(rb"^DTSTAMP:[^\r\n]*\r?\n", re.MULTILINE)
CALENDAR_TYPE = "text/calendar; charset=utf-8"


def now() -> datetime:
    """The current moment; tests replace it to stand before, inside or after a join window."""
    return utcnow()


@bp.app_template_global()
def calendar_links(event: Event, access_url: str | None = None) -> list[links.SessionLinks]:
    """Google and Outlook links for every session, for the add-to-calendar partial."""
    return links.session_links(event, access_url)


@bp.app_template_global()
def calendar_attendance(event: Event):
    """Attendance by session as the signed-in coordinator may see it (their desks; admins all)."""
    return attendance_by_session(event, visible_desk_ids(current_user))


@bp.app_template_filter()
def attendance_source(source: str) -> str:
    """Where a presence comes from ("link", "manual", "report"), as coordinators read it."""
    return str(SOURCE_LABELS.get(source, source))


def _calendar_response(body: str, filename: str, *, cache: str) -> Response:
    response = Response(
        body.encode("utf-8"),
        content_type=CALENDAR_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": cache},
    )
    return _conditional(response) if cache != "no-store" else response


def _conditional(response: Response) -> Response:
    """An ETag from the calendar, and 304 Not Modified when the client already has it (calendar apps poll).

    DTSTAMP says when the file was made, so it changes on every request: the ETag leaves it out."""
    content = _DTSTAMP.sub(b"", response.get_data())
    response.set_etag(generate_etag(content))
    return response.make_conditional(request)


@bp.get("/events/<slug>.ics")
def event_ics(slug: str):
    event = events.get_public_event(slug)
    if event is None:
        abort(404)
    return _calendar_response(ics.event_file(event, now=now()), f"{event.slug}.ics", cache="public, max-age=300")


@bp.get("/calendar/feed.ics")
def feed():
    response = Response(ics.feed(ics.feed_events(now()), now=now()).encode("utf-8"), content_type=CALENDAR_TYPE)
    response.headers["Cache-Control"] = "public, max-age=300"
    return _conditional(response)


@bp.get("/calendar")
def feed_page():
    return render_template(
        "calendar/feed.html",
        feed_url=urls.feed_url(),
        webcal_url=urls.webcal_url(),
        google_url=urls.google_subscribe_url(),
        outlook_url=urls.outlook_subscribe_url(links.OUTLOOK_LIVE),
        office365_url=urls.outlook_subscribe_url(links.OUTLOOK_OFFICE),
    )


def _reader_zone(registration) -> str:
    """?tz= when the reader asks for a zone, else the zone they registered with, else their cookie."""
    asked = request.args.get("tz")
    if asked and timezones.is_zone(asked):
        return asked
    if timezones.is_zone(registration.timezone):
        return registration.timezone
    return reader_zone(default=registration.event.timezone)


@bp.get("/join/<token>")
def join(token: str):
    """A personal access link: countdown, then attendance and the meeting, or why it does not work."""
    registration = access.registration_for_link(token)
    if registration is None:
        return render_template("calendar/join.html", state=None), 404
    locales.for_person(registration.language)
    moment = now()
    state = access.join_state(registration, now=moment)
    if state.kind == access.WITHDRAWN:
        return render_template("calendar/join.html", state=state), 410
    if state.kind == access.OPEN:
        # Link checkers send HEAD; only a real visit counts as attendance.
        if request.method == "GET":
            access.record_attendance(registration, state.session, now=moment)
            db.session.commit()
        return redirect(web_address(state.meeting_url), code=303)
    zone = _reader_zone(registration)
    session = state.session
    return render_template(
        "calendar/join.html",
        state=state,
        token=token,
        zone=zone,
        now=moment,
        times=timezones.session_times(session.starts_at, session.ends_at, state.event.timezone, zone)
        if session
        else None,
        opens_text=timezones.format_instant(state.opens_at, zone) if state.opens_at else "",
        countdown=access.countdown_text(session.starts_at - moment) if session else "",
        session_number=state.event.sessions.index(session) + 1 if session else None,
        access_url=external_url(url_for("calendar.join", token=token)),
    )


@bp.get("/join/<token>/calendar.ics")
def personal_ics(token: str):
    """The participant's own calendar file: their entries' UIDs and their access link."""
    registration = access.registration_for_link(token)
    if registration is None:
        abort(404)
    if access.join_state(registration, now=now()).kind == access.WITHDRAWN:
        abort(410)
    access_url = external_url(url_for("calendar.join", token=token))
    body = ics.personal_file(registration, access_url, now=now())
    return _calendar_response(body, f"{registration.event.slug}.ics", cache="no-store")


@bp.post("/dashboard/events/<int:event_id>/access-details")
@login_required
def access_details(event_id: int):
    """Send the access details and agenda to every confirmed participant of an event."""
    event = db.session.get(Event, event_id)
    if event is None or not events.can_manage(current_user, event):
        abort(404)
    form = AccessDetailsForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(map(str, errors)), "error")
    elif not event.is_published:
        flash(_("Access details can only be sent for a published event."), "error")
    else:
        count = invites.send_access_details(event, form.message.data)
        db.session.commit()
        if count:
            flash(
                ngettext(
                    "Access details are on their way to %(num)d participant.",
                    "Access details are on their way to %(num)d participants.",
                    count,
                ),
                "success",
            )
        else:
            flash(_("Nothing was sent: no confirmed participant, or this message was already sent."), "warning")
    return redirect(url_for("events_coordinator.detail", event_id=event.id))
