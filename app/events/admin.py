from flask import Blueprint

bp = Blueprint("events_admin", __name__, url_prefix="/dashboard/events")


@bp.get("/")
def index():
    return "events"
