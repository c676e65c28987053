"""Outbox delivery over real SMTP: message layout, retries, permanent failures, crashes, injection, dedup."""

import socket
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.desks.models import Desk
from app.extensions import db
from app.mail import services, worker
from app.mail.models import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from app.mail.transport import SMTPRelay
from app.types import utcnow

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Eventdesk//Tests//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:session-1-registration-1@eventdesk.test\r\nSEQUENCE:0\r\n"
    "DTSTAMP:20301001T090000Z\r\nDTSTART:20301007T110000Z\r\nDTEND:20301007T133000Z\r\n"
    "SUMMARY:Digitalisation of Municipal Services – Tbilisi\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
PDF = b"%PDF-1.4 programme\n"


def queue(to: str = "tamar@example.org", **options) -> OutboxMessage:
    """A test email queued and committed, as a service and its request would."""
    options.setdefault("context", {"requested_by": "Nino Beridze", "requested_at": utcnow()})
    message = services.queue_email(kind=options.pop("kind", "test"), to=to, template="test_message", **options)
    db.session.commit()
    return message


def reload(message: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message.id)


def closed_port() -> int:
    """A port nothing listens on: connections to it are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def leaf_types(part) -> list[str]:
    return [p.get_content_type() for p in part.iter_parts()]


def test_invite_has_text_html_calendar_part_and_invite_attachment(app, smtp_server):
    row = queue(
        to_name="Jürgen Größ",
        reply_to="nino@example.org",
        calendar=services.CalendarPart("REQUEST", ICS),
        attachments=(services.Attachment("programme.pdf", "application/pdf", PDF),),
    )

    report = worker.drain()

    assert [o.status for o in report.outcomes] == ["sent"]
    assert len(smtp_server.messages) == 1
    delivered = smtp_server.messages[0]
    assert smtp_server.envelopes[0].mail_from == "events@eventdesk.localhost"
    assert smtp_server.envelopes[0].rcpt_tos == ["tamar@example.org"]
    assert str(delivered["From"]) == "Eventdesk <events@eventdesk.localhost>"
    assert delivered["To"].addresses[0].display_name == "Jürgen Größ"
    assert delivered["To"].addresses[0].addr_spec == "tamar@example.org"
    assert str(delivered["Reply-To"]) == "nino@example.org"
    assert str(delivered["Subject"]) == "Test message from Eventdesk"
    assert str(delivered["Message-ID"]) == row.message_id
    assert str(delivered["Auto-Submitted"]) == "auto-generated"
    assert delivered["Date"].datetime is not None

    assert delivered.get_content_type() == "multipart/mixed"
    alternative, invite, pdf = delivered.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert leaf_types(alternative) == ["text/plain", "text/html", "text/calendar"]
    text, html, calendar = alternative.iter_parts()
    assert "requested by Nino Beridze" in text.get_content()
    assert "<p>Hello,</p>" in html.get_content()
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_param("charset") == "UTF-8"
    assert calendar["Content-Transfer-Encoding"] == "base64"
    assert calendar.get_payload(decode=True).decode("utf-8") == ICS
    assert calendar.get_filename() is None

    assert invite.get_content_type() == "application/ics"
    assert invite.get_filename() == "invite.ics"
    assert invite.get_content_disposition() == "attachment"
    assert invite.get_payload(decode=True).decode("utf-8") == ICS
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == "programme.pdf"
    assert pdf.get_payload(decode=True) == PDF

    row = reload(row)
    assert (row.status, row.attempts, row.lease_expires_at) == (SENT, 1, None)
    assert row.sent_at is not None


def test_plain_message_is_multipart_alternative_without_reply_to(app, smtp_server):
    queue()

    worker.drain()

    (delivered,) = smtp_server.messages
    assert delivered.get_content_type() == "multipart/alternative"
    assert leaf_types(delivered) == ["text/plain", "text/html"]
    assert "Reply-To" not in delivered
    assert delivered["MIME-Version"] == "1.0"


def test_bare_line_feeds_in_the_calendar_are_sent_as_crlf(app, smtp_server):
    queue(calendar=services.CalendarPart("REQUEST", ICS.replace("\r\n", "\n")))

    worker.drain()

    parts = {p.get_content_type(): p for p in smtp_server.messages[0].walk()}
    assert parts["text/calendar"].get_payload(decode=True).decode() == ICS


def test_calendar_method_must_match_the_calendar(app):
    with pytest.raises(ValueError, match="does not match METHOD:REQUEST"):
        services.queue_email(
            kind="invite", to="a@example.org", template="test_message", calendar=services.CalendarPart("CANCEL", ICS)
        )


def test_smtp_down_then_up_is_retried_with_growing_backoff_and_delivered_once(app, smtp_server):
    row = queue()
    app.config["MAIL_PORT"] = closed_port()
    start = utcnow()

    first = worker.drain(now=start)

    assert [o.status for o in first.outcomes] == ["retry"]
    assert "cannot connect" in first.relay_error
    row = reload(row)
    assert (row.status, row.attempts) == (QUEUED, 1)
    assert "ConnectionRefusedError" in row.last_error
    first_wait = row.next_attempt_at - start
    assert first_wait == timedelta(seconds=app.config["MAIL_BACKOFF_SECONDS"])

    assert worker.drain(now=start + first_wait / 2).outcomes == []  # not due yet

    second_try = row.next_attempt_at
    worker.drain(now=second_try)
    row = reload(row)
    assert (row.status, row.attempts) == (QUEUED, 2)
    assert row.next_attempt_at - second_try == 2 * first_wait

    app.config["MAIL_PORT"] = smtp_server.port
    delivered = worker.drain(now=row.next_attempt_at)

    assert [o.status for o in delivered.outcomes] == ["sent"]
    assert worker.drain(now=row.next_attempt_at + timedelta(days=1)).outcomes == []
    assert len(smtp_server.messages) == 1
    assert str(smtp_server.messages[0]["Message-ID"]) == row.message_id
    assert (reload(row).status, reload(row).attempts) == (SENT, 3)


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_421_is_retried_then_delivered_once(app, smtp_server, stage):
    row = queue()
    setattr(smtp_server, "rcpt_reply" if stage == "rcpt" else "reply", "421 4.3.0 try later")

    report = worker.drain()

    assert [o.status for o in report.outcomes] == ["retry"]
    row = reload(row)
    assert row.status == QUEUED
    assert row.last_error == "421 4.3.0 try later"
    assert smtp_server.messages == []

    smtp_server.rcpt_reply = smtp_server.reply = None
    worker.drain(now=row.next_attempt_at)
    assert len(smtp_server.messages) == 1
    assert reload(row).status == SENT


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_550_fails_at_once_and_is_shown_on_the_outbox_page(app, smtp_server, admin, login, stage):
    row = queue(to="nobody@example.org")
    setattr(smtp_server, "rcpt_reply" if stage == "rcpt" else "reply", "550 5.1.1 no such user")

    report = worker.drain()

    assert [o.status for o in report.outcomes] == ["failed"]
    row = reload(row)
    assert (row.status, row.attempts, row.lease_expires_at) == (FAILED, 1, None)
    assert row.last_error == "550 5.1.1 no such user"
    smtp_server.rcpt_reply = smtp_server.reply = None
    assert worker.drain(now=utcnow() + timedelta(days=30)).outcomes == []
    assert smtp_server.messages == []

    page = login(admin).get("/dashboard/outbox?status=failed").get_data(as_text=True)
    assert "nobody@example.org" in page
    assert "550 5.1.1 no such user" in page


@pytest.mark.app_config(MAIL_MAX_ATTEMPTS=3)
def test_temporary_failures_give_up_after_the_last_attempt(app, smtp_server):
    row = queue()
    smtp_server.reply = "451 4.3.0 local error"
    now = utcnow()

    for _ in range(3):
        worker.drain(now=now)
        now = reload(row).next_attempt_at

    row = reload(row)
    assert (row.status, row.attempts) == (FAILED, 3)
    assert row.last_error == "451 4.3.0 local error (gave up after 3 attempts)"


@pytest.mark.app_config(MAIL_BACKOFF_SECONDS=30, MAIL_BACKOFF_MAX_SECONDS=100)
def test_backoff_doubles_up_to_the_cap(app):
    assert [worker.backoff(n).total_seconds() for n in (1, 2, 3, 4, 1000)] == [30, 60, 100, 100, 100]


class WorkerKilled(BaseException):
    """Stands for the process dying: nothing in the worker may catch it."""


def test_worker_killed_after_smtp_accepted_sends_at_most_one_duplicate(app, smtp_server, monkeypatch):
    row = queue()

    def die(mail, now):
        raise WorkerKilled

    monkeypatch.setattr(worker, "_mark_sent", die)
    with pytest.raises(WorkerKilled):
        worker.drain()
    monkeypatch.undo()

    row = reload(row)
    assert row.status == SENDING
    assert len(smtp_server.messages) == 1
    assert worker.drain().outcomes == []  # the lease still holds: nobody sends it again

    after_lease = row.lease_expires_at + timedelta(seconds=1)
    assert [o.status for o in worker.drain(now=after_lease).outcomes] == ["sent"]
    assert worker.drain(now=after_lease + timedelta(days=1)).outcomes == []

    assert len(smtp_server.messages) == 2
    assert {str(m["Message-ID"]) for m in smtp_server.messages} == {row.message_id}
    assert (reload(row).status, reload(row).attempts) == (SENT, 2)


@pytest.mark.app_config(MAIL_MAX_ATTEMPTS=2)
def test_a_message_that_keeps_killing_the_worker_is_given_up(app, smtp_server, monkeypatch):
    row = queue()
    # The drain sends each claimed message through worker._attempt.
    monkeypatch.setattr(worker, "_attempt", lambda mail, relay, now=None: (_ for _ in ()).throw(WorkerKilled()))
    now = utcnow()
    for _ in range(2):
        with pytest.raises(WorkerKilled):
            worker.drain(now=now)
        now = reload(row).lease_expires_at + timedelta(seconds=1)

    report = worker.drain(now=now)

    assert [o.status for o in report.outcomes] == ["failed"]
    row = reload(row)
    assert (row.status, row.attempts) == (FAILED, 2)
    assert "worker stopped while sending" in row.last_error


def test_a_late_worker_cannot_overwrite_the_claim_that_took_over(app, smtp_server):
    row = queue()
    start = utcnow()
    late = worker.claim_next(now=start)
    after_lease = late.lease_expires_at + timedelta(seconds=1)
    current = worker.claim_next(now=after_lease)
    assert (late.id, late.attempts, current.id, current.attempts) == (row.id, 1, row.id, 2)

    # The late worker finally hears back from a dead relay and records a failure: the row is not its own.
    assert worker._record_failure(late, "421 too late", permanent=False, now=after_lease).status == "taken over"
    assert reload(row).status == SENDING

    with SMTPRelay(app.config) as relay:
        outcome, _ = worker.deliver(current, relay, now=after_lease)
    assert outcome.status == "sent"
    row = reload(row)
    assert (row.status, row.attempts, row.last_error) == (SENT, 2, "")


def test_a_name_or_subject_with_a_line_break_never_becomes_a_header(app, smtp_server):
    injected = "Bob\r\nBcc: x@example.com"
    by_service = queue(to="bob@example.org", to_name=injected, desk=Desk(name=injected))
    # A row written by other code, with line breaks the queueing service would have removed.
    written = queue(to="bob@example.org")
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == written.id)
        .values(subject=f"Hello {injected}", recipient=f'"{injected}" <bob@example.org>')
    )
    db.session.commit()

    report = worker.drain()

    assert [o.status for o in report.outcomes] == ["sent", "sent"]
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["bob@example.org"], ["bob@example.org"]]
    for envelope, message in zip(smtp_server.envelopes, smtp_server.messages, strict=True):
        raw = (envelope.original_content or envelope.content).decode("ascii")
        header_block = raw.split("\r\n\r\n", 1)[0]
        assert "\r\nBcc:" not in header_block
        assert "Bcc" not in message
        assert "x@example.com" not in envelope.rcpt_tos
        assert [a.addr_spec for a in message["To"].addresses] == ["bob@example.org"]
    first, second = smtp_server.messages
    assert first["To"].addresses[0].display_name == "Bob Bcc: x@example.com"
    assert str(first["From"].addresses[0].addr_spec) == "events@eventdesk.localhost"
    assert first["From"].addresses[0].display_name == "Bob Bcc: x@example.com via Eventdesk"
    assert str(second["Subject"]) == "Hello Bob Bcc: x@example.com"
    assert reload(by_service).status == SENT


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("recipient", "a@example.org, b@example.org"),
        ("recipient", "a@example.org Bcc: b@example.org"),
        ("reply_to", "desk@example.org\r\nBcc: y@example.com"),
        ("sender", "events@example.org, y@example.com"),
    ],
)
def test_an_address_header_that_is_not_one_address_fails_instead_of_sending(app, smtp_server, column, value):
    row = queue()
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == row.id).values({column: value}))
    db.session.commit()

    report = worker.drain()

    assert [o.status for o in report.outcomes] == ["failed"]
    assert "must hold exactly one address" in reload(row).last_error
    assert smtp_server.messages == []


def test_a_broken_attachment_fails_without_blocking_the_next_message(app, smtp_server):
    broken = queue(to="a@example.org")
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == broken.id)
        .values(attachments=[{"filename": "x.pdf", "content_type": "application/pdf", "data": "not base64!"}])
    )
    db.session.commit()
    fine = queue(to="b@example.org")

    report = worker.drain()

    assert [(o.id, o.status) for o in report.outcomes] == [(broken.id, "failed"), (fine.id, "sent")]
    assert "not valid base64" in reload(broken).last_error
    assert smtp_server.envelopes[0].rcpt_tos == ["b@example.org"]


def test_a_rolled_back_transaction_queues_nothing(app, smtp_server):
    services.queue_email(kind="test", to="a@example.org", template="test_message")
    db.session.rollback()

    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
    assert worker.drain().outcomes == []
    assert smtp_server.messages == []


def test_the_same_dedup_key_twice_sends_once(app, smtp_server):
    first = queue(dedup_key="reminder:42:24h")
    assert (
        services.queue_email(kind="test", to="a@example.org", template="test_message", dedup_key="reminder:42:24h")
        is None
    )
    db.session.commit()

    worker.drain()

    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1
    assert len(smtp_server.messages) == 1
    assert str(smtp_server.messages[0]["Message-ID"]) == first.message_id


def test_message_id_uses_the_sender_domain_when_the_sender_has_a_name(app):
    app.config["MAIL_DEFAULT_SENDER"] = "Eventdesk <events@eventdesk.example>"
    row = queue()
    assert row.message_id.endswith("@eventdesk.example>")
    assert row.sender == "Eventdesk <events@eventdesk.example>"


@pytest.mark.app_config(MAIL_TIMEOUT=1)
def test_a_relay_that_never_answers_times_out_and_the_message_waits(app):
    row = queue()
    with socket.socket() as silent:
        # Listening without ever accepting: the connection opens, the greeting never comes.
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.getsockname()[1])
        started = time.monotonic()

        report = worker.drain()

    assert time.monotonic() - started < 10
    assert [o.status for o in report.outcomes] == ["retry"]
    row = reload(row)
    assert (row.status, row.attempts) == (QUEUED, 1)
    assert "timed out" in row.last_error.lower()
