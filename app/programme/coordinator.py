"""Coordinators' programme pages of an event: agendas, speakers and meeting links per session, materials,
pictures, and follow-up messages to the participants (previewed with the number of recipients)."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.errors import DomainError
from app.events import services as events
from app.events.models import Event
from app.extensions import csrf, db
from app.forms import choices, prefix_ids
from app.i18n import _, ngettext
from app.programme import services
from app.programme.files import max_bytes
from app.programme.forms import (
    ActionForm,
    FileMaterialForm,
    FollowUpForm,
    LinkMaterialForm,
    PictureForm,
    SessionProgrammeForm,
    SpeakerForm,
)
from app.programme.models import GALLERY, Material, Picture, Speaker
from app.programme.responses import material_response
from app.registrations import services as registrations
from app.web import parse_id, show_errors

bp = Blueprint("programme_coordinator", __name__, url_prefix="/dashboard/events/<int:event_id>/programme")
# Uploads are larger than the site-wide MAX_CONTENT_LENGTH: the limit is raised for this blueprint before
# the form is read, and only then is the CSRF token checked (by the hook below, not the global one).
csrf.exempt(bp)

FORM_OVERHEAD = 1024 * 1024


@bp.before_request
def upload_limit_then_csrf():
    if request.method == "POST":
        request.max_content_length = max_bytes() + FORM_OVERHEAD
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()


def _event(event_id: int) -> Event:
    """Only the owning desk's coordinators and admins work on an event's programme."""
    event = db.session.get(Event, event_id)
    if event is None or not events.can_manage(current_user, event):
        abort(404)
    return event


def _session(event: Event, session_id: int):
    session = next((s for s in event.sessions if s.id == session_id), None)
    return session or abort(404)


def _session_choices(event: Event):
    pairs = [("", _("The whole event"))]
    for number, session in enumerate(event.sessions, 1):
        pairs.append((str(session.id), session.title or _("Session %(number)s", number=number)))
    return choices(pairs)


def _upload(form_field) -> tuple[bytes, str]:
    storage = form_field.data
    if storage is None or not getattr(storage, "filename", None):
        return b"", ""
    return storage.read(), storage.filename


def _overview(event: Event, **forms):
    link_form = forms.get("link_form") or LinkMaterialForm(formdata=None)
    file_form = forms.get("file_form") or FileMaterialForm(formdata=None)
    for form in (link_form, file_form):
        form.session_id.choices = _session_choices(event)
    cover_form = forms.get("cover_form") or PictureForm(formdata=None, credit=event.photo_credit)
    gallery_form = forms.get("gallery_form") or PictureForm(formdata=None)
    # One page, four forms with fields of the same names: ids apart, submitted names unchanged.
    for prefix, form in (
        ("link-", link_form),
        ("file-", file_form),
        ("cover-", cover_form),
        ("gallery-", gallery_form),
    ):
        prefix_ids(form, prefix)
    return render_template(
        "programme/coordinator/overview.html",
        event=event,
        programme=services.programme_of(event, public_only=False),
        follow_ups=services.follow_ups_of(event),
        link_form=link_form,
        file_form=file_form,
        cover_form=cover_form,
        gallery_form=gallery_form,
        action_form=ActionForm(),
    )


@bp.get("/")
@login_required
def overview(event_id: int):
    return _overview(_event(event_id))


@bp.route("/sessions/<int:session_id>", methods=["GET", "POST"])
@login_required
def session(event_id: int, session_id: int):
    event = _event(event_id)
    target = _session(event, session_id)
    form = SessionProgrammeForm(formdata=None, agenda=target.agenda, meeting_url=target.meeting_url)
    if request.method == "POST":
        form = SessionProgrammeForm()
        if form.validate_on_submit():
            try:
                updated = services.save_session_programme(target, form.agenda.data or "", form.meeting_url.data or "")
            except DomainError as error:
                db.session.rollback()
                show_errors(form, error)
            else:
                db.session.commit()
                if updated:
                    flash(_("Saved. Confirmed participants get a calendar update with the new agenda."), "success")
                else:
                    flash(_("Saved."), "success")
                return redirect(url_for(".session", event_id=event.id, session_id=target.id))
    return _session_page(event, target, form, SpeakerForm(formdata=None))


def _session_page(event, target, form, speaker_form, status: int = 200):
    notify = registrations.confirmed_count(event) if services.agenda_in_calendars(target) else 0
    prefix_ids(form, "session-")
    prefix_ids(speaker_form, "speaker-")
    return render_template(
        "programme/coordinator/session.html",
        event=event,
        session=target,
        number=event.sessions.index(target) + 1,
        form=form,
        speaker_form=speaker_form,
        speakers=services.speakers_by_session(event)[target.id],
        notify=notify,
        action_form=ActionForm(),
    ), status


@bp.post("/sessions/<int:session_id>/speakers")
@login_required
def add_speaker(event_id: int, session_id: int):
    event = _event(event_id)
    target = _session(event, session_id)
    form = SpeakerForm()
    if form.validate_on_submit():
        photo, _name = _upload(form.photo)
        try:
            services.add_speaker(
                target,
                services.SpeakerData(
                    name=form.name.data,
                    organisation=form.organisation.data or "",
                    role=form.role.data or "",
                    bio=form.bio.data or "",
                    photo=photo or None,
                ),
            )
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Speaker added."), "success")
            return redirect(url_for(".session", event_id=event.id, session_id=target.id))
    page = SessionProgrammeForm(formdata=None, agenda=target.agenda, meeting_url=target.meeting_url)
    return _session_page(event, target, page, form, 422)


@bp.post("/speakers/<int:speaker_id>/delete")
@login_required
def remove_speaker(event_id: int, speaker_id: int):
    event = _event(event_id)
    speaker = db.session.get(Speaker, speaker_id)
    if speaker is None or speaker.session.event_id != event.id:
        abort(404)
    session_id = speaker.session_id
    if ActionForm().validate_on_submit():
        services.remove_speaker(speaker)
        db.session.commit()
        flash(_("Speaker removed."), "success")
    return redirect(url_for(".session", event_id=event.id, session_id=session_id))


@bp.post("/materials/link")
@login_required
def add_link(event_id: int):
    event = _event(event_id)
    return _add_material(
        event,
        LinkMaterialForm(),
        "link_form",
        _("Link added."),
        lambda form, common: services.add_link(event, url=form.url.data, **common),
    )


@bp.post("/materials/file")
@login_required
def add_file(event_id: int):
    event = _event(event_id)

    def add(form, common):
        data, filename = _upload(form.file)
        return services.add_file(event, data=data, filename=filename, **common)

    return _add_material(event, FileMaterialForm(), "file_form", _("File uploaded."), add)


def _add_material(event: Event, form, form_name: str, done: str, add):
    """Validate a material form and store it with ``add(form, common fields)``; the overview with the form's
    errors otherwise."""
    form.session_id.choices = _session_choices(event)
    if form.validate_on_submit():
        common = {
            "title": form.title.data,
            "visibility": form.visibility.data,
            "session_id": parse_id(form.session_id.data),
            "coordinator": current_user,
        }
        try:
            add(form, common)
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(done, "success")
            return redirect(url_for(".overview", event_id=event.id, _anchor="materials"))
    return _overview(event, **{form_name: form}), 422


def _material(event: Event, material_id: int) -> Material:
    material = db.session.get(Material, material_id)
    if material is None or material.event_id != event.id:
        abort(404)
    return material


@bp.get("/materials/<int:material_id>")
@login_required
def open_material(event_id: int, material_id: int):
    return material_response(_material(_event(event_id), material_id), cache="private, no-store")


@bp.post("/materials/<int:material_id>/delete")
@login_required
def remove_material(event_id: int, material_id: int):
    event = _event(event_id)
    material = _material(event, material_id)
    if ActionForm().validate_on_submit():
        services.remove_material(material)
        db.session.commit()
        flash(_("Material removed."), "success")
    return redirect(url_for(".overview", event_id=event.id, _anchor="materials"))


def _add_picture(event_id: int, kind: str):
    event = _event(event_id)
    form = PictureForm()
    if form.validate_on_submit():
        data, _name = _upload(form.image)
        picture = services.PictureData(
            data=data, alt_text=form.alt_text.data, caption=form.caption.data or "", credit=form.credit.data or ""
        )
        try:
            if kind == GALLERY:
                services.add_gallery_picture(event, picture)
            else:
                services.set_cover(event, picture)
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Picture saved."), "success")
            return redirect(url_for(".overview", event_id=event.id, _anchor="pictures"))
    forms = {"gallery_form": form} if kind == GALLERY else {"cover_form": form}
    return _overview(event, **forms), 422


@bp.post("/pictures/cover")
@login_required
def set_cover(event_id: int):
    return _add_picture(event_id, "cover")


@bp.post("/pictures/gallery")
@login_required
def add_gallery_picture(event_id: int):
    return _add_picture(event_id, GALLERY)


@bp.post("/pictures/<int:picture_id>/delete")
@login_required
def remove_picture(event_id: int, picture_id: int):
    event = _event(event_id)
    picture = db.session.get(Picture, picture_id)
    if picture is None or picture.event_id != event.id:
        abort(404)
    if ActionForm().validate_on_submit():
        services.remove_picture(picture)
        db.session.commit()
        flash(_("Picture removed."), "success")
    return redirect(url_for(".overview", event_id=event.id, _anchor="pictures"))


@bp.route("/messages/new", methods=["GET", "POST"])
@login_required
def new_message(event_id: int):
    """Write a follow-up message, preview it with its number of recipients, then send it."""
    event = _event(event_id)
    form = FollowUpForm()
    form.audience.choices = choices(services.audience_choices(event))
    if request.method == "GET":
        if request.args.get("draft") == "materials":
            draft = services.materials_draft(event)
            form.subject.data, form.body.data = draft.subject, draft.body
        return render_template("programme/coordinator/message.html", event=event, form=form, preview=None)
    preview = None
    status = 200
    if form.validate_on_submit():
        try:
            audience = services.parse_audience(event, form.audience.data)
            if form.send.data:
                follow_up = services.send_follow_up(
                    event, audience, form.subject.data, form.body.data, coordinator=current_user
                )
                db.session.commit()
                flash(
                    ngettext(
                        "The message is on its way to %(num)d recipient.",
                        "The message is on its way to %(num)d recipients.",
                        follow_up.recipient_count,
                    ),
                    "success",
                )
                return redirect(url_for(".overview", event_id=event.id, _anchor="messages"))
            people = services.recipients(event, audience)
            preview = {"count": len(people), "first": people[0] if people else None}
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
            status = error.status
    else:
        status = 422
    return render_template("programme/coordinator/message.html", event=event, form=form, preview=preview), status
