"""Public pages: the event catalogue, an event's page (with its registration and contact forms), and the
reader's time-zone choice."""

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for

from app.contact.forms import contact_form_for
from app.events import services
from app.events.forms import ReaderZoneForm
from app.registrations import services as registrations
from app.registrations.forms import RegistrationForm
from app.web import READER_ZONE_COOKIE, reader_zone, safe_next

bp = Blueprint("events", __name__)


@bp.get("/")
def home():
    upcoming, past = services.published_events()
    zone = reader_zone()
    return render_template(
        "events/home.html", upcoming=upcoming, past=past, reader_zone=zone, zone_form=_zone_form(zone)
    )


@bp.get("/events/<slug>")
def detail(slug: str):
    event = services.get_public_event(slug)
    if event is None:
        abort(404)
    return render_event_page(event)


def render_event_page(event, registration_form: RegistrationForm | None = None, **extra) -> str:
    """The event page, assembled here only; the registration view re-renders it with its form's errors
    (and, for an invitation, ``extra``: the invitation and its decline form)."""
    zone = reader_zone(default=event.timezone)
    return render_template(
        "events/detail.html",
        event=event,
        reader_zone=zone,
        zone_form=_zone_form(zone),
        contact_form=contact_form_for(event),
        **registration_panel(event, zone, registration_form),
        **extra,
    )


def registration_panel(event, reader_zone: str, form: RegistrationForm | None = None) -> dict:
    """What the event page shows about registering: the form, or why there is none."""
    state = services.registration_state(event)
    left = registrations.seats_left(event) if state == "open" else None
    if form is None and state == "open":
        form = RegistrationForm(formdata=None)
        form.timezone.data = reader_zone
    shape = registrations.registration_shape(event, form.invitation.data or "") if form is not None else {}
    return {"registration_form": form, "registration_state": state, "seats_left": left, "shape": shape}


def _zone_form(zone: str | None) -> ReaderZoneForm:
    form = ReaderZoneForm(formdata=None)
    form.tz.data = zone or ""
    form.next.data = request.full_path.rstrip("?")
    return form


@bp.post("/preferences/timezone")
def set_reader_zone():
    """Remember the zone the reader wants times in (a preference cookie, not account state)."""
    form = ReaderZoneForm()
    target = safe_next(form.next.data, url_for("events.home"))
    if not form.validate_on_submit():
        return redirect(target)
    response = make_response(redirect(target))
    response.set_cookie(READER_ZONE_COOKIE, form.tz.data, max_age=365 * 24 * 3600, samesite="Lax")
    return response
