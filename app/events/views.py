from flask import Blueprint

bp = Blueprint("events", __name__)


@bp.get("/")
def home():
    return "home"
