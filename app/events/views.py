"""Public pages: the event catalogue, an event's page, and the reader's time-zone choice."""

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for

from app.events import page_cache, services
from app.events.forms import ReaderZoneForm
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
    if not page_cache.cacheable():
        return render_event_page(services.get_public_event(slug) or abort(404))
    zone = reader_zone(default=facts.timezone)
    state = services.registration_state(facts)
    key = page_cache.variant(facts, zone, state)
    cache = page_cache.pages()
    html = cache.get(key)
    if html is None:
        event = services.get_public_event(slug) or abort(404)
        with page_cache.csrf_slot():
            html = render_event_page(event, state=state, seats_left=facts.seats_left)
        cache.put(key, html)
    return page_cache.personalise(html)


def render_event_page(event, registration_form=None, *, state: str | None = None, seats_left=None) -> str:
    """The event page; the registration view re-renders it with its form's errors."""
    from app.registrations.views import registration_panel

    zone = reader_zone(default=event.timezone)
    return render_template(
        "events/detail.html",
        event=event,
        reader_zone=zone,
        zone_form=_zone_form(zone),
        **registration_panel(event, zone, registration_form, state=state, seats_left=seats_left),
    )


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
