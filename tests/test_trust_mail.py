"""Mail that reaches the right address: IDNA 2008 domains, names that round-trip, a relay that disconnects or
stays down for days."""

from email import message_from_bytes, policy

import pytest

from app.mail import services, worker
from app.mail.message import OutgoingMail, build_message, envelope_addresses
from app.types import utcnow
from tests.test_mail_delivery import queue, reload

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
        "Plain, Name <e@evil.example>",
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
