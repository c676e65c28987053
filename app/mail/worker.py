"""The outbox worker: claim a due message, send it outside any transaction, record what happened.

A claim is a short transaction that moves one row to ``sending`` with a lease (``lease_expires_at``) and counts
the attempt. While the lease holds no other worker takes the row: PostgreSQL skips rows another claim has
locked (``FOR UPDATE SKIP LOCKED``) and re-checks the condition on rows that changed meanwhile; SQLite opens
every transaction with ``BEGIN IMMEDIATE``, so claims are serial. A worker that dies after the relay accepted
a message but before recording it leaves the row in ``sending``; once the lease has passed, the row is sent
again with the same Message-ID, so the recipient's client shows one message.

Outcomes are written with a conditional UPDATE fenced by the claim (id, status, attempts, lease): a worker
whose lease ran out and whose row was taken over cannot overwrite the newer claim's result.

Rows are claimed in batches (MAIL_BATCH_SIZE, one SELECT ... FOR UPDATE SKIP LOCKED and one UPDATE for the
batch) and marked sent in batches (one fenced UPDATE for the messages the relay accepted, at least once a
second and at the end of each batch): the database round trips per message are what a drain spends most of
its time on otherwise. The lease still holds for every message: before each send the worker checks that the
batch's lease has time left for it (MAIL_TIMEOUT), and gives back the rows it has not tried (attempt not
counted) when it has not, when it stops, or when the relay cannot be reached. A worker that dies loses at
most the marks of the last second's messages, which are sent once more after the lease, with the same
Message-ID.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.mail.message import MessageError, OutgoingMail, build_message, envelope_addresses
from app.mail.metrics import MAIL_ATTEMPTS
from app.mail.models import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from app.mail.services import record_relay_failure, record_relay_success, scrub_if_marked
from app.mail.transport import DeliveryError, RelayUnavailable, SMTPRelay
from app.types import utcnow

log = logging.getLogger(__name__)

# Callables run on every loop of `flask mail worker`, before the outbox is drained (reminders, expiry, ...).
# Each runs in the worker's app context, commits its own work, and must be cheap, idempotent and safe when
# several workers run it at the same time. A job that raises is logged and the worker carries on.
PERIODIC_JOBS: list[Callable[[], object]] = []

DEFAULT_BACKOFF_CAP_SECONDS = 3600
DEFAULT_GIVE_UP_AFTER_SECONDS = 3 * 24 * 3600
MAX_ERROR_LENGTH = 2000

OUTCOME_SENT = "sent"
OUTCOME_RETRY = "retry"
OUTCOME_FAILED = "failed"
OUTCOME_TAKEN_OVER = "taken over"

# Messages the relay accepted are recorded as sent at least this often (and at the end of every batch).
MARK_SENT_EVERY_SECONDS = 1.0


@dataclass(frozen=True)
class Outcome:
    """What one attempt did with one message."""

    id: int
    kind: str
    recipient: str
    subject: str
    status: str
    attempts: int
    error: str = ""
    next_attempt_at: datetime | None = None


@dataclass
class DrainReport:
    outcomes: list[Outcome] = field(default_factory=list)
    # Set when the drain stopped early because the relay could not be reached.
    relay_error: str | None = None

    def with_status(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def sent(self) -> list[Outcome]:
        return self.with_status(OUTCOME_SENT)

    @property
    def retrying(self) -> list[Outcome]:
        return self.with_status(OUTCOME_RETRY)

    @property
    def failed(self) -> list[Outcome]:
        return self.with_status(OUTCOME_FAILED)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: MAIL_BACKOFF_SECONDS doubled each time, capped."""
    config = current_app.config
    base = config["MAIL_BACKOFF_SECONDS"]
    cap = config.get("MAIL_BACKOFF_MAX_SECONDS", DEFAULT_BACKOFF_CAP_SECONDS)
    # The exponent is bounded so that a large attempt count cannot build a huge integer.
    return timedelta(seconds=min(base * 2 ** min(max(attempts - 1, 0), 32), cap))


_outbox = OutboxMessage.__table__


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(OutboxMessage.status == QUEUED, OutboxMessage.next_attempt_at <= now),
        sa.and_(OutboxMessage.status == SENDING, OutboxMessage.lease_expires_at < now),
    )


def count_due(now: datetime | None = None) -> int:
    """How many messages a drain started now would try."""
    count = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(_due(now or utcnow())))
    db.session.rollback()
    return count or 0


