"""Coordinators' event pages: list, create, edit, publish, unpublish, cancel."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import locales, timezones
from app.desks.models import Desk
from app.errors import DomainError
from app.events import services, translations
from app.events.forms import ActionForm, CancelEventForm, DuplicateEventForm, EventForm, TranslationForm
from app.events.models import Event
from app.extensions import db
from app.i18n import _, _l, ngettext
from app.registrations import services as registrations
from app.web import show_errors

bp = Blueprint("events_coordinator", __name__, url_prefix="/dashboard/events")


def _event_or_404(event_id: int) -> Event:
    return db.session.get(Event, event_id) or abort(404)


def _managed_event_or_404(event_id: int) -> Event:
    """Only the owning desk's coordinators and admins change an event."""
    event = _event_or_404(event_id)
    if not services.can_manage(current_user, event):
        abort(404)
    return event


def _desk_choices() -> list[Desk]:
    if current_user.is_admin:
        return list(db.session.scalars(sa.select(Desk).order_by(Desk.name)))
    return list(current_user.desks)


@bp.get("/")
@login_required
def index():
    status = request.args.get("status", "")
    return render_template("events/coordinator/index.html", events=services.dashboard_events(status), status=status)


@bp.get("/<int:event_id>")
@login_required
def detail(event_id: int):
    event = _event_or_404(event_id)
    return render_template(
        "events/coordinator/detail.html",
        event=event,
        actions={a.name: a for a in services.event_actions(event, current_user) if a.allowed},
        action_form=ActionForm(),
        cancel_form=CancelEventForm(),
        duplicate_form=DuplicateEventForm(formdata=None),
        confirmed=registrations.confirmed_count(event),
    )


def _fill_from_event(form: EventForm, event: Event) -> None:
    for name in (
        "title",
        "slug",
        "programme",
        "summary",
        "description",
        "language",
        "timezone",
        "capacity",
        "approval_required",
        "meeting_url",
        "photo_credit",
        "desk_id",
    ):
        getattr(form, name).data = getattr(event, name)
    for name, value in (
        ("registration_opens_local", event.registration_opens_at),
        ("registration_closes_local", event.registration_closes_at),
    ):
        getattr(form, name).data = timezones.utc_to_local(value, event.timezone).replace(tzinfo=None) if value else None
    while len(form.sessions):
        form.sessions.pop_entry()
    for session in event.sessions:
        form.sessions.append_entry(
            {
                "id": str(session.id),
                "title": session.title,
                "local_start": timezones.utc_to_local(session.starts_at, event.timezone).replace(tzinfo=None),
                "local_end": timezones.utc_to_local(session.ends_at, event.timezone).replace(tzinfo=None),
            }
        )


def _add_session_row(form: EventForm) -> None:
    """Append an empty session row; errors of the half-filled form are not shown yet."""
    form.sessions.append_entry()
    for entry in form.sessions:
        for field in entry.form:
            field.errors = []


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    desks = _desk_choices()
    if not desks:
        flash(_("You need to belong to a desk before you can create events. Ask an administrator."), "warning")
        return redirect(url_for("events_coordinator.index"))
    form = EventForm(desks=desks)
    if request.method == "GET":
        form.timezone.data = "Europe/Berlin"
        form.desk_id.data = desks[0].id
    if form.add_session.data:
        _add_session_row(form)
    elif form.validate_on_submit():
        try:
            event = services.create_event(form.to_data())
        except services.EventError as error:
            form.show_errors(error.errors)
        else:
            db.session.commit()
            flash(_("Event saved as a draft. Publish it when it is ready."), "success")
            return redirect(url_for("events_coordinator.detail", event_id=event.id))
    return render_template("events/coordinator/form.html", form=form, event=None, preview=None)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    event = _managed_event_or_404(event_id)
    desks = _desk_choices()
    if event.desk not in desks:
        desks.append(event.desk)
    form = EventForm(desks=desks)
    if request.method == "GET":
        _fill_from_event(form, event)
    confirmed = registrations.confirmed_count(event) if event.is_published else 0
    preview = None
    if form.add_session.data:
        _add_session_row(form)
    elif form.validate_on_submit():
        data = form.to_data()
        try:
            preview = services.preview_change(event, data)
            if preview.calendar_changed and confirmed and form.notify_confirmed.data != "yes":
                # Show who will hear about this before anything is saved.
                form.notify_confirmed.data = "yes"
                return render_template(
                    "events/coordinator/form.html",
                    form=form,
                    event=event,
                    preview=preview,
                    confirmed=confirmed,
                    promotions=_capacity_preview(event),
                )
            services.update_event(event, data)
        except services.EventError as error:
            form.show_errors(error.errors)
        else:
            db.session.commit()
            if preview.calendar_changed and confirmed:
                flash(
                    ngettext(
                        "Event saved. %(num)d confirmed participant will receive a calendar update.",
                        "Event saved. %(num)d confirmed participants will receive a calendar update.",
                        confirmed,
                    ),
                    "success",
                )
            else:
                flash(_("Event saved."), "success")
            return redirect(url_for("events_coordinator.detail", event_id=event.id))
    return render_template(
        "events/coordinator/form.html",
        form=form,
        event=event,
        preview=None,
        confirmed=confirmed,
        promotions=_capacity_preview(event),
        translations=translations.translations_overview(event),
    )


