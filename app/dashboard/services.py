"""The coordinator's overview: what needs their attention."""

import sqlalchemy as sa

from app.events.services import published_events


def overview(user) -> dict:
    upcoming, _past = published_events()
    return {"upcoming": upcoming}
