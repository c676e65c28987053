"""Personal links of a registration: each call issues new tokens (only their hashes are stored)."""

from dataclasses import dataclass
from datetime import datetime

from app.registrations import tokens
from app.registrations.models import TOKEN_JOIN, TOKEN_MANAGE, TOKEN_VERIFY, Registration
from app.rows import Prepared
from app.web import external_url_for


@dataclass(frozen=True)
class PersonalLinks:
    access_url: str | None = None
    manage_url: str | None = None
    verify_url: str | None = None
    # With ``stored=False``: the statement that stores their tokens, for the caller to run.
    storing: Prepared | None = None


def personal_links(
    registration: Registration,
    *,
    access: bool = False,
    manage: bool = False,
    verify_until: datetime | None = None,
    stored: bool = True,
) -> PersonalLinks:
    """New links for one email, their tokens stored in one statement: the personal access link (``access``),
    the participant's own page (``manage``) and the email confirmation valid until ``verify_until``.

    ``stored=False``: the statement is not run but returned (``storing``): the links work once the caller has
    run it, in the same transaction as the email that carries them (``queue_email``'s ``along``)."""
    wanted = [
        (field, purpose, expires_at, endpoint)
        for asked, field, purpose, expires_at, endpoint in (
            (access, "access_url", TOKEN_JOIN, None, "calendar.join"),
            (manage, "manage_url", TOKEN_MANAGE, None, "registrations.participant"),
            (verify_until is not None, "verify_url", TOKEN_VERIFY, verify_until, "registrations.confirm"),
        )
        if asked
    ]
    if not wanted:
        return PersonalLinks()
    raws, storing = tokens.prepare_many(registration, [(purpose, expires_at) for _f, purpose, expires_at, _e in wanted])
    if stored:
        storing.run()
    return PersonalLinks(
        **{
            field: external_url_for(endpoint, token=raw)
            for (field, _purpose, _expires_at, endpoint), raw in zip(wanted, raws, strict=True)
        },
        storing=None if stored else storing,
    )


def access_link(registration: Registration) -> str:
    """A new personal access link; every email carries its own."""
    return personal_links(registration, access=True).access_url


def manage_link(registration: Registration) -> str:
    """A new link to the participant's own page (change their zone, cancel)."""
    return personal_links(registration, manage=True).manage_url