def _capacity_preview(event: Event) -> list[tuple[int | None, list]]:
    """Before a capacity is saved: who each higher capacity would confirm from the waitlist (the registrations'
    seat rules decide, categories and sessions included), for the next few capacities and for no limit."""
    if not event.is_published or event.capacity is None:
        return []
    steps, seen = [], 0
    for capacity in range(event.capacity + 1, event.capacity + 6):
        promoted = registrations.plan_promotions(event, capacity)
        if len(promoted) > seen:
            steps.append((capacity, promoted))
            seen = len(promoted)
    return steps


def _change_status(event_id: int, change, done: str):
    """Publish or unpublish: a POST button with only its CSRF token."""
    event = _managed_event_or_404(event_id)
    if ActionForm().validate_on_submit():
        try:
            change(event)
        except services.EventError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(str(done), "success")
    return redirect(url_for("events_coordinator.detail", event_id=event.id))


@bp.post("/<int:event_id>/publish")
@login_required
def publish(event_id: int):
    return _change_status(event_id, services.publish_event, _l("The event is published."))


@bp.post("/<int:event_id>/unpublish")
@login_required
def unpublish(event_id: int):
    return _change_status(
        event_id, services.unpublish_event, _l("The event is back to draft and hidden from the public pages.")
    )


@bp.post("/<int:event_id>/cancel")
@login_required
def cancel(event_id: int):
    event = _managed_event_or_404(event_id)
    form = CancelEventForm()
    if form.validate_on_submit():
        services.cancel_event(event, form.message.data or "")
        db.session.commit()
        flash(_("The event is cancelled. Participants are told and their calendar entries withdrawn."), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(map(str, errors)), "error")
    return redirect(url_for("events_coordinator.detail", event_id=event.id))


@bp.post("/<int:event_id>/duplicate")
@login_required
def duplicate(event_id: int):
    """A draft copy with its sessions moved to a new date, and the registration form and rules."""
    event = _managed_event_or_404(event_id)
    form = DuplicateEventForm()
    if form.validate_on_submit():
        try:
            copy = services.duplicate_event(event, form.first_day.data)
        except services.EventError as error:
            db.session.rollback()
            flash(" ".join(map(str, error.errors.values())), "error")
        else:
            db.session.commit()
            flash(_("A draft copy is ready: check it, then publish it."), "success")
            return redirect(url_for("events_coordinator.detail", event_id=copy.id))
    else:
        flash(" ".join(map(str, sum(form.errors.values(), []))), "error")
    return redirect(url_for("events_coordinator.detail", event_id=event.id))


@bp.route("/<int:event_id>/translations/<language>", methods=["GET", "POST"])
@login_required
def translation(event_id: int, language: str):
    """The event's title, summary, description, session titles and registration form in one more language."""
    event = _managed_event_or_404(event_id)
    if language not in locales.LANGUAGES:
        abort(404)
    form = TranslationForm.for_event(
        sessions=event.sessions, texts=registrations.form_texts(event), translation=event.translation(language)
    )
    if form.validate_on_submit():
        try:
            saved = translations.save_translation(event, language, form.to_data())
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
            return _translation_page(event, form, language), error.status
        db.session.commit()
        name = locales.LANGUAGES[language]
        if saved is None:
            flash(_("No translation into %(language)s is kept: every field was empty.", language=name), "success")
        else:
            flash(_("The translation into %(language)s is saved.", language=name), "success")
        return redirect(url_for("events_coordinator.edit", event_id=event.id) + "#translations")
    return _translation_page(event, form, language)


def _translation_page(event: Event, form: TranslationForm, language: str) -> str:
    return render_template(
        "events/coordinator/translation.html",
        event=event,
        form=form,
        language=language,
        language_name=locales.LANGUAGES[language],
    )
