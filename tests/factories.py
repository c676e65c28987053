"""Factories for test data; each commits so that requests in other sessions see it."""

import socket
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.accounts import services as account_services
from app.accounts.models import Coordinator
from app.desks.models import Desk
from app.events import services as event_services
from app.events.models import Event
from app.extensions import db
from app.mail.models import OutboxMessage
from app.registrations import services as registration_services
from app.registrations import tokens
from app.registrations.models import CONFIRMED, PENDING_VERIFICATION, TOKEN_VERIFY, Registration

PASSWORD = "correct horse battery"

SEE_COUNTRIES = ["AL", "AM", "AZ", "BA", "GE", "MD", "ME", "MK", "RS", "UA", "XK"]


@dataclass
class Desks:
    tbilisi: Desk
    germany: Desk


def make_desk(name: str, city: str = "", countries=(), *, german: bool = False, default: bool = False) -> Desk:
    desk = Desk(name=name, city=city, is_german=german, is_default=default)
    desk.countries = list(countries)
    db.session.add(desk)
    db.session.commit()
    return desk


def standard_desks() -> Desks:
    return Desks(
        tbilisi=make_desk("Southeast Europe and Caucasus (Tbilisi)", "Tbilisi", SEE_COUNTRIES, default=True),
        germany=make_desk("Germany", "Berlin", ["DE"], german=True),
    )


def make_coordinator(email: str, name: str, desks, *, admin: bool = False, position: str = "") -> Coordinator:
    coordinator = account_services.save_coordinator(
        email=email, name=name, desks=list(desks), admin=admin, position=position, password=PASSWORD
    )
    db.session.commit()
    return coordinator


def make_event(
    desk: Desk,
    *,
    title: str = "Digitalisation of Municipal Services",
    zone: str = "Europe/Berlin",
    sessions=((datetime(2030, 10, 7, 13, 0), datetime(2030, 10, 7, 15, 30)),),
    publish: bool = True,
    **fields,
) -> Event:
    """An event with sessions given as (local start, local end[, title]) in ``zone``."""
    data = event_services.EventData(
        title=title,
        timezone=zone,
        desk_id=desk.id,
        sessions=[
            event_services.SessionData(title=s[2] if len(s) > 2 else "", local_start=s[0], local_end=s[1])
            for s in sessions
        ],
        **fields,
    )
    event = event_services.create_event(data)
    if publish:
        event_services.publish_event(event)
    db.session.commit()
    return event


def outbox(kind: str | None = None) -> list[OutboxMessage]:
    """Every outbox row (of ``kind``), oldest first."""
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def personal_pages(event: Event) -> list[str]:
    """A confirmed participant's personal page and a confirmation page, reached by their tokens."""
    confirmed = db.session.scalar(
        sa.select(Registration).where(Registration.event_id == event.id, Registration.status == CONFIRMED).limit(1)
    )
    manage = registration_services.new_manage_token(confirmed)
    pending = Registration(
        event=event,
        desk_id=event.desk_id,
        routing_reason="test",
        name="Ana Popescu",
        email="ana@example.md",
        email_normalized="ana@example.md",
        expert_type="international",
        timezone="Europe/Chisinau",
        calendar_uid="personal-pages",
        status=PENDING_VERIFICATION,
    )
    db.session.add(pending)
    db.session.flush()
    verify = tokens.issue(pending, TOKEN_VERIFY)
    db.session.commit()
    return [f"/r/{manage}", f"/r/confirm/{verify}"]
