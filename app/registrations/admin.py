"""Coordinators' registration pages: the per-event table, decisions, the audit trail, CSV export."""

import csv
import io

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.accounts.access import can_see_desk, visible_desk_ids
from app.countries import COUNTRY_NAMES
from app.desks.models import EXPERT_TYPES, Desk
from app.events.models import Event
from app.extensions import db
from app.i18n import ngettext
from app.registrations import services
from app.registrations.forms import STATUS_FILTER_CHOICES, DecisionForm
from app.registrations.models import Registration
from app.web import safe_next

bp = Blueprint("registrations_admin", __name__, url_prefix="/dashboard")


def _filters() -> dict[str, str]:
    args = request.args
    return {key: (args.get(key) or "").strip()[:200] for key in ("status", "country", "expert_type", "desk", "q")}


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
        "registrations/admin/event.html",
        event=event,
        registrations=rows,
        filters=filters,
        counts=services.status_counts(event, desk_ids),
        failed_email=services.with_failed_email(rows),
        confirmed_total=services.confirmed_count(event),
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
    """Apply one decision to the chosen registrations (a single row's button posts one id)."""
    event = db.session.get(Event, event_id) or abort(404)
    form = DecisionForm()
    fallback = url_for(".event_registrations", event_id=event.id)
    back = safe_next(request.form.get("back"), fallback)
    target = back if back.startswith("/dashboard/") else fallback
    if not form.validate_on_submit():
        flash("That decision could not be applied: " + "; ".join(sum(form.errors.values(), [])), "error")
        return redirect(target)
    chosen = services.registrations_for_decision(event, form.ids.data or [], visible_desk_ids(current_user))
    if not chosen:
        flash("Choose at least one registration.", "warning")
        return redirect(target)
    changed = services.decide_many(chosen, form.decision.data, current_user, form.message.data or "")
    db.session.commit()
    skipped = len(chosen) - changed
    label = services.DECISIONS[form.decision.data].lower()
    flash(
        ngettext(
            "%(decision)s: %(num)d registration changed.",
            "%(decision)s: %(num)d registrations changed.",
            changed,
            decision=label.capitalize(),
        )
        + (
            " "
            + ngettext(
                "%(num)d was left as it was (the decision does not apply to its status).",
                "%(num)d were left as they were (the decision does not apply to their status).",
                skipped,
            )
            if skipped
            else ""
        ),
        "success" if changed else "warning",
    )
    return redirect(target)


@bp.get("/registrations/<int:registration_id>")
@login_required
def registration_detail(registration_id: int):
    registration = db.session.get(Registration, registration_id)
    if registration is None or not can_see_desk(current_user, registration.desk_id):
        abort(404)
    return render_template(
        "registrations/admin/detail.html",
        registration=registration,
        event=registration.event,
        form=DecisionForm(formdata=None),
        decisions=services.DECISIONS,
        emails=services.emails_for(registration),
    )


@bp.get("/events/<int:event_id>/registrations.csv")
@login_required
def export_csv(event_id: int):
    event = db.session.get(Event, event_id) or abort(404)
    rows = services.search(event, visible_desk_ids(current_user), **_filters())
    from app.calendar.attendance import attendance_columns, attendance_headers

    buffer = io.StringIO()
    # A BOM so that Excel reads the file as UTF-8 (Georgian, Cyrillic and German names intact).
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "Name",
            "Email",
            "Organisation",
            "Country",
            "Role",
            "Expert type",
            "Time zone",
            "Status",
            "Desk",
            "Email confirmed (UTC)",
            "Registered (UTC)",
            "Message",
            *attendance_headers(event),
        ]
    )
    for r in rows:
        writer.writerow(
            _cell(value)
            for value in [
                r.name,
                r.email,
                r.organisation,
                COUNTRY_NAMES.get(r.country, r.country),
                r.position,
                r.expert_type,
                r.timezone,
                r.status,
                r.desk.name,
                r.verified_at.strftime("%Y-%m-%d %H:%M") if r.verified_at else "",
                r.created_at.strftime("%Y-%m-%d %H:%M"),
                r.message,
                *attendance_columns(event, r),
            ]
        )
    return Response(
        buffer.getvalue().encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{event.slug}-registrations.csv"'},
    )


def _cell(value) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    value = "" if value is None else str(value)
    if value and value[0] in "=+-@\t\r|":
        return "'" + value
    return value
