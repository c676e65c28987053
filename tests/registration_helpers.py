"""Helpers for driving the public registration journey in tests."""

import re

import sqlalchemy as sa

from app.extensions import db
from app.mail.models import OutboxMessage

CONFIRM_LINK = re.compile(r"/r/confirm/([A-Za-z0-9_\-]+)")
MANAGE_LINK = re.compile(r"/r/([A-Za-z0-9_\-]{30,})")


def form_data(**overrides) -> dict:
    data = {
        "name": "Олена Коваленко",
        "email": "olena@example.org",
        "organisation": "Lviv City Council",
        "country": "UA",
        "position": "Digital officer",
        "expert_type": "international",
        "timezone": "Europe/Kyiv",
        "message": "",
        "consent": "y",
    }
    data.update(overrides)
    return data


def messages_to(address: str, kind: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.recipient.contains(address)).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    db.session.expire_all()
    return list(db.session.scalars(query))


def confirm_token(address: str) -> str:
    message = messages_to(address, "registration_confirm_email")[-1]
    return CONFIRM_LINK.search(message.text_body).group(1)


def register_and_confirm(client, event, **overrides):
    """Sign up through the form and confirm the email; returns the confirm response."""
    data = form_data(**overrides)
    response = client.post(f"/events/{event.slug}/register", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return client.post(f"/r/confirm/{confirm_token(data['email'])}")
