"""Contact emails over real SMTP: the right desk receives them, From is the service, Reply-To the person who
asked, and no name can add a header."""

from email.header import decode_header, make_header
from email.utils import getaddresses, parseaddr

from app.desks.models import EXPERT_GERMAN
from tests.contact_support import contact_form, deliver_outbox, make_request, outbox

SERVICE = "events@eventdesk.localhost"


def addresses(message, header: str) -> list[str]:
    return [addr for _name, addr in getaddresses(message.get_all(header, []))]


def display_name(message, header: str = "To") -> str:
    """The header's display name decoded as mail clients do (RFC 2047: the space between two adjacent encoded
    words is not part of the text; the standard library's address parser keeps it)."""
    raw = next(value for name, value in message.raw_items() if name.lower() == header.lower())
    return parseaddr(str(make_header(decode_header(raw))))[0]


def received_by(smtp_server, address: str):
    found = [m for m in smtp_server.messages if address in addresses(m, "To")]
    assert len(found) == 1, f"{len(found)} messages to {address}"
    return found[0]


def envelope_recipients(smtp_server) -> list[str]:
    return sorted(rcpt for envelope in smtp_server.envelopes for rcpt in envelope.rcpt_tos)


def test_question_from_georgia_reaches_the_tbilisi_desk(
    app, client, smtp_server, desks, tbilisi_coordinator, germany_coordinator
):
    response = client.post("/contact", data=contact_form(name="ირაკლი სამხარაძე", email="irakli@example.ge"))
    assert response.status_code == 302
    assert deliver_outbox(app) == 2
    assert envelope_recipients(smtp_server) == ["irakli@example.ge", "nino@example.org"]

    to_desk = received_by(smtp_server, "nino@example.org")
    assert addresses(to_desk, "From") == [SERVICE]
    assert addresses(to_desk, "Reply-To") == ["irakli@example.ge"]
    assert to_desk["Subject"] == "Question from ირაკლი სამხარაძე"
    assert to_desk["Message-ID"]
    text = to_desk.get_body(("plain",)).get_content()
    assert "Will the workshop be recorded?" in text
    assert "http://localhost/dashboard/inbox/" in text
    assert to_desk.get_body(("html",)) is not None

    ack = received_by(smtp_server, "irakli@example.ge")
    assert display_name(ack) == "ირაკლი სამხარაძე"
    assert addresses(ack, "From") == [SERVICE]
    assert ack["Reply-To"] is None
    body = ack.get_body(("plain",)).get_content()
    assert "Southeast Europe and Caucasus (Tbilisi)" in body
    assert "Nino Beridze (Regional coordinator) in Tbilisi" in body
    assert "nino@example.org" not in body


def test_german_expert_reaches_the_germany_desk_only(
    app, client, smtp_server, desks, tbilisi_coordinator, germany_coordinator
):
    form = contact_form(name="Олена Коваленко", email="olena@example.com.ua", country="UA", expert_type=EXPERT_GERMAN)
    assert client.post("/contact", data=form).status_code == 302
    deliver_outbox(app)
    assert envelope_recipients(smtp_server) == ["jurgen@example.org", "olena@example.com.ua"]
    to_desk = received_by(smtp_server, "jurgen@example.org")
    assert display_name(to_desk) == "Jürgen Groß"
    assert addresses(to_desk, "Reply-To") == ["olena@example.com.ua"]
    assert "German expert: routed to Germany" in to_desk.get_body(("plain",)).get_content()
    ack = received_by(smtp_server, "olena@example.com.ua")
    assert "Jürgen Groß (Project manager) in Berlin" in ack.get_body(("plain",)).get_content()


def test_reply_to_uses_the_validated_ascii_form_of_the_address(app, smtp_server, desks, tbilisi_coordinator):
    make_request(email="  Ana@Bücher.example  ")
    [row] = outbox("contact_coordinator")
    assert row.reply_to == "Ana@xn--bcher-kva.example"
    deliver_outbox(app)
    assert addresses(received_by(smtp_server, "nino@example.org"), "Reply-To") == ["Ana@xn--bcher-kva.example"]


def test_a_name_with_a_line_break_never_becomes_a_header(app, smtp_server, desks, tbilisi_coordinator):
    # The form refuses such a name; the service must still be safe when called from elsewhere.
    make_request(name="Bob\r\nBcc: x@example.com", email="bob@example.org", message="Hi\r\nBcc: y@example.com")
    for row in outbox():
        for header in (row.sender, row.recipient, row.reply_to or "", row.subject):
            assert "\r" not in header and "\n" not in header
    assert deliver_outbox(app) == 2
    assert envelope_recipients(smtp_server) == ["bob@example.org", "nino@example.org"]
    for message in smtp_server.messages:
        assert message["Bcc"] is None
        assert "x@example.com" not in [addr for _n, addr in getaddresses(message.get_all("To", []))]
    to_desk = received_by(smtp_server, "nino@example.org")
    assert to_desk["Subject"] == "Question from Bob Bcc: x@example.com"
    ack = received_by(smtp_server, "bob@example.org")
    assert display_name(ack) == "Bob Bcc: x@example.com"
    assert len(ack["To"].addresses) == 1
