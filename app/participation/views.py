"""Participants' pages: the feedback survey behind its personal link, the certificate download and the
directory on the personal page, and the public verification page of a certificate."""

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date

from app import ratelimits, timezones
from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.participation import certificates, directory, feedback
from app.participation.forms import (
    ActionForm,
    DirectoryEntryForm,
    LeaveDirectoryForm,
    MessageForm,
    ResponseForm,
    VerifyForm,
)
from app.participation.models import QUESTION_RATING, RULE_MINUTES
from app.participation.pdf import certificate_pdf
from app.registrations import services as registrations
from app.web import show_errors

bp = Blueprint("participation", __name__)


@bp.after_request
def no_referrer(response):
    # Pages under a personal token: the token must not leak to other sites, nor stay in caches.
    if request.view_args and "token" in request.view_args:
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
    return response


# --- Feedback ----------------------------------------------------------------------------------------


def _question_answers(survey) -> dict[int, str]:
    return {q.id: (request.form.get(f"q{q.id}") or "")[:2000] for q in survey.questions}


@bp.route("/feedback/<token>/<int:session_id>", methods=["GET", "POST"])
def feedback_form(token: str, session_id: int):
    """The survey for one session: answered once, changeable until it closes."""
    registration = feedback.registration_for_link(token)
    if registration is None:
        return render_template("participation/feedback_closed.html", reason=_("This link is not valid.")), 404
    event = registration.event
    session = next((s for s in event.sessions if s.id == session_id), None)
    survey = feedback.survey_for(event)
    if session is None:
        abort(404)
    try:
        feedback.check_can_answer(survey, registration, session)
    except DomainError as error:
        return render_template("participation/feedback_closed.html", reason=error.message, event=event), error.status
    existing = feedback.response_for(survey, registration, session)
    form = ResponseForm(formdata=request.form if request.method == "POST" else None)
    answers = existing.answers if existing else {}
    if request.method == "GET" and existing is not None:
        form.rating.data = str(existing.rating)
        form.worked.data = existing.worked
        form.improve.data = existing.improve
    errors: dict[str, str] = {}
    if request.method == "POST":
        answers = {str(k): v for k, v in _question_answers(survey).items()}
        if form.validate_on_submit():
            try:
                feedback.submit_response(
                    survey,
                    registration,
                    session,
                    rating=int(form.rating.data),
                    worked=form.worked.data or "",
                    improve=form.improve.data or "",
                    answers={int(k): v for k, v in answers.items()},
                )
            except DomainError as error:
                db.session.rollback()
                show_errors(form, error)
                errors = error.fields
            else:
                db.session.commit()
                flash(_("Thank you: your answers are saved. You can change them until the survey closes."), "success")
                return redirect(url_for(".feedback_form", token=token, session_id=session.id))
    return render_template(
        "participation/feedback.html",
        form=form,
        survey=survey,
        event=event,
        session=session,
        registration=registration,
        existing=existing,
        answers=answers,
        question_errors=errors,
        rating_kind=QUESTION_RATING,
        token=token,
    ), (422 if request.method == "POST" else 200)


@bp.post("/r/<token>/feedback/<int:session_id>")
def feedback_from_page(token: str, session_id: int):
    """From the personal page: a fresh survey link for the session (a POST: it stores a new token)."""
    registration = registrations.participant_by_token(token) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    session = next((s for s in registration.event.sessions if s.id == session_id), None) or abort(404)
    feedback.check_can_answer(feedback.survey_for(registration.event), registration, session)
    link = feedback.feedback_link(registration, session)
    db.session.commit()
    return redirect(link, code=303)


# --- Certificates -------------------------------------------------------------------------------------


@bp.get("/r/<token>/certificate.pdf")
def certificate_download(token: str):
    registration = registrations.participant_by_token(token) or abort(404)
    certificate = certificates.certificate_for(registration)
    if certificate is None or certificate.is_revoked:
        abort(404)
    body = certificate_pdf(certificate, certificates.certificate_locale(registration))
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="certificate-{registration.event.slug}.pdf"'},
    )


@bp.get("/certificates/<code>")
def verify(code: str):
    """Public: confirms that a certificate was issued, to whom and for what, or that it was revoked."""
    certificate = certificates.by_code(code)
    if certificate is None:
        return render_template("participation/verify_unknown.html", code=code[:40], form=VerifyForm(formdata=None)), 404
    if certificate.code != code:
        return redirect(url_for(".verify", code=certificate.code), code=301)
    event = certificate.event
    sessions = [
        (title, format_date(timezones.utc_to_local(start, event.timezone).date(), format="long"))
        for title, start in certificates.session_dates(certificate)
    ]
    rule = certificates.rule_for(event)
    return render_template(
        "participation/verify.html",
        certificate=certificate,
        event=event,
        sessions=sessions,
        organiser=(rule.organiser if rule and rule.organiser else event.desk.name),
        show_minutes=rule is not None and rule.kind == RULE_MINUTES,
        issued=format_date(timezones.utc_to_local(certificate.issued_at, event.timezone).date(), format="long"),
    )


