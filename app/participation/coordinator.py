"""Coordinators' participation pages of an event: the feedback survey and its results, certificates (rule,
issue, revoke) and the directory's entries (hide, show)."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import timezones
from app.accounts.access import visible_desk_ids
from app.actions import allowed
from app.errors import DomainError
from app.events import services as events
from app.events.models import Event
from app.extensions import db
from app.i18n import _
from app.participation import certificates, directory, feedback
from app.participation.forms import ActionForm, RevokeForm, RuleForm, SurveyForm
from app.participation.models import Certificate, DirectoryEntry
from app.web import show_errors

bp = Blueprint("participation_coordinator", __name__, url_prefix="/dashboard/events/<int:event_id>")


def _event(event_id: int, manage: bool = False) -> Event:
    event = db.session.get(Event, event_id) or abort(404)
    if manage and not events.can_manage(current_user, event):
        abort(404)
    return event


# --- Feedback ----------------------------------------------------------------------------------------


def _survey_form(survey) -> SurveyForm:
    form = SurveyForm(formdata=None)
    if survey is not None:
        form.timing.data = survey.timing
        form.anonymous_results.data = survey.anonymous_results
        form.intro.data = survey.intro
        if survey.closes_at:
            form.closes_local.data = timezones.utc_to_local(survey.closes_at, survey.event.timezone).replace(
                tzinfo=None
            )
        for entry, question in zip(form.questions, survey.questions, strict=False):
            entry.form.text.data = question.text
            entry.form.kind.data = question.kind
    return form


@bp.get("/feedback")
@login_required
def feedback_page(event_id: int):
    event = _event(event_id)
    survey = feedback.survey_for(event)
    return render_template(
        "participation/coordinator/feedback.html",
        event=event,
        survey=survey,
        form=_survey_form(survey),
        results=feedback.results(survey, visible_desk_ids(current_user)) if survey else None,
        actions=allowed(feedback.survey_actions(survey)) if survey else [],
        action_form=ActionForm(formdata=None),
        can_manage=events.can_manage(current_user, event),
    )


@bp.post("/feedback")
@login_required
def save_survey(event_id: int):
    event = _event(event_id, manage=True)
    form = SurveyForm()
    if form.validate_on_submit():
        try:
            closes_at = (
                timezones.local_to_utc(form.closes_local.data, event.timezone) if form.closes_local.data else None
            )
        except timezones.LocalTimeError as error:
            form.closes_local.errors = [*form.closes_local.errors, str(error)]
        else:
            try:
                feedback.save_survey(
                    event,
                    timing=form.timing.data,
                    anonymous_results=bool(form.anonymous_results.data),
                    intro=form.intro.data or "",
                    closes_at=closes_at,
                    questions=[(q.form.text.data or "", q.form.kind.data) for q in form.questions],
                )
            except DomainError as error:
                db.session.rollback()
                show_errors(form, error)
            else:
                db.session.commit()
                flash(_("The survey is saved."), "success")
                return redirect(url_for(".feedback_page", event_id=event.id))
    survey = feedback.survey_for(event)
    return render_template(
        "participation/coordinator/feedback.html",
        event=event,
        survey=survey,
        form=form,
        results=feedback.results(survey, visible_desk_ids(current_user)) if survey else None,
        actions=allowed(feedback.survey_actions(survey)) if survey else [],
        action_form=ActionForm(formdata=None),
        can_manage=True,
    ), 422


@bp.post("/feedback/<action>")
@login_required
def survey_action(event_id: int, action: str):
    event = _event(event_id, manage=True)
    survey = feedback.survey_for(event) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        if action == "open":
            count = feedback.open_survey(survey)
            message = _("The survey is open; %(count)s invitations are queued.", count=count)
        elif action == "close":
            feedback.close_survey(survey)
            message = _("The survey is closed; answers are no longer taken.")
        elif action == "send":
            count = feedback.send_invitations(survey)
            message = _("%(count)s invitations are queued.", count=count)
        else:
            abort(404)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for(".feedback_page", event_id=event.id))


@bp.get("/feedback.csv")
@login_required
def feedback_csv(event_id: int):
    event = _event(event_id)
    survey = feedback.survey_for(event) or abort(404)
    return Response(
        feedback.results_csv(survey, visible_desk_ids(current_user)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{event.slug}-feedback.csv"'},
    )


# --- Certificates ------------------------------------------------------------------------------------


def _certificates_page(event: Event, form: RuleForm | None = None, status: int = 200):
    rule = certificates.rule_for(event)
    if form is None:
        form = RuleForm(formdata=None, obj=rule)
        if rule is None:
            form.minimum.data = max(1, len(event.sessions) - 1)
            form.organiser.data = event.desk.name
    return render_template(
        "participation/coordinator/certificates.html",
        event=event,
        rule=rule,
        rule_text=certificates.rule_text(rule) if rule else "",
        form=form,
        standings=certificates.standings(event, visible_desk_ids(current_user)),
        actions=allowed(certificates.certificate_actions(event)),
        action_form=ActionForm(formdata=None),
        revoke_form=RevokeForm(formdata=None),
        can_manage=events.can_manage(current_user, event),
        verification_url=certificates.verification_url,
    ), status


@bp.get("/certificates")
@login_required
def certificates_page(event_id: int):
    return _certificates_page(_event(event_id))


@bp.post("/certificates/rule")
@login_required
def save_rule(event_id: int):
    event = _event(event_id, manage=True)
    form = RuleForm()
    if form.validate_on_submit():
        try:
            certificates.save_rule(
                event,
                kind=form.kind.data,
                minimum=form.minimum.data,
                text=form.text.data or "",
                organiser=form.organiser.data or "",
                signatory=form.signatory.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("The rule is saved."), "success")
            return redirect(url_for(".certificates_page", event_id=event.id))
    return _certificates_page(event, form, 422)


@bp.post("/certificates/issue")
@login_required
def issue(event_id: int):
    event = _event(event_id, manage=True)
    if ActionForm().validate_on_submit():
        try:
            count = certificates.issue_certificates(event)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("%(count)s certificates issued; each participant is told by email.", count=count), "success")
    return redirect(url_for(".certificates_page", event_id=event.id))


@bp.post("/certificates/<int:certificate_id>/revoke")
@login_required
def revoke(event_id: int, certificate_id: int):
    event = _event(event_id, manage=True)
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.event_id != event.id:
        abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            certificates.revoke(certificate, form.reason.data or "")
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The certificate is revoked; its verification page says so."), "success")
    return redirect(url_for(".certificates_page", event_id=event.id))


# --- Directory ---------------------------------------------------------------------------------------


@bp.get("/directory")
@login_required
def directory_entries(event_id: int):
    event = _event(event_id)
    return render_template(
        "participation/coordinator/directory.html",
        event=event,
        entries=directory.entries_for_event(event, visible_desk_ids(current_user)),
        action_form=ActionForm(formdata=None),
    )


@bp.post("/directory/<int:entry_id>")
@login_required
def hide_entry(event_id: int, entry_id: int):
    event = _event(event_id)
    entry = db.session.get(DirectoryEntry, entry_id)
    visible = {e.id for e in directory.entries_for_event(event, visible_desk_ids(current_user))}
    if entry is None or entry.id not in visible:
        abort(404)
    if ActionForm().validate_on_submit():
        hide = request.form.get("hidden") == "1"
        directory.set_hidden(entry, hide, current_user._get_current_object())
        db.session.commit()
        flash(_("The entry is hidden.") if hide else _("The entry is shown again."), "success")
    return redirect(url_for(".directory_entries", event_id=event.id))
