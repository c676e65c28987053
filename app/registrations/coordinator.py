"""Coordinators' registration pages: the per-event table, decisions, the audit trail, CSV export."""

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

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
from app.events.models import Event
from app.extensions import db
from app.i18n import _
from app.registrations import services
from app.registrations.export import registrations_csv
from app.registrations.forms import STATUS_FILTER_CHOICES, DecisionForm
from app.registrations.models import Registration
from app.web import safe_next

bp = Blueprint("registrations_coordinator", __name__, url_prefix="/dashboard")


def _filters() -> dict[str, str]:
    args = request.args
    return {key: (args.get(key) or "").strip()[:200] for key in ("status", "country", "expert_type", "desk", "q")}


def _row_actions(event: Event, rows) -> dict:
    """Each row's open decisions, from the state machine (one seat count for the whole table)."""
    free_seat = services.has_free_seat(event)
    return {r.id: allowed(services.registration_actions(r, free_seat)) for r in rows}


@bp.get("/events/<int:event_id>/registrations")
@login_required
def event_registrations(event_id: int):
    event = db.session.get(Event, event_id) or abort(404)
    filters = _filters()
    desk_ids = visible_desk_ids(current_user)
    rows = services.search(event, desk_ids, **filters)
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
            _("That decision could not be applied: %(errors)s", errors="; ".join(sum(form.errors.values(), []))),
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
    )


@bp.get("/events/<int:event_id>/registrations.csv")
@login_required
def export_csv(event_id: int):
    event = db.session.get(Event, event_id) or abort(404)
    rows = services.search(event, visible_desk_ids(current_user), **_filters())
    return Response(
        registrations_csv(
            rows,
            attendance_headers(event) + attendance_detail_headers(event),
            lambda r: attendance_columns(event, r) + attendance_detail_columns(event, r),
        ),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{event.slug}-registrations.csv"'},
    )
