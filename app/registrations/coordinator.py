"""Coordinators' registration pages: the per-event table, decisions, the audit trail, CSV export."""

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import timezones
from app.accounts.access import can_see_desk, visible_desk_ids
from app.actions import allowed
from app.calendar.attendance import (
    attendance_columns,
    attendance_detail_columns,
    attendance_detail_headers,
    attendance_headers,
)
from app.countries import COUNTRY_NAMES
from app.desks.models import EXPERT_TYPES, Desk
from app.errors import DomainError
from app.events.models import Event
from app.events.services import can_manage, dashboard_events
from app.extensions import db
from app.forms import choices, prefix_ids
from app.i18n import _, ngettext
from app.registrations import services
from app.registrations.export import registrations_csv
from app.registrations.forms import (
    STATUS_FILTER_CHOICES,
    CategoryForm,
    CodeForm,
    CopyQuestionsForm,
    DecisionForm,
    DeclineInvitationForm,
    InviteForm,
    QuestionForm,
    RulesForm,
    WaitlistMoveForm,
)
from app.registrations.models import Registration
from app.web import safe_next, show_errors

bp = Blueprint("registrations_coordinator", __name__, url_prefix="/dashboard")


def _filters() -> dict[str, str]:
    args = request.args
    return {key: (args.get(key) or "").strip()[:200] for key in ("status", "country", "expert_type", "desk", "q")}


def _row_actions(event: Event, rows) -> dict:
    """Each row's open decisions, from the state machine (one seat count for the whole table)."""
    book = services.SeatBook.load(event)
    return {r.id: allowed(services.registration_actions(r, book=book)) for r in rows}


def _answer_wanted(event: Event) -> dict[int, str]:
    """The choice questions the table is filtered by (?q_<id>=option)."""
    wanted = {}
    for question in services.questions_for(event):
        value = (request.args.get(question.field_name) or "").strip()
        if value and (value in question.options or (question.kind == "yes_no" and value in ("yes", "no"))):
            wanted[question.id] = value
    return wanted


def _answer_filtered(event: Event, rows):
    wanted = _answer_wanted(event)
    return [r for r in rows if services.matches_answers(r, wanted)] if wanted else rows


@bp.get("/events/<int:event_id>/registrations")
@login_required
def event_registrations(event_id: int):
    event = db.session.get(Event, event_id) or abort(404)
    filters = _filters()
    desk_ids = visible_desk_ids(current_user)
    rows = _answer_filtered(event, services.search(event, desk_ids, **filters))
    form = DecisionForm()
    desks = db.session.scalars(sa.select(Desk).order_by(Desk.name)).all()
    return render_template(
        "registrations/coordinator/event.html",
        event=event,
        registrations=rows,
        filters=filters,
        counts=services.status_counts(event, desk_ids),
        failed_email=services.with_failed_email(rows),
        confirmed_total=services.confirmed_count(event),
        actions=_row_actions(event, rows),
        form=form,
        status_choices=STATUS_FILTER_CHOICES,
        countries=sorted({r.country for r in rows} | ({filters["country"]} if filters["country"] else set())),
        country_names=COUNTRY_NAMES,
        expert_types=EXPERT_TYPES,
        desks=[d for d in desks if desk_ids is None or d.id in desk_ids],
        places={r.id: n for n, r in enumerate(services.waitlisted(event), 1)},
        choice_questions=[q for q in services.questions_for(event) if q.options or q.kind == "yes_no"],
        answer_filters=_answer_wanted(event),
        export_args={**filters, **{f"q_{qid}": option for qid, option in _answer_wanted(event).items()}},
    )


