""" "Keep me logged in": a random token in a cookie of its own, stored hashed, replaced on every use.

Flask-Login's own remember cookie is not used: it holds the user id signed with the secret key, the same on
every login, and stays valid after logout and a password change.
"""

from flask import current_app, g
from flask_login import login_user

from app.accounts import services
from app.extensions import db

COOKIE = "eventdesk_remember"
DEFAULT_DAYS = 30


def _days() -> int:
    return int(current_app.config.get("REMEMBER_DAYS") or DEFAULT_DAYS)


def load_from_cookie(request):
    """Flask-Login's request loader: a visitor without a session but with a valid remember cookie is logged in,
    and the cookie's token is exchanged for a new one."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        found = services.use_remember_token(raw, _days())
        # The used token is gone whatever happened; a new one is stored when it worked.
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if found is None:
        # Not deleted here: a second tab racing this one may just have set the token that replaces it.
        return None
    coordinator, new_raw = found
    login_user(coordinator)
    g.remember_cookie = new_raw
    return coordinator


def remember(coordinator) -> None:
    """Give this browser a remember cookie for ``coordinator`` (the caller commits)."""
    g.remember_cookie = services.issue_remember_token(coordinator, _days())


def forget() -> None:
    """Remove the remember cookie from this browser."""
    g.remember_cookie = ""


def write_cookie(response):
    """After each request: set or delete the cookie as the request decided."""
    value = g.pop("remember_cookie", None)
    if value is None:
        return response
    config = current_app.config
    options = {
        "path": "/",
        "httponly": True,
        "secure": bool(config.get("REMEMBER_COOKIE_SECURE")),
        "samesite": config.get("REMEMBER_COOKIE_SAMESITE") or "Lax",
    }
    if value:
        response.set_cookie(COOKIE, value, max_age=_days() * 24 * 3600, **options)
    else:
        response.delete_cookie(COOKIE, **options)
    return response