def claim_batch(
    *, now: datetime | None = None, only_id: int | None = None, size: int = 1
) -> list[OutgoingMail | Outcome]:
    """Claim up to ``size`` due messages for this worker, under one lease, and commit.

    A row whose lease ran out after its last allowed attempt is marked failed instead, and its Outcome
    returned in its place: a message that stops the worker every time must not be retried for ever.

    The rows are read as plain rows (locked, ``FOR UPDATE SKIP LOCKED``) and claimed by one UPDATE of their ids:
    loading them as objects and flushing each one's changes cost a drain more than the reference's whole read.
    """
    now = now or utcnow()
    query = (
        sa.select(_outbox)
        .where(_due(now))
        .order_by(_outbox.c.next_attempt_at, _outbox.c.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    )
    if only_id is not None:
        query = query.where(_outbox.c.id == only_id)
    claimed: list[OutgoingMail | Outcome] = []
    try:
        rows = db.session.execute(query).all()
        if not rows:
            db.session.rollback()
            return claimed
        max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
        lease = now + timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])
        taken = []
        for row in rows:
            if row.status == SENDING and row.attempts - (row.unreachable_attempts or 0) >= max_attempts:
                error = _clip(
                    f"the worker stopped while sending, and {row.attempts} attempts are used up; "
                    f"it may have been delivered. Last error: {row.last_error or 'none'}"
                )
                db.session.execute(
                    sa.update(_outbox)
                    .where(_outbox.c.id == row.id)
                    .values(status=FAILED, lease_expires_at=None, last_error=error)
                )
                outcome = Outcome(row.id, row.kind, row.recipient, row.subject, OUTCOME_FAILED, row.attempts, error)
                claimed.append(outcome)
                continue
            taken.append(row.id)
            mail = OutgoingMail.from_row(row)
            claimed.append(replace(mail, attempts=mail.attempts + 1, lease_expires_at=lease))
        if taken:
            # The rows are locked by this transaction: no other claim can change them before it commits.
            db.session.execute(
                sa.update(_outbox)
                .where(_outbox.c.id.in_(taken))
                .values(status=SENDING, attempts=_outbox.c.attempts + 1, lease_expires_at=lease)
            )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    for item in claimed:
        if isinstance(item, Outcome):
            MAIL_ATTEMPTS.labels(OUTCOME_FAILED).inc()
            log.error("outbox message %s: %s", item.id, item.error)
    return claimed


def claim_next(*, now: datetime | None = None, only_id: int | None = None) -> OutgoingMail | Outcome | None:
    """Claim the next due message for this worker and commit; None when nothing is due."""
    claimed = claim_batch(now=now, only_id=only_id, size=1)
    return claimed[0] if claimed else None


def _attempt(mail: OutgoingMail, relay: SMTPRelay, now: datetime | None) -> tuple[Outcome, bool]:
    """Send one claimed message; a failure is recorded at once, a success is left for _mark_sent."""
    clock = (lambda: now) if now else utcnow
    try:
        message = build_message(mail, date=clock())
        from_addr, to_addrs = envelope_addresses(message)
        from_addr = current_app.config.get("MAIL_ENVELOPE_FROM") or from_addr
    except MessageError as error:
        return _record_failure(mail, f"cannot build the message: {error}", permanent=True, now=clock()), False
    except Exception as error:  # noqa: BLE001 - building is deterministic: what fails now fails every time
        log.exception("outbox message %s cannot be built", mail.id)
        reason = f"cannot build the message: {type(error).__name__}: {error}"
        return _record_failure(mail, reason, permanent=True, now=clock()), False
    try:
        relay.send(message, from_addr, to_addrs)
    except DeliveryError as error:
        unreachable = isinstance(error, RelayUnavailable)
        outcome = _record_failure(mail, error.reason, permanent=error.permanent, now=clock(), relay_down=unreachable)
        return outcome, unreachable
    MAIL_ATTEMPTS.labels(OUTCOME_SENT).inc()
    return Outcome(mail.id, mail.kind, mail.recipient, mail.subject, OUTCOME_SENT, mail.attempts), False


def deliver(mail: OutgoingMail, relay: SMTPRelay, *, now: datetime | None = None) -> tuple[Outcome, bool]:
    """Send one claimed message and record the result; the flag says whether the relay was unreachable."""
    outcome, unreachable = _attempt(mail, relay, now)
    if outcome.status == OUTCOME_SENT:
        _record_sent([mail], now or utcnow())
    return outcome, unreachable


def _record_sent(mails: list[OutgoingMail], now: datetime) -> None:
    try:
        _mark_sent(mails, now)
    except Exception:  # noqa: BLE001 - the relay has the messages; the lease decides what happens next
        db.session.rollback()
        log.exception(
            "outbox messages %s were accepted by the relay but could not be marked sent; "
            "they will be sent again, with the same Message-ID, when their lease expires",
            ", ".join(str(m.id) for m in mails),
        )