@bp.post("/events/<int:event_id>/registrations/decide")
@login_required
def decide(event_id: int):
    """Apply one decision to the chosen registrations (a single row's button posts one id).

    Destructive decisions (reject, cancel) first show a confirmation page with a message field; only its
    own POST (with ``confirmed``) changes anything.
    """
    event = db.session.get(Event, event_id) or abort(404)
    form = DecisionForm()
    fallback = url_for(".event_registrations", event_id=event.id)
    back = safe_next(request.form.get("back"), fallback)
    target = back if back.startswith("/dashboard/") else fallback
    if not form.validate_on_submit():
        flash(
            _(
                "That decision could not be applied: %(errors)s",
                errors="; ".join(map(str, sum(form.errors.values(), []))),
            ),
            "error",
        )
        return redirect(target)
    chosen = services.registrations_for_decision(event, form.ids.data or [], visible_desk_ids(current_user))
    if not chosen:
        flash(_("Choose at least one registration."), "warning")
        return redirect(target)
    try:
        outcomes = services.decide_many(
            chosen,
            form.decision.data,
            current_user._get_current_object(),
            form.message.data or "",
            confirmed=bool(form.confirmed.data),
        )
    except services.ConfirmationNeeded:
        db.session.rollback()
        return render_template(
            "registrations/coordinator/confirm_decision.html",
            event=event,
            form=form,
            chosen=chosen,
            label=services.DECISIONS[form.decision.data],
            back=target,
        )
    db.session.commit()
    for outcome in outcomes:
        flash(outcome.message, "success" if outcome.changed else "warning")
    return redirect(target)


@bp.get("/registrations/<int:registration_id>")
@login_required
def registration_detail(registration_id: int):
    registration = db.session.get(Registration, registration_id)
    if registration is None or not can_see_desk(current_user, registration.desk_id):
        abort(404)
    return render_template(
        "registrations/coordinator/detail.html",
        registration=registration,
        event=registration.event,
        form=DecisionForm(formdata=None),
        actions=services.registration_actions(registration),
        emails=services.emails_for(registration),
        move_form=WaitlistMoveForm(formdata=None),
        **services.participant_shape(registration),
    )


@bp.get("/events/<int:event_id>/registrations.csv")
@login_required
def export_csv(event_id: int):
    event = db.session.get(Event, event_id) or abort(404)
    rows = _answer_filtered(event, services.search(event, visible_desk_ids(current_user), **_filters()))
    headers, columns = services.answer_columns(
        event, services.rules_for(event).session_choice, services.chosen_session_ids
    )
    return Response(
        registrations_csv(
            rows,
            headers + attendance_headers(event) + attendance_detail_headers(event),
            lambda r: columns(r) + attendance_columns(event, r) + attendance_detail_columns(event, r),
        ),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{event.slug}-registrations.csv"'},
    )


# --- How the event registers people: rules, categories, questions, invitations -------------------------


def _managed_event_or_404(event_id: int) -> Event:
    """Only the owning desk's coordinators and admins shape an event's registration."""
    event = db.session.get(Event, event_id)
    if event is None or not can_manage(current_user, event):
        abort(404)
    return event


def _category_choices(event: Event, none_label: str) -> list[tuple[int, str]]:
    return choices([(0, none_label)] + [(c.id, c.name) for c in services.categories_for(event)])


def _shape_page(event: Event, **forms):
    rules = services.rules_for(event)
    capacities = services.seats.session_capacities(event)
    rules_form = forms.get("rules_form") or RulesForm(formdata=None, obj=rules)
    question_form = forms.get("question_form") or QuestionForm(formdata=None)
    question_form.category_ids.choices = choices((c.id, c.name) for c in services.categories_for(event))
    copy_form = forms.get("copy_form") or CopyQuestionsForm(formdata=None)
    copy_form.source.choices = choices(
        (e.id, e.title) for e in dashboard_events() if e.id != event.id and services.questions_for(e)
    )
    category_form = forms.get("category_form") or CategoryForm(formdata=None)
    # One page, four forms with fields of the same names: ids apart, submitted names unchanged.
    for prefix, form in (("rules-", rules_form), ("category-", category_form), ("question-", question_form)):
        prefix_ids(form, prefix)
    prefix_ids(copy_form, "copy-")
    return render_template(
        "registrations/coordinator/shape.html",
        event=event,
        rules_form=rules_form,
        category_form=category_form,
        question_form=question_form,
        copy_form=copy_form,
        categories=services.categories_for(event),
        category_counts=services.category_counts(event),
        questions=services.questions_for(event),
        kind_labels=services.KIND_LABELS,
        capacities=capacities,
        session_errors=forms.get("session_errors", {}),
        action_form=DeclineInvitationForm(formdata=None),
    )


@bp.get("/events/<int:event_id>/registration-form")
@login_required
def shape(event_id: int):
    return _shape_page(_managed_event_or_404(event_id))


