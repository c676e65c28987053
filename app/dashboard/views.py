from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from app.accounts.access import visible_desk_ids
from app.dashboard import insights as event_insights
from app.dashboard import services
from app.events.models import Event
from app.extensions import db

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("/")
@login_required
def index():
    return render_template("dashboard/index.html", overview=services.overview(current_user))


@bp.get("/events/<int:event_id>/charts")
@login_required
def insights(event_id: int):
    event = db.session.get(Event, event_id) or abort(404)
    return render_template(
        "dashboard/insights.html", event=event, data=event_insights.insights(event, visible_desk_ids(current_user))
    )
