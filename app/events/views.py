"""Public pages: the event catalogue, an event's page (with its registration and contact forms), and the
reader's time-zone choice."""

from flask import Blueprint, abort, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user

from app import locales, timezones
from app.events import page_cache, services
from app.events.forms import ReaderZoneForm
from app.i18n import _
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
    """The public event page: the shared rendering from this process's cache when the reader may have it
    (see page_cache), with their own CSRF token; rendered for them alone otherwise."""
    facts = page_cache.page_facts(slug)
    if facts is None:
        abort(404)
    if not page_cache.cacheable() or UNKNOWN_ZONE_KEY in session:
        return render_event_page(services.get_public_event(slug) or abort(404))
    # The event's language decides the page's when the reader has no choice of their own: before the key.
    locales.about_event(facts)
    zone = reader_zone(default=facts.timezone)
    state = services.registration_state(facts)
    key = page_cache.variant(facts, zone, state)
    cache = page_cache.pages()
    page = cache.get(key)
    if page is None:
        event = services.get_public_event(slug) or abort(404)
        with page_cache.csrf_slot():
            page = render_event_page(event, state=state, seats_left=facts.seats_left).encode()
        if not registrations.shows_seats_by_part(event):
            cache.put(key, page)
    return page_cache.personalise(page)


def render_event_page(
    event,
    registration_form: RegistrationForm | None = None,
    *,
    state: str | None = None,
    seats_left=None,
    **extra,
) -> str:
    """The event page, assembled here only; the registration view re-renders it with its form's errors
    (and, for an invitation, ``extra``: the invitation and its decline form). ``state`` and ``seats_left``
    may be given when the caller has just read them (the cached page does)."""
    locales.about_event(event)
    zone = reader_zone(default=event.timezone)
    return render_template(
        "events/detail.html",
        event=event,
        reader_zone=zone,
        zone_form=_zone_form(zone),
        coordinator_may_edit=_may_edit(event),
        **registration_panel(event, zone, registration_form, state=state, seats_left=seats_left),
        **extra,
    )


def _may_edit(event) -> bool:
    """Whether the reader is a coordinator who may edit the event (a shortcut on the page). Never true on the
    shared page: only anonymous readers get that one (page_cache.cacheable)."""
    if not current_user.is_authenticated:
        return False
    return any(a.name == "edit" and a.allowed for a in services.event_actions(event, current_user))


def registration_panel(
    event, reader_zone: str, form: RegistrationForm | None = None, *, state: str | None = None, seats_left=None
) -> dict:
    """What the event page shows about registering: the form, or why there is none."""
    if state is None:
        state = services.registration_state(event)
        seats_left = registrations.seats_left(event)
    left = seats_left if state == "open" else None
    if form is None and state == "open":
        form = RegistrationForm(formdata=None)
        form.timezone.data = reader_zone
    shape = registrations.registration_shape(event, form.invitation.data or "") if form is not None else {}
    return {"registration_form": form, "registration_state": state, "seats_left": left, "shape": shape}


# What the reader typed that is not a zone, kept for the next page view (a one-time value in the signed
# session cookie, like a flashed message) so that the page can say so next to the field.
UNKNOWN_ZONE_KEY = "unknown_reader_zone"


def _zone_form(zone: str | None) -> ReaderZoneForm:
    """The "Show times in" form; after an unknown zone was typed, with that text, an error and suggestions."""
    form = ReaderZoneForm(formdata=None)
    form.tz.data = zone or ""
    form.next.data = request.full_path.rstrip("?")
    typed = session.pop(UNKNOWN_ZONE_KEY, "")
    if typed:
        form.tz.data = typed
        form.suggestions = timezones.suggest(typed)
        if form.suggestions:
            message = _("“%(text)s” is not a time zone we know. Did you mean one of these?", text=typed)
        else:
            message = _(
                "“%(text)s” is not a time zone we know. Type a city and choose from the list, e.g. Europe/Berlin.",
                text=typed,
            )
        form.tz.errors = [message]
    return form


@bp.post("/preferences/timezone")
def set_reader_zone():
    """Remember the zone the reader wants times in (a preference cookie, not account state)."""
    form = ReaderZoneForm()
    target = safe_next(form.next.data, url_for("events.home"))
    if not form.validate_on_submit():
        if form.tz.errors and form.tz.data:
            session[UNKNOWN_ZONE_KEY] = form.tz.data[:64]
        return redirect(target)
    response = make_response(redirect(target))
    response.set_cookie(READER_ZONE_COOKIE, form.tz.data, max_age=365 * 24 * 3600, samesite="Lax")
    return response
