"""A sign-up checks the form against the event as it is now, from the parts each process keeps between the
event's changes (app.registrations.services.signup)."""

from datetime import timedelta

import sqlalchemy as sa

from app.desks import kept as kept_desks
from app.desks import services as desk_services
from app.desks.models import Desk
from app.events import services as event_services
from app.events.models import Event
from app.extensions import db
from app.mail.models import OutboxMessage
from app.mail.services import queue_email
from app.registrations import services, tokens
from app.registrations.models import AccessToken, Category, Registration, RegistrationTransition
from app.types import utcnow
from tests.factories import make_event
from tests.registration_helpers import CONFIRM_LINK, form_data, messages_to

PARTS = (
    "events",
    "event_sessions",
    "event_translations",
    "registration_rules",
    "registration_categories",
    "registration_questions",
    "desks",
)

# The event's version, read by every sign-up (and by the event page's facts where no process listens).
VERSION = "SELECT events.id, events.page_version"


class _Statements:
    def __init__(self):
        self.seen: list[str] = []

    def __enter__(self):
        sa.event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        sa.event.remove(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, *args):
        self.seen.append(" ".join(statement.split()))

    def reading(self, table: str) -> list[str]:
        reads = [s for s in self.seen if s.startswith("SELECT") and not s.startswith(VERSION)]
        return [s for s in reads if f" FROM {table} " in f"{s} "]


def _sign_up(client, event, email: str, **fields):
    return client.post(f"/events/{event.slug}/register", data=form_data(email=email, **fields))


def test_a_second_sign_up_reads_none_of_the_kept_parts(app, client, desks):
    event = make_event(desks.tbilisi)
    assert _sign_up(client, event, "first@example.org").status_code == 302
    url = f"/events/{event.slug}/register"
    with _Statements() as statements:
        assert client.post(url, data=form_data(email="second@example.org")).status_code == 302
    for table in PARTS:
        assert statements.reading(table) == [], table
    stored = db.session.scalar(sa.select(Registration).where(Registration.email == "second@example.org"))
    assert stored.status == "pending_verification"
    assert [t.to_status for t in stored.transitions] == ["pending_verification"]


def test_a_category_added_after_a_sign_up_is_asked_of_the_next(app, client, desks):
    event = make_event(desks.tbilisi)
    assert _sign_up(client, event, "first@example.org").status_code == 302
    category = services.save_category(event, services.CategoryData(name="Mayors"))
    db.session.commit()
    refused = _sign_up(client, event, "second@example.org")
    assert refused.status_code == 422
    assert "Choose how you take part." in refused.get_data(as_text=True)
    assert _sign_up(client, event, "second@example.org", category_id=str(category.id)).status_code == 302


def test_a_change_written_by_another_host_is_seen_by_the_next_sign_up(app, client, desks):
    """Another host's commit, as this process sees it: rows changed and the version raised, nothing announced."""
    event = make_event(desks.tbilisi)
    assert _sign_up(client, event, "first@example.org").status_code == 302
    db.session.execute(
        sa.insert(Category.__table__).values(event_id=event.id, name="Mayors", description="", position=1)
    )
    db.session.execute(sa.update(Event).where(Event.id == event.id).values(page_version=Event.page_version + 1))
    db.session.commit()
    assert _sign_up(client, event, "second@example.org").status_code == 422


def test_a_required_question_added_after_a_sign_up_is_asked_of_the_next(app, client, desks):
    event = make_event(desks.tbilisi)
    assert _sign_up(client, event, "first@example.org").status_code == 302
    question = services.save_question(
        event, services.QuestionData(kind="short_text", label="Your municipality's population", required=True)
    )
    db.session.commit()
    assert _sign_up(client, event, "second@example.org").status_code == 422
    answered = _sign_up(client, event, "second@example.org", **{question.field_name: "120000"})
    assert answered.status_code == 302
    stored = db.session.scalar(sa.select(Registration).where(Registration.email == "second@example.org"))
    assert [a.value for a in stored.answers] == ["120000"]


def test_a_limit_set_after_a_sign_up_holds_for_the_next(app, client, desks):
    event = make_event(desks.tbilisi)
    assert _sign_up(client, event, "first@example.org").status_code == 302
    services.save_rules(event, services.RulesData(organisation_limit=1))
    db.session.commit()
    refused = _sign_up(client, event, "second@example.org")
    assert refused.status_code == 422
    assert "the most this event takes from one organisation" in refused.get_data(as_text=True)
    assert _sign_up(client, event, "second@example.org", organisation="Odesa City Council").status_code == 302