@bp.get("/certificates")
def verify_search():
    form = VerifyForm(request.args)
    if request.args.get("code") and form.validate():
        return redirect(
            url_for(".verify", code=certificates.normal_code(form.code.data) or form.code.data.strip()[:40])
        )
    return render_template("participation/verify_unknown.html", code="", form=form)


# --- Directory ----------------------------------------------------------------------------------------


def _count_directory_message(registration) -> None:
    """Messages relayed per sender (DIRECTORY_MESSAGE_RATE_LIMIT)."""
    limit = current_app.config["DIRECTORY_MESSAGE_RATE_LIMIT"]
    ratelimits.count_post("directory-message", (limit, f"sender:{registration.id}"))


def _directory_page(registration, token: str, entry_form=None, message_form=None, status: int = 200):
    entry = directory.entry_for(registration)
    if entry_form is None:
        entry_form = DirectoryEntryForm(formdata=None, obj=entry) if entry else DirectoryEntryForm(formdata=None)
    return render_template(
        "participation/directory.html",
        registration=registration,
        event=registration.event,
        token=token,
        entry=entry,
        entries=directory.visible_entries(registration),
        entry_form=entry_form,
        leave_form=LeaveDirectoryForm(formdata=None),
        message_form=message_form or MessageForm(formdata=None),
    ), status


@bp.get("/r/<token>/directory")
def directory_page(token: str):
    registration = registrations.participant_by_token(token) or abort(404)
    if not directory.can_use(registration):
        abort(404)
    return _directory_page(registration, token)


@bp.post("/r/<token>/directory/entry")
def directory_entry(token: str):
    """Join the directory or change one's entry (also before the seat is confirmed: shown from then on)."""
    registration = registrations.participant_by_token(token) or abort(404)
    form = DirectoryEntryForm()
    if form.validate_on_submit():
        try:
            directory.join(
                registration,
                scope=form.scope.data,
                introduction=form.introduction.data or "",
                topics=form.topics.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Your directory entry is saved."), "success")
            target = ".directory_page" if directory.can_use(registration) else "registrations.participant"
            return redirect(url_for(target, token=token))
    if not directory.can_use(registration):
        flash(" ".join(sum(form.errors.values(), [])) or _("Please check the form."), "error")
        return redirect(url_for("registrations.participant", token=token))
    return _directory_page(registration, token, entry_form=form, status=422)


@bp.post("/r/<token>/directory/leave")
def directory_leave(token: str):
    registration = registrations.participant_by_token(token) or abort(404)
    if LeaveDirectoryForm().validate_on_submit() and directory.leave(registration):
        db.session.commit()
        flash(_("You have left the directory; your entry is removed."), "success")
    return redirect(url_for("registrations.participant", token=token))


@bp.post("/r/<token>/directory/message")
def directory_message(token: str):
    """Relay a message to another listed participant."""
    registration = registrations.participant_by_token(token) or abort(404)
    _count_directory_message(registration)
    if not directory.can_use(registration):
        abort(404)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            directory.send_message(
                registration, form.recipient.data, form.body.data, reveal_address=bool(form.reveal_address.data)
            )
        except DomainError as error:
            db.session.rollback()
            if error.status in (403, 404):
                flash(error.message, "error")
                return redirect(url_for(".directory_page", token=token))
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Your message is on its way."), "success")
            return redirect(url_for(".directory_page", token=token))
    return _directory_page(registration, token, message_form=form, status=422)


@bp.app_template_global()
def participation_panel(registration) -> dict:
    """What the personal page shows of participation: certificate, survey links, directory entry."""
    survey = feedback.survey_for(registration.event)
    surveys = [
        (session, feedback.response_for(survey, registration, session))
        for session in feedback.sessions_to_answer(survey, registration)
    ]
    certificate = certificates.certificate_for(registration)
    return {
        "certificate": certificate,
        "verify_url": certificates.verification_url(certificate) if certificate else "",
        "surveys": surveys,
        "survey": survey,
        "entry": directory.entry_for(registration),
        "can_use_directory": directory.can_use(registration),
        "entry_form": DirectoryEntryForm(formdata=None),
        "action_form": ActionForm(formdata=None),
        "leave_form": LeaveDirectoryForm(formdata=None),
    }
