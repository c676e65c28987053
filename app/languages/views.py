"""The language switcher on every page: a small form that remembers the choice, without JavaScript."""

from flask import Blueprint, make_response, redirect, request, url_for
from flask_login import current_user

from app import locales
from app.accounts.services import set_language
from app.extensions import db
from app.web import safe_next

bp = Blueprint("languages", __name__)

COOKIE_MAX_AGE = 365 * 24 * 3600


@bp.post("/preferences/language")
def choose():
    """Remember the chosen language in a cookie (and on a signed-in coordinator's account), then go back."""
    target = safe_next(request.form.get("next"), url_for("events.home"))
    language = locales.normalize(request.form.get("language"))
    if language is None or locales.LANGUAGES.get(language) is None:
        return redirect(target)
    if current_user.is_authenticated:
        set_language(current_user, language)
        db.session.commit()
    response = make_response(redirect(target))
    response.set_cookie(locales.LANGUAGE_COOKIE, language, max_age=COOKIE_MAX_AGE, samesite="Lax")
    return response