def test_registration_closed_after_a_sign_up_refuses_the_next(app, client, desks):
    event = make_event(desks.tbilisi)
    assert _sign_up(client, event, "first@example.org").status_code == 302
    event.registration_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    refused = _sign_up(client, event, "second@example.org")
    assert refused.status_code == 302
    assert refused.headers["Location"].endswith(f"/events/{event.slug}")
    assert db.session.scalar(sa.select(Registration).where(Registration.email == "second@example.org")) is None


def test_an_event_unpublished_after_a_sign_up_takes_no_more(app, client, desks):
    event = make_event(desks.tbilisi)
    assert _sign_up(client, event, "first@example.org").status_code == 302
    event_services.unpublish_event(event)
    db.session.commit()
    assert _sign_up(client, event, "second@example.org").status_code == 404


def test_a_sign_up_stores_its_history_and_tokens_in_its_transaction(app, client, desks):
    event = make_event(desks.tbilisi)
    registration = services.register(event, services.RegistrationData(**_person("rollback@example.org")))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessToken)) == 2
    db.session.rollback()
    for model in (Registration, RegistrationTransition, AccessToken, OutboxMessage):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model
    registration = services.register(event, services.RegistrationData(**_person("kept@example.org")))
    db.session.commit()
    assert registration.transitions[0].actor == "participant"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessToken)) == 2


def test_an_email_with_a_key_already_queued_is_not_queued_again(app):
    message = {"kind": "test", "to": "someone@example.org", "template": "test_message", "context": _CONTEXT}
    first = queue_email(**message, dedup_key="once")
    again = queue_email(**message, dedup_key="once")
    assert first is not None and first.id is not None and again is None
    assert first.status == "queued" and first.subject
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1


_CONTEXT = {"requested_by": None, "requested_at": utcnow()}


def _person(email: str) -> dict:
    return {
        "name": "Nino Kapanadze",
        "email": email,
        "country": "GE",
        "expert_type": "international",
        "timezone": "Asia/Tbilisi",
        "organisation": "Kutaisi City Hall",
        "consent": True,
    }


def test_an_email_queued_in_a_savepoint_rolled_back_leaves_the_session(app):
    message = {"kind": "test", "to": "someone@example.org", "template": "test_message", "context": _CONTEXT}
    kept = queue_email(**message)
    savepoint = db.session.begin_nested()
    dropped = queue_email(**message)
    savepoint.rollback()
    assert dropped not in db.session and kept in db.session
    db.session.commit()
    assert list(db.session.scalars(sa.select(OutboxMessage.id))) == [kept.id]


def test_an_address_never_confirmed_in_time_signs_up_afresh(app, client, desks):
    event = make_event(desks.tbilisi)
    assert _sign_up(client, event, "late@example.org").status_code == 302
    hours = app.config["VERIFICATION_HOURS"]
    db.session.execute(sa.update(Registration).values(created_at=utcnow() - timedelta(hours=hours + 1)))
    db.session.commit()
    assert _sign_up(client, event, "late@example.org").status_code == 302
    statuses = db.session.scalars(sa.select(Registration.status).order_by(Registration.id))
    assert list(statuses) == ["expired", "pending_verification"]
    kinds = db.session.scalars(sa.select(OutboxMessage.kind).order_by(OutboxMessage.id))
    assert list(kinds) == ["registration_confirm_email", "registration_confirm_email"]


def _routing_version() -> int:
    return db.session.scalar(sa.select(kept_desks.version_column()))


def _stored(email: str) -> Registration:
    return db.session.scalar(sa.select(Registration).where(Registration.email == email))


def test_a_desk_changed_after_a_sign_up_routes_the_next(app, client, desks):
    event = make_event(desks.tbilisi)
    assert _sign_up(client, event, "first@example.org", country="UA").status_code == 302
    assert _stored("first@example.org").desk_id == desks.tbilisi.id
    before = _routing_version()
    kyiv = desk_services.save_desk(name="Ukraine (Kyiv)", city="Kyiv", countries=[])
    db.session.commit()
    assert _routing_version() == before + 1
    # Ukraine moves from the Tbilisi desk to the new one.
    desk_services.save_desk(
        name=desks.tbilisi.name,
        city=desks.tbilisi.city,
        countries=[c for c in desks.tbilisi.countries if c != "UA"],
        is_default=True,
        desk=desks.tbilisi,
    )
    desk_services.save_desk(name=kyiv.name, city=kyiv.city, countries=["UA"], desk=kyiv)
    db.session.commit()
    assert _sign_up(client, event, "second@example.org", country="UA").status_code == 302
    second = _stored("second@example.org")
    assert second.desk_id == kyiv.id
    assert second.routing_reason == "country UA covered by Ukraine (Kyiv)"


