"""Mail that reaches the right address: IDNA 2008 domains, names that round-trip, a relay that disconnects or
stays down for days."""

import socket
import threading
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest

from app.mail import services, transport, worker
from app.mail.message import OutgoingMail, build_message, envelope_addresses
from app.mail.models import FAILED, QUEUED
from app.mail.transport import SMTPRelay
from app.types import utcnow
from tests.conftest import RecordingHandler, serving_mail
from tests.test_mail_delivery import closed_port, queue, reload

# --- 1. Internationalised domains ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("user@faß.de", "user@xn--fa-hia.de"),
        ("user@FASS.de", "user@FASS.de"),
        ("ana@bücher.example", "ana@xn--bcher-kva.example"),
        ("user@Bücher.Example", "user@xn--bcher-kva.example"),
    ],
)
def test_domains_are_encoded_with_idna_2008(app, given, sent):
    assert services.ascii_address(given) == sent
    assert services.address(given, "Juergen") == f"Juergen <{sent}>"


def test_an_address_with_sharp_s_is_sent_to_its_own_domain(app, smtp_server):
    row = queue(to="user@faß.de", to_name="Jürgen Größ", reply_to="desk@faß.de")
    assert row.recipient.endswith(" <user@xn--fa-hia.de>") and row.recipient.isascii()
    assert row.reply_to == "desk@xn--fa-hia.de"

    report = worker.drain()

    assert [o.status for o in report.outcomes] == ["sent"]
    assert smtp_server.envelopes[0].rcpt_tos == ["user@xn--fa-hia.de"]
    received = smtp_server.messages[0]
    assert [a.addr_spec for a in received["Reply-To"].addresses] == ["desk@xn--fa-hia.de"]


def test_calendar_attendee_uses_the_idna_2008_form(app, desks, client):
    from app.calendar import ics
    from app.registrations.models import Registration
    from tests.factories import make_event

    event = make_event(desks.tbilisi)
    registration = Registration(event=event, name="Jürgen", email="user@faß.de", timezone="Europe/Berlin")
    vevent = ics.VEvent()
    ics._add_people(vevent, event, registration)
    assert str(vevent["attendee"]) == "mailto:user@xn--fa-hia.de"


# --- 12. Names in address headers round-trip --------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Jürgen, Mallory <mallory@evil.example>",
        "Mallory <mallory@evil.example>, Jürgen",
        'Ана "Bob" <b@evil.example>; c@evil.example',
        "=?utf-8?q?x?= <d@evil.example>",
        "=?utf-8?q?Admin?=",
        "Plain, Name <e@evil.example>",
        "Plain Name",
    ],
)
def test_any_display_name_reads_back_as_one_recipient(app, smtp_server, name):
    row = queue(to="real@example.org", to_name=name, reply_to="desk@example.org")
    mail = OutgoingMail.from_row(row)

    built = build_message(mail, date=utcnow())
    reparsed = message_from_bytes(built.as_bytes(), policy=policy.SMTP)

    assert envelope_addresses(built) == (envelope_addresses(built)[0], ["real@example.org"])
    [recipient] = reparsed["To"].addresses
    assert (recipient.display_name, recipient.addr_spec) == (name, "real@example.org")

    report = worker.drain()
    assert [o.status for o in report.outcomes] == ["sent"]
    assert smtp_server.envelopes[0].rcpt_tos == ["real@example.org"]
    [delivered] = smtp_server.messages[0]["To"].addresses
    assert (delivered.display_name, delivered.addr_spec) == (name, "real@example.org")
    assert reload(row).status == "sent"


# --- 7. A relay that disconnects never harms the next message -----------------------------------------


class RefuseOneRecipient(RecordingHandler):
    """Answers 421 (closing the connection) at RCPT for one address, and accepts every other."""

    def __init__(self, refused: str, reply: str = "421 4.7.0 too busy, closing connection"):
        super().__init__()
        self.refused = refused
        self.refused_reply = reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refused:
            return self.refused_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def refusing_server(app):
    with serving_mail(app, RefuseOneRecipient("first@example.org")) as handler:
        yield handler


def test_a_421_at_rcpt_does_not_fail_the_next_message(app, refusing_server):
    first = queue(to="first@example.org")
    second = queue(to="second@example.org")

    report = worker.drain()

    assert [(o.id, o.status) for o in report.outcomes] == [(first.id, "retry"), (second.id, "sent")]
    assert reload(first).last_error.startswith("421")
    assert (reload(second).status, reload(second).attempts, reload(second).last_error) == ("sent", 1, "")
    assert [e.rcpt_tos for e in refusing_server.envelopes] == [["second@example.org"]]


def test_a_connection_the_relay_dropped_while_idle_is_replaced(app, smtp_server):
    first = queue(to="first@example.org")
    second = queue(to="second@example.org")
    with SMTPRelay(app.config) as relay:
        mail = worker.claim_next()
        assert worker.deliver(mail, relay)[0].status == "sent"
        # The relay closes the idle connection (as servers do after a timeout).
        relay._smtp.sock.shutdown(socket.SHUT_RDWR)
        outcome, _ = worker.deliver(worker.claim_next(), relay)
    assert outcome.status == "sent", outcome.error
    assert (reload(first).status, reload(second).status) == ("sent", "sent")


class ClosingAfterEachMessage(RecordingHandler):
    """Accepts a message, then closes the connection a moment later (as a relay at its per-connection limit),
    and counts the NOOPs it is asked."""

    def __init__(self):
        super().__init__()
        self.noops = 0
        self.closed = threading.Event()

    async def handle_NOOP(self, server, session, envelope, arg):
        self.noops += 1
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        if self.close_after_message:

            def close():
                server.transport.close()
                self.closed.set()

            server.loop.call_later(0.05, close)
        return answer

    def wait_closed(self) -> None:
        """Until the relay has closed the connection (and a moment for its close to reach the client)."""
        assert self.closed.wait(10)
        time.sleep(0.1)

    close_after_message = False


