"""The admin outbox page: what was sent, what waits, what failed; retry, cancel, send a test email."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.accounts.access import admin_required
from app.errors import DomainError
from app.extensions import db
from app.i18n import _, _l
from app.mail import services
from app.mail.forms import TestMessageForm
from app.mail.models import OutboxMessage
from app.web import page_number, safe_next

bp = Blueprint("mail", __name__)


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/dashboard/outbox")
@admin_required
def outbox():
    return _render_outbox(TestMessageForm())


@bp.post("/dashboard/outbox/test")
@admin_required
def send_test():
    form = TestMessageForm()
    if not form.validate_on_submit():
        return _render_outbox(form), 400
    message = services.queue_test_message(form.address.data, requested_by=current_user.name)
    db.session.commit()
    flash(_("Test email #%(id)d queued for %(address)s.", id=message.id, address=form.address.data), "success")
    return redirect(url_for("mail.outbox"))


@bp.get("/dashboard/outbox/<int:message_id>")
@admin_required
def detail(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template(
        "mail/outbox_message.html", message=message, next=_back(), message_actions=services.message_actions
    )


@bp.post("/dashboard/outbox/<int:message_id>/retry")
@admin_required
def retry(message_id: int):
    return _change(message_id, services.retry_message, _l("Message #%(id)d is queued again."))


@bp.post("/dashboard/outbox/<int:message_id>/cancel")
@admin_required
def cancel(message_id: int):
    return _change(message_id, services.cancel_message, _l("Message #%(id)d is cancelled."))


def _change(message_id: int, change, done):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    try:
        change(message, by=current_user.email)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(str(done) % {"id": message_id}, "success")
    return redirect(_back())


def _back() -> str:
    return safe_next(request.values.get("next"), url_for("mail.outbox"))


def _render_outbox(form: TestMessageForm):
    listing = services.outbox_listing(
        status=request.args.get("status", "all"),
        kind=request.args.get("kind") or None,
        page=page_number(request.args.get("page")),
    )
    # Where Retry and Cancel come back to: the same filters and page.
    here = url_for("mail.outbox", status=listing.status, kind=listing.kind, page=listing.messages.page)
    return render_template(
        "mail/outbox.html",
        listing=listing,
        form=form,
        filters=services.STATUS_FILTERS,
        here=here,
        message_actions=services.message_actions,
        relay=services.relay_status(),
    )
