"""Several workers at once: every message is claimed by one worker and sent exactly once."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.mail import services, worker
from app.mail.models import SENT, OutboxMessage
from app.types import utcnow


def queue_many(count: int) -> list[str]:
    ids = []
    for n in range(count):
        message = services.queue_email(kind="test", to=f"participant{n}@example.org", template="test_message")
        ids.append(message.message_id)
    db.session.commit()
    return ids


def run_in_threads(app, count: int, target) -> list:
    """Run ``target()`` in ``count`` threads released together, each with its own app context and session."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[index] = target()
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    assert errors == []
    return results


@pytest.mark.slow
def test_two_workers_send_500_messages_exactly_once(app, smtp_server):
    message_ids = queue_many(500)

    reports = run_in_threads(app, 2, worker.drain)

    sent_by_worker = [len(report.sent) for report in reports]
    assert sum(sent_by_worker) == 500
    assert all(count > 0 for count in sent_by_worker), sent_by_worker
    delivered = Counter(str(message["Message-ID"]) for message in smtp_server.messages)
    assert set(delivered) == set(message_ids)
    assert max(delivered.values()) == 1
    rows = db.session.execute(sa.select(OutboxMessage.status, OutboxMessage.attempts)).all()
    assert Counter(rows) == {(SENT, 1): 500}


def test_a_claimed_message_is_not_claimed_again_while_its_lease_holds(app):
    (message_id,) = queue_many(1)
    now = utcnow()

    first = worker.claim_next(now=now)

    assert first.message_id == message_id
    assert worker.claim_next(now=now + timedelta(seconds=app.config["MAIL_LEASE_SECONDS"] - 1)) is None
    again = worker.claim_next(now=first.lease_expires_at + timedelta(seconds=1))
    assert (again.id, again.message_id, again.attempts) == (first.id, message_id, 2)


def test_a_claim_skips_a_row_another_worker_has_locked(app):
    """PostgreSQL: FOR UPDATE SKIP LOCKED lets a second worker take the next row instead of waiting."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises claims with BEGIN IMMEDIATE instead of row locks")
    queue_many(2)
    first_id = db.session.scalar(sa.select(sa.func.min(OutboxMessage.id)))
    db.session.rollback()
    with db.engine.connect() as other_worker:
        other_worker.execute(sa.select(OutboxMessage.id).where(OutboxMessage.id == first_id).with_for_update())
        claimed: list = []
        thread = threading.Thread(target=lambda: claimed.append(_claim_in_own_context(app)))
        thread.start()
        thread.join(timeout=20)
        assert not thread.is_alive(), "the claim waited for the locked row"
        other_worker.rollback()
    assert claimed[0] is not None
    assert claimed[0].id != first_id


def _claim_in_own_context(app):
    with app.app_context():
        try:
            return worker.claim_next()
        finally:
            db.session.remove()


def test_transactions_racing_to_queue_the_same_dedup_key_queue_it_once(app, smtp_server):
    def queue_reminder():
        message = services.queue_email(
            kind="reminder", to="tamar@example.org", template="test_message", dedup_key="reminder:7:24h"
        )
        db.session.commit()
        return message is not None

    queued = run_in_threads(app, 8, queue_reminder)

    assert queued.count(True) == 1
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1
    worker.drain()
    assert len(smtp_server.messages) == 1
