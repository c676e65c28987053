"""The public contact page and the coordinators' inbox of contact requests."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import ratelimits
from app.actions import allowed
from app.contact import services
from app.contact.forms import ContactForm, InboxFilterForm, NoteForm, ReassignForm, StatusForm
from app.desks.models import EXPERT_TYPES
from app.desks.services import all_desks, public_directory
from app.errors import DomainError
from app.extensions import db
from app.i18n import _, _l
from app.web import page_number, reader_zone, show_errors

bp = Blueprint("contact", __name__)

DEFAULT_CONTACT_LIMIT = "5 per hour"
INBOX_PAGE_SIZE = 50


@bp.after_request
def no_store_for_coordinators(response):
    # The inbox carries people's messages and addresses: no shared or back-button cache.
    if request.path.startswith("/dashboard/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def _count_contact_post() -> None:
    """Contact requests per client address and per email address (CONTACT_RATE_LIMIT each); without an
    address there is nothing to count per address, and the per-client limit still applies."""
    limit = current_app.config.get("CONTACT_RATE_LIMIT", DEFAULT_CONTACT_LIMIT)
    email = (request.form.get("email") or "").strip().lower()
    ratelimits.count_post("contact", (limit, ratelimits.client_key()), (limit, ("email:" + email) if email else ""))


# --- Public contact page -----------------------------------------------------------------------------


@bp.route("/contact", methods=["GET", "POST"])
def contact():
    if request.method == "POST":
        _count_contact_post()
    form = ContactForm(event=services.published_event_by_slug(request.args.get("event")))
    if request.method == "POST" and form.is_bot:
        # Looks exactly like a real submission, so the bot learns nothing; nothing is stored or sent.
        return redirect(url_for("contact.contact_thanks"))
    if form.validate_on_submit():
        try:
            services.submit_contact_request(form.contact_data())
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            return redirect(url_for("contact.contact_thanks"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "contact/contact.html", contact_form=form, directory=public_directory(), expert_types=EXPERT_TYPES
    ), status


@bp.get("/contact/thanks")
def contact_thanks():
    return render_template("contact/contact_thanks.html")


# --- Coordinators' inbox -----------------------------------------------------------------------------


def _coordinator():
    # The services record who acted; they need the account itself, not the request-bound proxy.
    return current_user._get_current_object()


def _visible_request(request_id: int):
    return services.get_request(_coordinator(), request_id)


@bp.get("/dashboard/inbox")
@login_required
def inbox():
    filter_form = InboxFilterForm(services.inbox_event_choices(_coordinator()), formdata=request.args)
    page = db.paginate(
        services.inbox(_coordinator(), filter_form.filters()),
        page=page_number(request.args.get("page")),
        per_page=INBOX_PAGE_SIZE,
        error_out=False,
    )
    return render_template(
        "contact/inbox.html", page=page, filter_form=filter_form, zone=reader_zone("UTC"), expert_types=EXPERT_TYPES
    )


@bp.get("/dashboard/inbox/<int:request_id>")
@login_required
def request_detail(request_id: int):
    return _render_detail(_visible_request(request_id))


def _render_detail(contact, status: int = 200, **forms):
    other_desks = [d for d in all_desks() if d.id != contact.desk_id]
    forms.setdefault("note_form", NoteForm(formdata=None))
    forms.setdefault("status_form", StatusForm(formdata=None))
    forms.setdefault("reassign_form", ReassignForm(other_desks, formdata=None))
    actions = {a.name: a for a in allowed(services.request_actions(contact, _coordinator()))}
    return render_template(
        "contact/request_detail.html",
        request_=contact,
        actions=actions,
        zone=reader_zone("UTC"),
        expert_types=EXPERT_TYPES,
        action_labels=services.ACTION_LABELS,
        **forms,
    ), status


@bp.post("/dashboard/inbox/<int:request_id>/reassign")
@login_required
def reassign(request_id: int):
    contact = _visible_request(request_id)
    desks = all_desks()
    form = ReassignForm([d for d in desks if d.id != contact.desk_id])
    if not form.validate_on_submit():
        return _render_detail(contact, 400, reassign_form=form)
    to_desk = next(d for d in desks if d.id == form.desk.data)
    try:
        services.reassign_request(contact, to_desk, _coordinator(), form.note.data)
    except DomainError as error:
        db.session.rollback()
        show_errors(form, error)
        return _render_detail(contact, error.status, reassign_form=form)
    db.session.commit()
    flash(_("Passed to %(desk)s; its coordinators have been emailed.", desk=to_desk.name), "success")
    if current_user.is_admin or to_desk.id in current_user.desk_ids:
        return redirect(url_for("contact.request_detail", request_id=request_id))
    return redirect(url_for("contact.inbox"))


DONE = {
    "answered": _l("Marked as answered."),
    "close": _l("Closed."),
    "reopen": _l("Reopened."),
}


@bp.post("/dashboard/inbox/<int:request_id>/<any(answered, close, reopen):action>")
@login_required
def change_status(request_id: int, action: str):
    contact = _visible_request(request_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return _render_detail(contact, 400, status_form=form)
    try:
        services.change_status(contact, action, _coordinator(), form.note.data or "")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "warning")
    else:
        db.session.commit()
        flash(str(DONE[action]), "success")
    return redirect(url_for("contact.request_detail", request_id=request_id))


@bp.post("/dashboard/inbox/<int:request_id>/note")
@login_required
def add_note(request_id: int):
    contact = _visible_request(request_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _render_detail(contact, 400, note_form=form)
    try:
        services.add_note(contact, _coordinator(), form.note.data)
    except DomainError as error:
        db.session.rollback()
        show_errors(form, error)
        return _render_detail(contact, error.status, note_form=form)
    db.session.commit()
    flash(_("Note added."), "success")
    return redirect(url_for("contact.request_detail", request_id=request_id))