def _lease_holds(mail: OutgoingMail, now: datetime | None) -> bool:
    """Whether the claim's lease leaves time to send this message (one MAIL_TIMEOUT, twice over)."""
    margin = timedelta(seconds=2 * float(current_app.config.get("MAIL_TIMEOUT") or 30))
    return mail.lease_expires_at is not None and (now or utcnow()) + margin < mail.lease_expires_at


def _send_batch(
    claimed: list[OutgoingMail | Outcome],
    relay: SMTPRelay,
    report: DrainReport,
    *,
    now: datetime | None,
    should_stop: Callable[[], bool] | None,
    on_outcome: Callable[[Outcome], object] | None,
) -> bool:
    """Send a claimed batch; True when the drain must stop (relay unreachable, or asked to stop)."""
    accepted: list[OutgoingMail] = []
    marked_at = time.monotonic()
    stop = False
    for index, item in enumerate(claimed):
        if isinstance(item, Outcome):
            outcome = item
        else:
            if stop or not _lease_holds(item, now):
                _release([m for m in claimed[index:] if isinstance(m, OutgoingMail)])
                break
            outcome, unreachable = _attempt(item, relay, now)
            if outcome.status == OUTCOME_SENT:
                accepted.append(item)
            if unreachable:
                report.relay_error = outcome.error
                stop = True
        report.outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
        if accepted and time.monotonic() - marked_at >= MARK_SENT_EVERY_SECONDS:
            _record_sent(accepted, now or utcnow())
            accepted, marked_at = [], time.monotonic()
        if should_stop is not None and should_stop():
            stop = True
    if accepted:
        _record_sent(accepted, now or utcnow())
    return stop


def drain(
    *,
    limit: int | None = None,
    now: datetime | None = None,
    only_id: int | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_outcome: Callable[[Outcome], object] | None = None,
) -> DrainReport:
    """Send due messages, a batch at a time, until none is due, ``limit`` are tried, or ``should_stop()``.

    Stops early when the relay cannot be reached: the other messages would only wait for the same timeout.
    ``now`` pins the clock, for tests and for catching up on a schedule.
    """
    report = DrainReport()
    batch_size = max(int(current_app.config.get("MAIL_BATCH_SIZE") or 1), 1)
    with SMTPRelay(current_app.config) as relay:
        while limit is None or len(report.outcomes) < limit:
            if should_stop is not None and should_stop():
                break
            size = batch_size if limit is None else min(batch_size, limit - len(report.outcomes))
            claimed = claim_batch(now=now, only_id=only_id, size=size)
            if not claimed:
                break
            if _send_batch(claimed, relay, report, now=now, should_stop=should_stop, on_outcome=on_outcome):
                break
    # Kept in the database, so that the outbox page and health checks see an outage whichever worker met it.
    if report.relay_error is not None:
        record_relay_failure(report.relay_error, now)
    elif report.sent:
        record_relay_success()
    return report


def run_periodic_jobs() -> None:
    """Run every job in PERIODIC_JOBS; a failing job is logged and does not stop the others."""
    for job in list(PERIODIC_JOBS):
        try:
            job()
        except Exception:  # noqa: BLE001 - one broken job must not stop mail delivery
            log.exception("periodic job %s failed", getattr(job, "__qualname__", job))
        finally:
            # Jobs commit their own work; whatever a job left open is not ours to commit.
            db.session.rollback()


def run(
    stop: threading.Event,
    *,
    poll_seconds: float | None = None,
    on_report: Callable[[DrainReport], object] | None = None,
) -> None:
    """Loop until ``stop`` is set: periodic jobs, then drain, then wait MAIL_POLL_SECONDS.

    Setting ``stop`` lets the message in hand finish; nothing is cut off mid-send.
    """
    poll = current_app.config["MAIL_POLL_SECONDS"] if poll_seconds is None else poll_seconds
    while not stop.is_set():
        try:
            run_periodic_jobs()
            report = drain(should_stop=stop.is_set)
            if on_report is not None:
                on_report(report)
        except Exception:  # noqa: BLE001 - e.g. the database restarting; try again on the next round
            log.exception("the mail worker loop failed; trying again in %s seconds", poll)
        finally:
            # A long-running process should not keep an identity map or a connection checked out between rounds.
            db.session.remove()
        stop.wait(poll)


def _fence(mail: OutgoingMail) -> sa.ColumnElement[bool]:
    """The row as this worker claimed it: still sending, under the same attempt and lease."""
    return sa.and_(
        OutboxMessage.id == mail.id,
        OutboxMessage.status == SENDING,
        OutboxMessage.attempts == mail.attempts,
        OutboxMessage.lease_expires_at == mail.lease_expires_at,
    )