def test_a_desk_renamed_after_a_sign_up_signs_the_next_email(app, client, desks):
    event = make_event(desks.tbilisi)
    assert _sign_up(client, event, "first@example.org").status_code == 302
    desk_services.save_desk(
        name="Caucasus Desk", city="Tbilisi", countries=desks.tbilisi.countries, is_default=True, desk=desks.tbilisi
    )
    db.session.commit()
    assert _sign_up(client, event, "second@example.org").status_code == 302
    senders = db.session.scalars(sa.select(OutboxMessage.sender).order_by(OutboxMessage.id)).all()
    assert "Caucasus Desk via" not in senders[0] and "Caucasus Desk via" in senders[1]


def test_a_desk_change_written_by_another_host_routes_the_next_sign_up(app, client, desks):
    """Another host's commit: the desk's row changed and the routing version raised, nothing announced."""
    event = make_event(desks.tbilisi)
    assert _sign_up(client, event, "first@example.org", country="DE").status_code == 302
    assert _stored("first@example.org").desk_id == desks.germany.id
    db.session.execute(sa.update(Desk).where(Desk.id == desks.germany.id).values(is_german=False, country_codes=""))
    kept_desks.bump(db.session)
    db.session.commit()
    assert _sign_up(client, event, "second@example.org", country="DE").status_code == 302
    assert _stored("second@example.org").desk_id == desks.tbilisi.id


def test_only_a_change_to_a_desk_itself_raises_the_routing_version(app, desks, tbilisi_coordinator):
    before = _routing_version()
    tbilisi_coordinator.position = "Head of the desk"
    db.session.commit()
    assert _routing_version() == before
    db.session.delete(desks.germany)
    db.session.commit()
    assert _routing_version() == before + 1


def test_a_sign_up_stores_its_first_step_and_a_repeat_stores_none(app, client, desks):
    event = make_event(desks.tbilisi)
    assert _sign_up(client, event, "twice@example.org").status_code == 302
    assert _sign_up(client, event, "twice@example.org").status_code == 302
    (stored,) = db.session.scalars(sa.select(Registration)).all()
    (step,) = db.session.scalars(sa.select(RegistrationTransition)).all()
    assert (step.registration_id, step.from_status, step.to_status) == (stored.id, None, "pending_verification")
    assert (step.actor, step.message, step.created_at) == ("participant", "", stored.created_at)


def test_a_sign_up_writes_in_two_statements_on_postgresql_and_its_links_work(app, client, desks):
    event = make_event(desks.tbilisi)
    assert _sign_up(client, event, "first@example.org").status_code == 302
    with _Statements() as statements:
        assert _sign_up(client, event, "second@example.org").status_code == 302
    writes = [s for s in statements.seen if s.startswith(("INSERT", "WITH"))]
    # The registration with its first step; the email with its links' tokens. SQLite: one INSERT each.
    assert len(writes) == (2 if db.engine.dialect.name == "postgresql" else 4), writes
    token = CONFIRM_LINK.search(messages_to("second@example.org")[-1].text_body).group(1)
    assert client.post(f"/r/confirm/{token}").status_code == 302
    assert db.session.scalar(sa.select(Registration.status).where(Registration.email == "second@example.org")) in (
        "confirmed",
        "pending_approval",
    )


def test_what_is_queued_along_an_email_is_written_with_it_or_without_it(app, client, desks):
    event = make_event(desks.tbilisi)
    registration = services.register(event, services.RegistrationData(**_person("along@example.org")))
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AccessToken))
    message = {"kind": "test", "to": "along@example.org", "template": "test_message", "context": _CONTEXT}
    for dedup_key in ("along", "along"):  # queued, then already queued: the rows are written both times
        _raws, storing = tokens.prepare_many(registration, [("manage", None)])
        queue_email(**message, dedup_key=dedup_key, along=storing)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessToken)) == before + 2
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "test"))
        == 1
    )