@pytest.fixture
def closing_server(app):
    with serving_mail(app, ClosingAfterEachMessage()) as handler:
        yield handler


def test_a_connection_the_relay_closed_after_a_message_is_replaced(app, closing_server):
    closing_server.close_after_message = True
    first, second = queue(to="first@example.org"), queue(to="second@example.org")
    with SMTPRelay(app.config) as relay:
        assert worker.deliver(worker.claim_next(), relay)[0].status == "sent"
        closing_server.wait_closed()  # the relay has closed the connection; it was used a moment ago
        outcome, _ = worker.deliver(worker.claim_next(), relay)
    assert outcome.status == "sent", outcome.error
    assert (reload(first).status, reload(second).status, reload(second).attempts) == ("sent", "sent", 1)


def test_only_a_connection_idle_for_a_while_is_asked_whether_it_answers(app, closing_server, monkeypatch):
    rows = [queue(to=f"person{i}@example.org") for i in range(3)]
    with SMTPRelay(app.config) as relay:
        for _ in rows[:2]:
            assert worker.deliver(worker.claim_next(), relay)[0].status == "sent"
        assert closing_server.noops == 0  # messages back to back: no round trip before each
        monkeypatch.setattr(transport, "IDLE_CHECK_SECONDS", 0.0)
        assert worker.deliver(worker.claim_next(), relay)[0].status == "sent"
    assert closing_server.noops == 1
    assert [reload(row).status for row in rows] == ["sent"] * 3


def test_a_close_not_yet_seen_before_sending_is_retried_once_on_a_new_connection(app, closing_server, monkeypatch):
    closing_server.close_after_message = True
    _first, second = queue(to="first@example.org"), queue(to="second@example.org")
    with SMTPRelay(app.config) as relay:
        assert worker.deliver(worker.claim_next(), relay)[0].status == "sent"
        closing_server.wait_closed()
        # As if the relay's close were still on its way when the next message starts.
        monkeypatch.setattr(relay, "_alive", lambda smtp: True)
        outcome, _ = worker.deliver(worker.claim_next(), relay)
    assert outcome.status == "sent", outcome.error
    assert (reload(second).status, reload(second).attempts) == ("sent", 1)
    assert sorted(e.rcpt_tos[0] for e in closing_server.envelopes) == ["first@example.org", "second@example.org"]


class ClosingAtMailOnce(RecordingHandler):
    """Answers the second MAIL FROM of the run with "421" (closing), every other with 250."""

    def __init__(self):
        super().__init__()
        self.mails = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mails += 1
        if self.mails == 2:
            return "421 4.4.2 idle too long, closing connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


def test_a_421_before_the_message_on_a_kept_connection_is_retried_once(app):
    with serving_mail(app, ClosingAtMailOnce()) as handler:
        rows = [queue(to="first@example.org"), queue(to="second@example.org")]
        report = worker.drain()
    assert [o.status for o in report.outcomes] == ["sent", "sent"]
    assert [(reload(row).status, reload(row).attempts) for row in rows] == [("sent", 1), ("sent", 1)]
    assert handler.mails == 3 and len(handler.envelopes) == 2


def test_a_refusal_after_the_sender_was_taken_is_not_retried(app, smtp_server):
    smtp_server.reply = "451 4.3.0 try later"
    rows = [queue(to="first@example.org"), queue(to="second@example.org")]
    report = worker.drain()
    assert [o.status for o in report.outcomes] == ["retry", "retry"]
    assert [reload(row).attempts for row in rows] == [1, 1]


# --- 8. A relay outage of days does not fail messages ------------------------------------------------


@pytest.mark.app_config(MAIL_MAX_ATTEMPTS=2, MAIL_BACKOFF_SECONDS=30)
def test_an_outage_does_not_use_up_attempts_and_shows_on_the_outbox_page(app, client, login, admin):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port())
    row = queue(to="tamar@example.org")
    start = utcnow()

    # Twelve hours of a relay that refuses connections, tried every 10 minutes.
    for minutes in range(0, 12 * 60, 10):
        report = worker.drain(now=start + timedelta(minutes=minutes))
        assert report.relay_error is None or "cannot connect" in report.relay_error
    row = reload(row)
    assert row.status == QUEUED and row.attempts > 2 and row.unreachable_attempts == row.attempts
    assert services.relay_status().down_since == start

    login(admin)
    page = client.get("/dashboard/outbox").get_data(as_text=True)
    assert "The mail server has been unreachable since" in page and "cannot connect" in page


@pytest.mark.app_config(MAIL_MAX_ATTEMPTS=2)
def test_a_message_is_given_up_after_the_time_budget(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port(), MAIL_GIVE_UP_AFTER=3 * 24 * 3600)
    row = queue(to="tamar@example.org")
    created = reload(row).created_at

    assert worker.drain(now=created + timedelta(days=2, hours=23)).outcomes[0].status == "retry"
    report = worker.drain(now=created + timedelta(days=3, minutes=1))

    assert [o.status for o in report.outcomes] == ["failed"]
    row = reload(row)
    assert row.status == FAILED and "gave up after 3 days of trying" in row.last_error


def test_the_outage_ends_when_the_relay_delivers_again(app, smtp_server):
    services.record_relay_failure("cannot connect to 127.0.0.1:1: ConnectionRefusedError")
    assert services.relay_status() is not None
    queue()

    assert [o.status for o in worker.drain().outcomes] == ["sent"]
    assert services.relay_status() is None