def _update_claimed(mail: OutgoingMail, **values) -> bool:
    try:
        result = db.session.execute(
            sa.update(OutboxMessage).where(_fence(mail)).values(**values).execution_options(synchronize_session=False)
        )
        if result.rowcount == 1 and values.get("status") in (SENT, FAILED):
            # Its registration or request was deleted while it waited: nothing of the person stays once it is out.
            scrub_if_marked(mail.id)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    if result.rowcount != 1:
        log.warning("outbox message %s: the lease ran out and another worker took the message over", mail.id)
        return False
    return True


def _update_claims(mails: list[OutgoingMail], **values) -> int:
    """One fenced UPDATE for several claimed rows (those of one claim share its lease); how many it changed."""
    changed = 0
    by_lease: dict[datetime | None, list[OutgoingMail]] = {}
    for mail in mails:
        by_lease.setdefault(mail.lease_expires_at, []).append(mail)
    try:
        for lease, group in by_lease.items():
            result = db.session.execute(
                sa.update(OutboxMessage)
                .where(
                    sa.tuple_(OutboxMessage.id, OutboxMessage.attempts).in_([(m.id, m.attempts) for m in group]),
                    OutboxMessage.status == SENDING,
                    OutboxMessage.lease_expires_at == lease,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            changed += result.rowcount
        if values.get("status") in (SENT, FAILED):
            # Those whose registration or request was deleted while they waited: emptied once they are out.
            scrub_if_marked(*(mail.id for mail in mails))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return changed


def _mark_sent(mails: list[OutgoingMail], now: datetime) -> None:
    """Record messages the relay accepted (``sent_at`` is when the batch was recorded, within a second)."""
    changed = _update_claims(mails, status=SENT, sent_at=now, lease_expires_at=None)
    if changed != len(mails):
        log.warning(
            "%s of outbox messages %s: the lease ran out and another worker took them over",
            len(mails) - changed,
            ", ".join(str(m.id) for m in mails),
        )
    for mail in mails:
        log.info("outbox message %s (%s) sent, attempt %s", mail.id, mail.kind, mail.attempts)


def _release(mails: list[OutgoingMail]) -> None:
    """Give claimed rows back untried: due again at once, and the claim's attempt not counted."""
    if mails:
        _update_claims(mails, status=QUEUED, attempts=OutboxMessage.attempts - 1, lease_expires_at=None)


def _record_failure(
    mail: OutgoingMail, reason: str, *, permanent: bool, now: datetime, relay_down: bool = False
) -> Outcome:
    """Record a failed attempt: failed for good, or queued again after a pause.

    An attempt that found no relay to talk to says nothing about the message: it does not count against
    MAIL_MAX_ATTEMPTS, which limits the temporary refusals of this message. Either way a message stops being
    retried MAIL_GIVE_UP_AFTER after it was queued, as a mail server's queue does.
    """
    reason = _clip(reason)
    config = current_app.config
    unreachable = mail.unreachable_attempts + (1 if relay_down else 0)
    age = now - mail.created_at if mail.created_at is not None else timedelta(0)
    give_up_after = timedelta(seconds=config.get("MAIL_GIVE_UP_AFTER", DEFAULT_GIVE_UP_AFTER_SECONDS))
    if permanent:
        error = reason
    elif not relay_down and mail.attempts - unreachable >= config["MAIL_MAX_ATTEMPTS"]:
        error = _clip(f"{reason} (gave up after {mail.attempts} attempts)")
    elif age >= give_up_after:
        error = _clip(f"{reason} (gave up after {_duration(age)} of trying)")
    else:
        error = None
    values = {"lease_expires_at": None, "unreachable_attempts": unreachable}
    if error is not None:
        values.update(status=FAILED, last_error=error)
        status, next_attempt_at = OUTCOME_FAILED, None
    else:
        error = reason
        next_attempt_at = now + backoff(mail.attempts)
        values.update(status=QUEUED, last_error=error, next_attempt_at=next_attempt_at)
        status = OUTCOME_RETRY
    MAIL_ATTEMPTS.labels(status).inc()
    if not _update_claimed(mail, **values):
        status = OUTCOME_TAKEN_OVER
    elif status == OUTCOME_FAILED:
        log.error("outbox message %s (%s) failed: %s", mail.id, mail.kind, error)
    else:
        log.warning("outbox message %s (%s) will be retried at %s: %s", mail.id, mail.kind, next_attempt_at, error)
    return Outcome(mail.id, mail.kind, mail.recipient, mail.subject, status, mail.attempts, error, next_attempt_at)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_ERROR_LENGTH else text[: MAX_ERROR_LENGTH - 1] + "…"


def _duration(age: timedelta) -> str:
    if age >= timedelta(days=2):
        return f"{age.days} days"
    hours = int(age.total_seconds() // 3600)
    return f"{hours} hours" if hours >= 2 else f"{int(age.total_seconds() // 60)} minutes"
