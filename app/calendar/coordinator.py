"""Coordinators' attendance pages: a list per session to tick by hand, and platform reports to upload,
review and record. Each coordinator works on the participants of their own desks (admins: everyone)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.accounts.access import visible_desk_ids
from app.calendar import attendance
from app.calendar.forms import ApplyImportForm, DiscardImportForm, MarkAttendanceForm, ReportUploadForm
from app.calendar.models import IMPORT_PENDING, AttendanceImport
from app.errors import DomainError
from app.events.models import Event, EventSession
from app.extensions import db
from app.i18n import _
from app.web import parse_id, show_errors

bp = Blueprint("attendance", __name__, url_prefix="/dashboard")


def _session_or_404(event: Event, session_id: int) -> EventSession:
    session = db.session.get(EventSession, session_id)
    if session is None or session.event_id != event.id:
        abort(404)
    return session


def _render(event: Event, upload_form=None, status: int = 200):
    desk_ids = visible_desk_ids(current_user)
    lists = []
    for session in event.sessions:
        rows = attendance.marking_list(session, desk_ids)
        lists.append((session, rows, sum(1 for _r, record in rows if record is not None and record.present)))
    return render_template(
        "calendar/coordinator/attendance.html",
        event=event,
        lists=lists,
        mark_form=MarkAttendanceForm(formdata=None),
        upload_form=upload_form or ReportUploadForm(formdata=None),
    ), status


@bp.get("/events/<int:event_id>/attendance")
@login_required
def event_attendance(event_id: int):
    event = db.session.get(Event, event_id) or abort(404)
    return _render(event)


@bp.post("/events/<int:event_id>/sessions/<int:session_id>/attendance")
@login_required
def mark(event_id: int, session_id: int):
    """Save the ticks of one session's list: ticked are present by hand, unticked are not."""
    event = db.session.get(Event, event_id) or abort(404)
    session = _session_or_404(event, session_id)
    if not MarkAttendanceForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for(".event_attendance", event_id=event.id))
    present = {n for n in (parse_id(v) for v in request.form.getlist("present")) if n}
    marked, unmarked = attendance.mark_session(
        session, present, visible_desk_ids(current_user), current_user._get_current_object()
    )
    db.session.commit()
    flash(
        _("Attendance saved: %(marked)s marked present, %(unmarked)s unmarked.", marked=marked, unmarked=unmarked),
        "success",
    )
    return redirect(url_for(".event_attendance", event_id=event.id, _anchor=f"session-{session.id}"))


@bp.post("/events/<int:event_id>/attendance/report")
@login_required
def upload(event_id: int):
    event = db.session.get(Event, event_id) or abort(404)
    form = ReportUploadForm()
    session = _session_or_404(event, parse_id(request.form.get("session_id")) or 0)
    if not form.validate_on_submit():
        return _render(event, form, 422)
    data = form.report.data.read()
    try:
        record = attendance.start_import(
            session, data, form.report.data.filename, visible_desk_ids(current_user), current_user._get_current_object()
        )
    except DomainError as error:
        db.session.rollback()
        show_errors(form, error)
        return _render(event, form, 422)
    db.session.commit()
    return redirect(url_for(".review", import_id=record.id))


def _import_or_404(import_id: int) -> AttendanceImport:
    """An uploaded report, for the coordinator who uploaded it (it names their desks' participants) or an admin."""
    record = db.session.get(AttendanceImport, import_id)
    if record is None or not (current_user.is_admin or record.coordinator_id == current_user.id):
        abort(404)
    return record


@bp.get("/attendance-imports/<int:import_id>")
@login_required
def review(import_id: int):
    record = _import_or_404(import_id)
    matches = attendance.import_matches(record)
    return render_template(
        "calendar/coordinator/review.html",
        record=record,
        event=record.session.event,
        session=record.session,
        matches=matches,
        by_email=[m for m in matches if m.kind == attendance.MATCH_EMAIL],
        by_name=[m for m in matches if m.kind == attendance.MATCH_NAME],
        unmatched=[m for m in matches if not m.matched],
        outside=attendance.outside_session(record),
        apply_form=ApplyImportForm(formdata=None),
        discard_form=DiscardImportForm(formdata=None),
        pending=record.status == IMPORT_PENDING,
    )


@bp.post("/attendance-imports/<int:import_id>/apply")
@login_required
def apply(import_id: int):
    record = _import_or_404(import_id)
    event = record.session.event
    if not ApplyImportForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for(".review", import_id=record.id))
    chosen = {n for n in (parse_id(v) for v in request.form.getlist("confirm")) if n}
    try:
        count = attendance.apply_import(record, chosen, visible_desk_ids(current_user))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".review", import_id=record.id))
    db.session.commit()
    flash(_("Attendance recorded from the report for %(count)s participants.", count=count), "success")
    return redirect(url_for(".event_attendance", event_id=event.id))


@bp.post("/attendance-imports/<int:import_id>/discard")
@login_required
def discard(import_id: int):
    record = _import_or_404(import_id)
    event = record.session.event
    if DiscardImportForm().validate_on_submit():
        try:
            attendance.discard_import(record)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The report was discarded; nothing was recorded."), "success")
    return redirect(url_for(".event_attendance", event_id=event.id))
