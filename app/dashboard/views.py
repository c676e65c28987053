from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField

from app.accounts.access import visible_desk_ids
from app.dashboard import digest, services
from app.dashboard import insights as event_insights
from app.errors import DomainError
from app.events.models import Event
from app.extensions import db
from app.forms import choices
from app.i18n import _, _l

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("/")
@login_required
def index():
    return render_template("dashboard/index.html", overview=services.overview(current_user))


class DigestForm(FlaskForm):
    frequency = RadioField(_l("Send me the digest"), choices=choices(digest.FREQUENCIES.items()))
    submit = SubmitField(_l("Save"))


@bp.route("/digest", methods=["GET", "POST"])
@login_required
def digest_settings():
    form = DigestForm(data={"frequency": current_user.digest})
    if form.validate_on_submit():
        try:
            digest.set_frequency(current_user, form.frequency.data)
        except DomainError as error:
            db.session.rollback()
            form.frequency.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Your digest setting is saved."), "success")
            return redirect(url_for("dashboard.digest_settings"))
    return render_template("dashboard/digest.html", form=form)


@bp.get("/events/<int:event_id>/charts")
@login_required
def insights(event_id: int):
    event = db.session.get(Event, event_id) or abort(404)
    return render_template(
        "dashboard/insights.html", event=event, data=event_insights.insights(event, visible_desk_ids(current_user))
    )
