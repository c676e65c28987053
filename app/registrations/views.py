"""Public registration pages: the form, email confirmation, and the participant's personal page."""

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from app import locales, ratelimits
from app.calendar.attendance import personal_attendance
from app.errors import DomainError
from app.events import services as events
from app.events.views import render_event_page
from app.extensions import db
from app.i18n import _
from app.participation.data import participation_data
from app.registrations import services
from app.registrations.forms import (
    CalendarFileForm,
    CancelForm,
    ConfirmForm,
    DeclineInvitationForm,
    DeleteDataForm,
    JoinForm,
    LanguageForm,
    RegistrationForm,
    SessionChoiceForm,
    TimezoneForm,
    show_registration_errors,
)
from app.registrations.links import access_link
from app.registrations.models import CONFIRMED
from app.web import parse_id

bp = Blueprint("registrations", __name__)


# Pages under /r/ carry a token: app/__init__.py register_security_headers sends no-referrer and no-store.


@bp.app_template_global()
def registration_sessions(registration) -> list:
    """The sessions a registration covers, in order: those chosen where participants choose, else all."""
    covered = services.chosen_session_ids(registration)
    return [s for s in registration.event.sessions if s.id in covered]


def _commit_as_they_are() -> None:
    """Commit without marking the session's objects out of date (nothing of this request reads them again: its
    answer is a redirect); the session's setting is given back, for whatever shares the session after."""
    session = db.session()
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring


def _count_registration_post() -> None:
    """Sign-ups per client address and per email address (REGISTRATION_RATE_LIMIT, _EMAIL_RATE_LIMIT); a post
    without an address is counted per client only, and answered with the form's error."""
    config = current_app.config
    email = (request.form.get("email") or "").strip().lower()
    ratelimits.count_post(
        "register",
        (config["REGISTRATION_RATE_LIMIT"], ratelimits.client_key()),
        (config["REGISTRATION_EMAIL_RATE_LIMIT"], f"email:{email}" if email else ""),
    )


@bp.post("/events/<slug>/register")
def register(slug: str):
    _count_registration_post()
    parts = services.signup_parts(slug) or abort(404)
    event = parts.event
    # The registration is stored in the language the event page was read in.
    locales.about_event(event)
    form = RegistrationForm()
    done = redirect(url_for("registrations.check_email", slug=event.slug))
    if form.website.data:
        return done  # a bot filled the hidden field: answer as usual, store nothing
    if form.validate_on_submit():
        try:
            services.register(event, form.to_data(), parts=parts)
        except DomainError as error:
            db.session.rollback()
            if not error.fields:
                flash(error.message, "error")
                return redirect(url_for("events.detail", slug=event.slug))
            show_registration_errors(form, error)
            return render_event_page(event, registration_form=form), 422
        _commit_as_they_are()
        return done
    return render_event_page(event, registration_form=form), 422


@bp.get("/events/<slug>/registered")
def check_email(slug: str):
    event = events.get_public_event(slug) or abort(404)
    locales.about_event(event)
    return render_template("registrations/check_email.html", event=event)