@bp.post("/events/<int:event_id>/registration-form/rules")
@login_required
def save_rules(event_id: int):
    event = _managed_event_or_404(event_id)
    form = RulesForm()
    capacities, session_errors = {}, {}
    for session in event.sessions:
        raw = (request.form.get(f"session_{session.id}") or "").strip()
        if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 7):
            session_errors[f"session_{session.id}"] = _("Give a whole number, or leave it empty.")
        capacities[session.id] = int(raw) if raw and f"session_{session.id}" not in session_errors else None
    if form.validate_on_submit() and not session_errors:
        try:
            services.save_rules(
                event,
                services.RulesData(
                    organisation_limit=form.organisation_limit.data,
                    country_limit=form.country_limit.data,
                    over_limit=form.over_limit.data,
                    session_choice=bool(form.session_choice.data),
                    session_capacities=capacities,
                ),
            )
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
            session_errors.update({k: v for k, v in error.fields.items() if k.startswith("session_")})
        else:
            db.session.commit()
            flash(_("The registration rules are saved."), "success")
            return redirect(url_for(".shape", event_id=event.id))
    return _shape_page(event, rules_form=form, session_errors=session_errors), 422


@bp.post("/events/<int:event_id>/registration-form/categories")
@bp.post("/events/<int:event_id>/registration-form/categories/<int:category_id>")
@login_required
def save_category(event_id: int, category_id: int | None = None):
    event = _managed_event_or_404(event_id)
    category = _category_or_404(event, category_id) if category_id else None
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            services.save_category(event, form.to_data(), category)
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("The category is saved."), "success")
            return redirect(url_for(".shape", event_id=event.id))
    if category is not None:
        return render_template(
            "registrations/coordinator/category.html", event=event, form=form, category=category
        ), 422
    return _shape_page(event, category_form=form), 422


def _category_or_404(event: Event, category_id: int):
    category = next((c for c in services.categories_for(event) if c.id == category_id), None)
    return category or abort(404)


@bp.get("/events/<int:event_id>/registration-form/categories/<int:category_id>")
@login_required
def edit_category(event_id: int, category_id: int):
    event = _managed_event_or_404(event_id)
    category = _category_or_404(event, category_id)
    form = CategoryForm(formdata=None, obj=category)
    return render_template("registrations/coordinator/category.html", event=event, form=form, category=category)


@bp.post("/events/<int:event_id>/registration-form/categories/<int:category_id>/delete")
@login_required
def delete_category(event_id: int, category_id: int):
    event = _managed_event_or_404(event_id)
    category = _category_or_404(event, category_id)
    if DeclineInvitationForm().validate_on_submit():
        try:
            services.delete_category(category)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The category is removed."), "success")
    return redirect(url_for(".shape", event_id=event.id))


def _question_or_404(event: Event, question_id: int):
    question = next((q for q in services.questions_for(event) if q.id == question_id), None)
    return question or abort(404)


@bp.post("/events/<int:event_id>/registration-form/questions")
@bp.post("/events/<int:event_id>/registration-form/questions/<int:question_id>")
@login_required
def save_question(event_id: int, question_id: int | None = None):
    event = _managed_event_or_404(event_id)
    question = _question_or_404(event, question_id) if question_id else None
    form = QuestionForm()
    form.category_ids.choices = choices((c.id, c.name) for c in services.categories_for(event))
    if form.validate_on_submit():
        try:
            services.save_question(event, form.to_data(), question)
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("The question is saved."), "success")
            return redirect(url_for(".shape", event_id=event.id) + "#questions")
    if question is not None:
        return render_template(
            "registrations/coordinator/question.html", event=event, form=form, question=question
        ), 422
    return _shape_page(event, question_form=form), 422


@bp.get("/events/<int:event_id>/registration-form/questions/<int:question_id>")
@login_required
def edit_question(event_id: int, question_id: int):
    event = _managed_event_or_404(event_id)
    question = _question_or_404(event, question_id)
    form = QuestionForm(formdata=None, obj=question)
    form.options.data = "\n".join(question.options)
    form.category_ids.choices = choices((c.id, c.name) for c in services.categories_for(event))
    return render_template("registrations/coordinator/question.html", event=event, form=form, question=question)


