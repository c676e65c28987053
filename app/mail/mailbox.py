from flask import Blueprint

bp = Blueprint("mailbox", __name__, url_prefix="/dev/mailbox")


@bp.get("/")
def index():
    return "The development mailbox is not built yet."
