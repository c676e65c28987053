"""Personal links of a registration: each call issues a new token (only its hash is stored)."""

from app.registrations import tokens
from app.registrations.models import TOKEN_JOIN, TOKEN_MANAGE, TOKEN_VERIFY, Registration
from app.web import external_url_for


def access_link(registration: Registration) -> str:
    """A new personal access link; every email carries its own."""
    return external_url_for("calendar.join", token=tokens.issue(registration, TOKEN_JOIN))


def manage_link(registration: Registration) -> str:
    """A new link to the participant's own page (change their zone, cancel)."""
    return external_url_for("registrations.participant", token=tokens.issue(registration, TOKEN_MANAGE))


def confirmation_link(registration: Registration, expires_at) -> str:
    """A new email confirmation link, valid until ``expires_at``."""
    return external_url_for(
        "registrations.confirm", token=tokens.issue(registration, TOKEN_VERIFY, expires_at=expires_at)
    )