@bp.post("/events/<int:event_id>/registration-form/questions/<int:question_id>/<any(up, down, delete):how>")
@login_required
def change_question(event_id: int, question_id: int, how: str):
    event = _managed_event_or_404(event_id)
    question = _question_or_404(event, question_id)
    if DeclineInvitationForm().validate_on_submit():
        if how == "delete":
            services.delete_question(question)
            flash(_("The question is removed; answers already given stay readable."), "success")
        else:
            services.move_question(question, -1 if how == "up" else 1)
        db.session.commit()
    return redirect(url_for(".shape", event_id=event.id) + "#questions")


@bp.post("/events/<int:event_id>/registration-form/copy")
@login_required
def copy_questions(event_id: int):
    event = _managed_event_or_404(event_id)
    form = CopyQuestionsForm()
    source = db.session.get(Event, form.source.data or 0) if form.validate_on_submit() else None
    if source is None:
        flash(_("Choose an event to copy from."), "error")
        return redirect(url_for(".shape", event_id=event.id))
    try:
        count = services.copy_questions(source, event)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(ngettext("%(num)s question copied.", "%(num)s questions copied.", count), "success")
    return redirect(url_for(".shape", event_id=event.id) + "#questions")


@bp.route("/events/<int:event_id>/invitations", methods=["GET", "POST"])
@login_required
def invitations(event_id: int):
    event = _managed_event_or_404(event_id)
    form = InviteForm()
    form.category_id.choices = _category_choices(event, _("No category"))
    code_form = CodeForm(formdata=None)
    code_form.category_id.choices = _category_choices(event, _("No category"))
    status = 200
    if form.validate_on_submit():
        text = form.people.data or ""
        if form.upload.data:
            text += "\n" + form.upload.data.read(1_000_000).decode("utf-8-sig", errors="replace")
        category = next((c for c in services.categories_for(event) if c.id == form.category_id.data), None)
        try:
            sent, skipped = services.invite(event, category, services.parse_people(text), current_user)
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
            status = 422
        else:
            db.session.commit()
            flash(
                _(
                    "%(sent)s invitations sent; %(skipped)s people were invited or registered already.",
                    sent=sent,
                    skipped=skipped,
                ),
                "success",
            )
            return redirect(url_for(".invitations", event_id=event.id))
    return _invitations_page(event, form, code_form), status


def _invitations_page(event: Event, form, code_form):
    prefix_ids(form, "invite-")
    prefix_ids(code_form, "code-")
    return render_template(
        "registrations/coordinator/invitations.html",
        event=event,
        form=form,
        code_form=code_form,
        invitations=services.invitations_for(event),
        counts=services.invitation_counts(event),
        codes=services.codes_for(event),
    )


@bp.post("/events/<int:event_id>/invitation-codes")
@login_required
def create_code(event_id: int):
    event = _managed_event_or_404(event_id)
    code_form = CodeForm()
    code_form.category_id.choices = _category_choices(event, _("No category"))
    form = InviteForm(formdata=None)
    form.category_id.choices = code_form.category_id.choices
    if code_form.validate_on_submit():
        category = next((c for c in services.categories_for(event) if c.id == code_form.category_id.data), None)
        try:
            expires = None
            if code_form.expires_local.data:
                expires = timezones.local_to_utc(code_form.expires_local.data, event.timezone)
            services.create_code(event, category, code_form.code.data, code_form.max_uses.data, expires)
        except timezones.LocalTimeError as error:
            code_form.expires_local.errors = [str(error)]
        except DomainError as error:
            db.session.rollback()
            show_errors(code_form, error)
        else:
            db.session.commit()
            flash(_("The code is ready to share."), "success")
            return redirect(url_for(".invitations", event_id=event.id))
    return _invitations_page(event, form, code_form), 422


@bp.post("/registrations/<int:registration_id>/waitlist-place")
@login_required
def move_in_waitlist(registration_id: int):
    registration = db.session.get(Registration, registration_id)
    if registration is None or not can_see_desk(current_user, registration.desk_id):
        abort(404)
    form = WaitlistMoveForm()
    if form.validate_on_submit():
        try:
            place = services.move_in_waitlist(
                registration, form.position.data, current_user._get_current_object(), form.note.data
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(
                _("%(name)s is now number %(place)s on the waitlist.", name=registration.name, place=place), "success"
            )
    else:
        flash(_("Give the new place and a note for the history."), "error")
    return redirect(url_for(".registration_detail", registration_id=registration.id))
