from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.dashboard import services

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("/")
@login_required
def index():
    return render_template("dashboard/index.html", overview=services.overview(current_user))