@bp.route("/r/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """Email confirmation: the link opens a page whose button confirms (mail scanners only GET)."""
    registration = services.awaiting_confirmation(token)
    form = ConfirmForm()
    if registration is None:
        return render_template("registrations/link_invalid.html"), 404
    locales.for_person(registration.language)
    if form.validate_on_submit():
        try:
            registration = services.verify(token)
        except DomainError as error:
            db.session.rollback()
            return render_template("registrations/link_invalid.html", reason=error.message), error.status
        manage = services.new_manage_token(registration)
        db.session.commit()
        return redirect(url_for("registrations.participant", token=manage))
    return render_template("registrations/confirm.html", form=form, registration=registration)


def _participant_or_404(token: str):
    registration = services.participant_by_token(token)
    if registration is None:
        abort(404)
    locales.for_person(registration.language)
    return registration


@bp.get("/r/<token>")
def participant(token: str):
    registration = _participant_or_404(token)
    tz_form = TimezoneForm(formdata=None, timezone=registration.timezone)
    return render_template(
        "registrations/participant.html",
        registration=registration,
        event=registration.event,
        token=token,
        tz_form=tz_form,
        language_form=LanguageForm(formdata=None, language=registration.language),
        cancel_form=CancelForm(formdata=None),
        delete_form=DeleteDataForm(formdata=None),
        join_form=JoinForm(formdata=None),
        calendar_file_form=CalendarFileForm(formdata=None),
        sessions_form=SessionChoiceForm(formdata=None),
        **services.participant_shape(registration),
    )


@bp.post("/r/<token>/timezone")
def change_timezone(token: str):
    registration = _participant_or_404(token)
    form = TimezoneForm()
    if form.validate_on_submit():
        services.change_timezone(registration, form.timezone.data)
        db.session.commit()
        flash(_("Your time zone is saved."), "success")
    else:
        flash(" ".join(map(str, form.timezone.errors)) or _("Please choose a time zone from the list."), "error")
    return redirect(url_for("registrations.participant", token=token))


@bp.post("/r/<token>/language")
def change_language(token: str):
    """The language of the participant's later emails and invites (and of this page)."""
    registration = _participant_or_404(token)
    form = LanguageForm()
    if form.validate_on_submit():
        services.change_language(registration, form.language.data)
        db.session.commit()
        locales.for_person(registration.language)
        flash(_("Your language is saved: we will write to you in it from now on."), "success")
    else:
        flash(_("Please choose a language from the list."), "error")
    return redirect(url_for("registrations.participant", token=token))


@bp.post("/r/<token>/cancel")
def cancel(token: str):
    registration = _participant_or_404(token)
    form = CancelForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm that you want to cancel."), "error")
        return redirect(url_for("registrations.participant", token=token))
    if services.cancel_by_participant(registration):
        flash(_("Your registration is cancelled. We have sent you a confirmation."), "success")
    db.session.commit()
    return redirect(url_for("registrations.participant", token=token))


@bp.post("/r/<token>/join")
def join(token: str):
    """Open a fresh personal access link (the page itself never shows one, so it can be shared safely)."""
    registration = _participant_or_404(token)
    if registration.status != CONFIRMED or not JoinForm().validate_on_submit():
        abort(410)
    url = access_link(registration)
    db.session.commit()
    return redirect(url, code=303)


@bp.post("/r/<token>/calendar-file")
def calendar_file(token: str):
    """The participant's own calendar file, with the same UIDs and SEQUENCE as their invites (the public
    file has other UIDs: a calendar holding the invites would show every session twice). It carries a
    personal access link, so a fresh one is issued, as for "Open my access link"."""
    from app.calendar import invites

    registration = _participant_or_404(token)
    if registration.status != CONFIRMED or not CalendarFileForm().validate_on_submit():
        abort(410)
    url = invites.access_link(registration)
    db.session.commit()
    return redirect(f"{url}/calendar.ics", code=303)


@bp.get("/r/<token>/data.json")
def download_data(token: str):
    registration = _participant_or_404(token)
    data = services.personal_data(registration)
    # What the calendar and participation keep about the person, beside the registration itself.
    data["attendance"] = personal_attendance(registration)
    data.update(participation_data(registration))
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="registration-{registration.event.slug}.json"'},
    )


@bp.post("/r/<token>/delete")
def delete_data(token: str):
    registration = _participant_or_404(token)
    form = DeleteDataForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm that you want your data deleted."), "error")
        return redirect(url_for("registrations.participant", token=token))
    event = registration.event
    services.anonymise(registration)
    db.session.commit()
    flash(_("Your personal data has been deleted."), "success")
    return redirect(url_for("events.detail", slug=event.slug))


@bp.get("/invitation/<token>")
def invitation(token: str):
    """A personal invitation: the event page with the form filled in for the invited address."""
    invitation = services.invitation_by_token(token)
    if invitation is None:
        return render_template("registrations/link_invalid.html"), 404
    event = events.get_public_event(invitation.event.slug) or abort(404)
    form = RegistrationForm(formdata=None)
    form.name.data, form.email.data, form.invitation.data = invitation.name, invitation.email, token
    form.timezone.data = event.timezone
    if invitation.category_id:
        form.raw = MultiDict({"category_id": str(invitation.category_id)})
    return render_event_page(event, registration_form=form, invitation=invitation, decline_form=DeclineInvitationForm())


@bp.post("/invitation/<token>/decline")
def decline_invitation(token: str):
    invitation = services.invitation_by_token(token)
    if invitation is None:
        return render_template("registrations/link_invalid.html"), 404
    if DeclineInvitationForm().validate_on_submit():
        services.decline_invitation(invitation)
        db.session.commit()
        flash(_("Thank you for letting us know. The coordinators are told that you decline."), "success")
    return redirect(url_for("events.detail", slug=invitation.event.slug))


@bp.post("/r/<token>/sessions")
def change_sessions(token: str):
    registration = _participant_or_404(token)
    form = SessionChoiceForm()
    if form.validate_on_submit():
        ids = [i for i in (parse_id(v) for v in request.form.getlist("session_ids")[:100]) if i]
        try:
            changed = services.change_sessions(registration, ids)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            if changed:
                flash(_("Your sessions are saved. Calendar invites and cancellations are on their way."), "success")
    return redirect(url_for("registrations.participant", token=token))


@bp.get("/privacy")
def privacy():
    return render_template("registrations/privacy.html")
