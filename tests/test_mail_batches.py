"""The worker claims and marks messages in batches, and keeps the lease and exactly-once guarantees."""

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.mail import services, worker
from app.mail.models import QUEUED, SENDING, SENT, OutboxMessage
from app.types import utcnow


def queue_many(count: int) -> list[str]:
    ids = [
        services.queue_email(kind="test", to=f"participant{n}@example.org", template="test_message").message_id
        for n in range(count)
    ]
    db.session.commit()
    return ids


def statuses() -> Counter:
    db.session.expire_all()
    return Counter(db.session.execute(sa.select(OutboxMessage.status, OutboxMessage.attempts)).all())


@pytest.mark.app_config(MAIL_BATCH_SIZE=10)
def test_a_drain_sends_every_message_once_in_batches(app, smtp_server, monkeypatch):
    message_ids = queue_many(25)
    claims, marks = [], []
    # Sent messages are also marked each second of a batch: a slow machine would mark more often.
    monkeypatch.setattr(worker, "MARK_SENT_EVERY_SECONDS", 3600.0)
    claim_batch, mark_sent = worker.claim_batch, worker._mark_sent
    monkeypatch.setattr(worker, "claim_batch", lambda **kw: claims.append(kw["size"]) or claim_batch(**kw))
    monkeypatch.setattr(worker, "_mark_sent", lambda mails, now: marks.append(len(mails)) or mark_sent(mails, now))

    report = worker.drain()

    assert len(report.sent) == 25
    assert claims == [10, 10, 10, 10]  # the last claim finds nothing
    assert sum(marks) == 25 and len(marks) <= 5
    assert Counter(str(m["Message-ID"]) for m in smtp_server.messages) == Counter(message_ids)
    assert statuses() == {(SENT, 1): 25}


@pytest.mark.app_config(MAIL_BATCH_SIZE=10)
def test_messages_not_tried_are_given_back_when_the_relay_is_unreachable(app):
    queue_many(5)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens there

    report = worker.drain()

    assert report.relay_error
    assert [o.status for o in report.outcomes] == ["retry"]
    # The one tried waits for its retry; the four others were given back untried, with no attempt counted.
    assert statuses() == {(QUEUED, 1): 1, (QUEUED, 0): 4}
    assert db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.lease_expires_at.is_not(None))) == 0


@pytest.mark.app_config(MAIL_BATCH_SIZE=10, MAIL_LEASE_SECONDS=300, MAIL_TIMEOUT=30)
def test_no_message_is_sent_when_its_lease_could_run_out_while_sending(app, smtp_server, monkeypatch):
    queue_many(4)
    start = utcnow()
    claimed = worker.claim_batch(now=start, size=10)
    assert len(claimed) == 4
    report = worker.DrainReport()
    clock = [start]
    monkeypatch.setattr(worker, "utcnow", lambda: clock[0])

    def after_each(outcome):
        # After two messages, the lease has less than two MAIL_TIMEOUTs left.
        if len(report.outcomes) == 2:
            clock[0] = start + timedelta(seconds=250)

    from app.mail.transport import SMTPRelay

    with SMTPRelay(app.config) as relay:
        worker._send_batch(claimed, relay, report, now=None, should_stop=None, on_outcome=after_each)

    assert len(smtp_server.messages) == len(report.sent) == 2
    assert statuses() == {(SENT, 1): 2, (QUEUED, 0): 2}


@pytest.mark.app_config(MAIL_BATCH_SIZE=50)
def test_stopping_gives_back_the_rest_of_the_batch(app, smtp_server):
    queue_many(6)
    seen = []

    report = worker.drain(should_stop=lambda: len(seen) >= 2, on_outcome=seen.append)

    assert len(report.sent) == 2
    assert statuses() == {(SENT, 1): 2, (QUEUED, 0): 4}


def test_a_batch_mark_leaves_rows_another_worker_took_over(app, smtp_server):
    queue_many(2)
    start = utcnow()
    late = worker.claim_batch(now=start, size=2)
    after_lease = late[0].lease_expires_at + timedelta(seconds=1)
    taken = worker.claim_batch(now=after_lease, only_id=late[0].id, size=1)
    assert [m.attempts for m in taken] == [2]

    worker._mark_sent(late, start)

    db.session.expire_all()
    rows = {r.id: (r.status, r.attempts) for r in db.session.scalars(sa.select(OutboxMessage))}
    assert rows == {late[0].id: (SENDING, 2), late[1].id: (SENT, 1)}
