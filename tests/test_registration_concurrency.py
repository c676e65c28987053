"""Seats and duplicates under concurrency: threads released together, each with its own connection."""

import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.mail.models import OutboxMessage
from app.registrations.models import Registration, RegistrationTransition
from tests.factories import make_event
from tests.registration_helpers import confirm_token, form_data

# Enough pooled connections for every thread to hold its own.
POOL = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 60, "max_overflow": 0, "pool_timeout": 60}}


def run_together(count: int, work) -> list:
    """Run work(i) in ``count`` threads released at once by a barrier; return results in index order."""
    # End the test's own transaction: on SQLite it would hold the write lock the threads queue for.
    db.session.commit()
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def target(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


@pytest.mark.app_config(**POOL)
def test_fifty_registrations_for_ten_seats(app, desks):
    event = make_event(desks.tbilisi, capacity=10)
    slug = event.slug

    def sign_up(i):
        client = app.test_client()
        email = f"person{i}@example.org"
        first = client.post(f"/events/{slug}/register", data=form_data(email=email, name=f"Person {i}"))
        with app.app_context():
            token = confirm_token(email)
        second = client.post(f"/r/confirm/{token}")
        return first.status_code, second.status_code

    codes = run_together(50, sign_up)
    assert all(code < 500 for pair in codes for code in pair), codes
    db.session.expire_all()
    registrations = db.session.scalars(sa.select(Registration)).all()
    confirmed = [r for r in registrations if r.status == "confirmed"]
    waitlisted = [r for r in registrations if r.status == "waitlisted"]
    assert len(confirmed) == 10
    assert len(waitlisted) == 40
    # Arrival order of email confirmation: every seat went to someone who confirmed before anyone waitlisted.
    assert max(r.verified_at for r in confirmed) <= min(r.verified_at for r in waitlisted)
    decided = db.session.scalars(
        sa.select(RegistrationTransition)
        .where(RegistrationTransition.to_status.in_(["confirmed", "waitlisted"]))
        .order_by(RegistrationTransition.id)
    ).all()
    assert [t.to_status for t in decided] == ["confirmed"] * 10 + ["waitlisted"] * 40
    assert [t.registration.verified_at for t in decided] == sorted(t.registration.verified_at for t in decided)


@pytest.mark.app_config(**POOL)
def test_twenty_submissions_with_one_email(app, desks):
    event = make_event(desks.tbilisi, capacity=10)
    slug = event.slug

    def submit(i):
        response = app.test_client().post(f"/events/{slug}/register", data=form_data(email="same@example.org"))
        return response.status_code, response.location, response.get_data()

    responses = run_together(20, submit)
    assert len(set(responses)) == 1, {r[:2] for r in responses}
    assert responses[0][0] == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1
    kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
    assert kinds.count("registration_confirm_email") == 1
    assert kinds.count("registration_already_registered") == 19


@pytest.mark.app_config(**POOL)
def test_cancellation_racing_registrations(app, desks):
    from app.registrations import services

    event = make_event(desks.tbilisi, capacity=3)
    slug = event.slug
    seed_client = app.test_client()
    # Three seats taken, two on the waitlist.
    for i in range(5):
        email = f"early{i}@example.org"
        seed_client.post(f"/events/{slug}/register", data=form_data(email=email))
        seed_client.post(f"/r/confirm/{confirm_token(email)}")
    db.session.expire_all()
    leaver = db.session.scalar(sa.select(Registration).where(Registration.email_normalized == "early0@example.org"))
    leaver_id = leaver.id
    newcomers = {}
    for i in range(10):
        email = f"late{i}@example.org"
        seed_client.post(f"/events/{slug}/register", data=form_data(email=email))
        newcomers[i] = confirm_token(email)

    def act(i):
        if i == 10:
            with app.app_context():
                registration = db.session.get(Registration, leaver_id)
                services.cancel_by_participant(registration)
                db.session.commit()
            return "cancelled"
        return app.test_client().post(f"/r/confirm/{newcomers[i]}").status_code

    results = run_together(11, act)
    assert all(r == "cancelled" or r < 500 for r in results)
    db.session.expire_all()
    statuses = [r.status for r in db.session.scalars(sa.select(Registration))]
    assert statuses.count("confirmed") == 3
    early1 = db.session.scalar(sa.select(Registration).where(Registration.email_normalized == "early3@example.org"))
    assert early1.status == "confirmed"  # the head of the waitlist, promoted
    promotions = db.session.scalars(
        sa.select(RegistrationTransition).where(
            RegistrationTransition.to_status == "confirmed", RegistrationTransition.actor == "system"
        )
    ).all()
    assert len(promotions) == 1


@pytest.mark.app_config(**POOL)
def test_two_coordinators_approving_at_once(app, desks):
    from tests.factories import make_coordinator

    event = make_event(desks.tbilisi, approval_required=True)
    client = app.test_client()
    client.post(f"/events/{event.slug}/register", data=form_data())
    client.post(f"/r/confirm/{confirm_token('olena@example.org')}")
    registration_id = db.session.scalar(sa.select(Registration.id))
    coordinators = [make_coordinator(f"c{i}@example.org", f"Coordinator {i}", [desks.tbilisi]) for i in range(2)]
    clients = []
    for coordinator in coordinators:
        c = app.test_client()
        c.post("/login", data={"email": coordinator.email, "password": "correct horse battery"})
        clients.append(c)
    event_id = event.id

    def approve(i):
        return (
            clients[i]
            .post(
                f"/dashboard/events/{event_id}/registrations/decide",
                data={"decision": "approve", "ids": [str(registration_id)]},
            )
            .status_code
        )

    assert run_together(2, approve) == [302, 302]
    db.session.expire_all()
    transitions = db.session.scalars(
        sa.select(RegistrationTransition).where(RegistrationTransition.to_status == "confirmed")
    ).all()
    assert len(transitions) == 1
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "registration_confirmed")
        )
        == 1
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_sign_up_that_counts_nothing_does_not_wait_for_the_event_lock(app, desks):
    """A seat decision holds the event's row lock; a sign-up awaiting confirmation (no limit, code or invitation)
    takes no seat and must go through meanwhile: FOR NO KEY UPDATE lets its insert refer to the event."""
    from app.registrations.services.common import lock_event

    event = make_event(desks.tbilisi, capacity=10)
    slug, event_id = event.slug, event.id
    db.session.commit()
    with app.app_context():
        lock_event(event_id)  # held by this context's session until it ends
        answers: list = []

        def sign_up():
            with app.app_context():
                db.session.execute(sa.text("SET lock_timeout = '5s'"))
                db.session.commit()
                answers.append(app.test_client().post(f"/events/{slug}/register", data=form_data()).status_code)

        thread = threading.Thread(target=sign_up)
        thread.start()
        thread.join(timeout=30)
        db.session.rollback()
    assert answers == [302]
    db.session.expire_all()
    assert db.session.scalar(sa.select(Registration.status)) == "pending_verification"


def test_a_code_use_counts_only_for_a_stored_registration(app, desks, monkeypatch):
    """Two sign-ups with one address at once: the one that loses the unique index uses no code."""
    from app.registrations import services
    from app.registrations.services import participants

    event = make_event(desks.tbilisi, capacity=10)
    code = services.create_code(event, None, "MAYORS-2030", max_uses=5, expires_at=None)
    db.session.commit()
    first = services.register(event, participants.RegistrationData(**_data("twice@example.org")))
    db.session.commit()
    assert first.status == "pending_verification"
    # The second sign-up does not see the first (as if it had committed a moment later) and meets the index.
    real, calls = participants.find_active, []

    def find_active(*args):
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(participants, "find_active", find_active)
    again = services.register(event, participants.RegistrationData(**_data("twice@example.org"), code="mayors-2030"))
    db.session.commit()
    assert again.id == first.id
    db.session.refresh(code)
    assert code.uses == 0


def _data(email: str) -> dict:
    return {
        "name": "Amra Hadžić",
        "email": email,
        "country": "BA",
        "expert_type": "international",
        "timezone": "Europe/Sarajevo",
        "organisation": "City of Mostar",
        "consent": True,
    }
