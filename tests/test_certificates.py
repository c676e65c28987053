"""Certificates of participation: the rule, the PDF (text read back with pypdf), the verification page, revocation."""

import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.calendar import attendance
from app.extensions import db
from app.participation import certificates
from app.participation.models import RULE_MINUTES, RULE_SESSIONS, Certificate
from app.registrations import services as registrations
from tests.factories import outbox
from tests.participation_support import working_group


def attend(group, pattern: dict) -> None:
    """``pattern``: registration -> indexes of the sessions marked by hand."""
    for number, session in enumerate(group.event.sessions):
        attendance.mark_session(session, {r.id for r, sessions in pattern.items() if number in sessions}, None)
    db.session.commit()


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def group(app, desks):
    group = working_group(desks)
    attend(group, {group.tamar: {0, 1, 2, 3}, group.irakli: {0, 1, 3}, group.olena: {0, 1}, group.jurgen: {1, 2, 3}})
    return group


def test_exactly_the_participants_who_meet_the_rule_get_one(app, group):
    certificates.save_rule(group.event, kind=RULE_SESSIONS, minimum=3, text="For building a network of peers.")
    assert certificates.issue_certificates(group.event) == 3
    db.session.commit()
    holders = set(db.session.scalars(sa.select(Certificate.registration_id)))
    assert holders == {group.tamar.id, group.irakli.id, group.jurgen.id}
    assert {m.recipient.split("<")[-1].rstrip(">") for m in outbox("certificate_ready")} == {
        "tamar@example.org",
        "irakli@example.ge",
        "jurgen@example.org",
    }
    # Issuing again adds nobody and sends nothing more.
    assert certificates.issue_certificates(group.event) == 0
    assert len(outbox("certificate_ready")) == 3


def test_minutes_rule_counts_the_reports_only(app, group):
    imported = attendance.start_import(
        group.event.sessions[0],
        b"Name,User Email,Duration (Minutes)\nOlena,olena@example.org,200\nTamar,tamar@example.org,20\n",
        "r.csv",
        None,
    )
    attendance.apply_import(imported, set(), None)
    certificates.save_rule(group.event, kind=RULE_MINUTES, minimum=180)
    certificates.issue_certificates(group.event)
    db.session.commit()
    assert set(db.session.scalars(sa.select(Certificate.registration_id))) == {group.olena.id}


def test_rule_is_checked(app, group):
    with pytest.raises(certificates.CertificateError) as caught:
        certificates.save_rule(group.event, kind=RULE_SESSIONS, minimum=5)
    assert caught.value.fields.keys() == {"minimum"}
    with pytest.raises(certificates.CertificateError):
        certificates.save_rule(group.event, kind="bribes", minimum=1)


def test_pdf_has_the_georgian_name_the_event_and_the_code(app, client, group):
    certificates.save_rule(group.event, kind=RULE_SESSIONS, minimum=3, organiser="Network coordination, Tbilisi")
    certificates.issue_certificates(group.event)
    token = registrations.new_manage_token(group.irakli)
    db.session.commit()
    certificate = certificates.certificate_for(group.irakli)
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Download your certificate (PDF)" in page
    response = client.get(f"/r/{token}/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    text = pdf_text(response.data)
    assert "ირაკლი სამხარაძე" in text
    assert "Digitalisation Working Group 2021" in text
    assert certificate.code in text
    assert "Workshop IV: Opportunities" in text and "Workshop III" not in text  # he missed the third
    assert "Network coordination, Tbilisi" in text
    assert f"/certificates/{certificate.code}" in text
    # The font is embedded: a reader without DejaVu shows the same glyphs.
    assert b"/FontFile2" in response.data


def test_armenian_and_cyrillic_names_survive_too(app, group):
    group.tamar.name = "Անահիտ Գրիգորյան"
    group.olena.name = "Олена Коваленко"
    db.session.commit()
    attend(group, {group.tamar: {0, 1, 2, 3}, group.olena: {0, 1, 2}})
    certificates.save_rule(group.event, kind=RULE_SESSIONS, minimum=3)
    certificates.issue_certificates(group.event)
    from app.participation.pdf import certificate_pdf

    assert "Անահիտ Գրիգորյան" in pdf_text(certificate_pdf(certificates.certificate_for(group.tamar), "en"))
    assert "Олена Коваленко" in pdf_text(certificate_pdf(certificates.certificate_for(group.olena), "en"))


def test_verification_page_confirms_then_says_revoked(app, client, login, group, tbilisi_coordinator):
    certificates.save_rule(group.event, kind=RULE_SESSIONS, minimum=3)
    certificates.issue_certificates(group.event)
    db.session.commit()
    certificate = certificates.certificate_for(group.irakli)
    page = client.get(f"/certificates/{certificate.code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Valid." in html and "ირაკლი სამხარაძე" in html and "Digitalisation Working Group 2021" in html
    assert "irakli@example.ge" not in html
    # Typed in lower case without dashes, the code still finds it.
    assert client.get(f"/certificates/{certificate.code.replace('-', '').lower()}").status_code == 301

    login(tbilisi_coordinator)
    response = client.post(
        f"/dashboard/events/{group.event.id}/certificates/{certificate.id}/revoke", data={"reason": "Issued by mistake"}
    )
    assert response.status_code == 302
    html = client.get(f"/certificates/{certificate.code}").get_data(as_text=True)
    assert "Revoked." in html and "Valid." not in html
    token = registrations.new_manage_token(group.irakli)
    db.session.commit()
    assert client.get(f"/r/{token}/certificate.pdf").status_code == 404


@pytest.mark.parametrize("code", ["AAAA-BBBB-CCCC-DDDD", "nothing", "x" * 300, "%00", "ЖЖЖЖ"])
def test_unknown_code_is_a_404(app, client, code):
    assert client.get(f"/certificates/{code}").status_code == 404


def test_pdf_has_a_qr_code_of_the_verification_url(app, group):
    certificates.save_rule(group.event, kind=RULE_SESSIONS, minimum=3)
    certificates.issue_certificates(group.event)
    from app.participation.pdf import certificate_pdf

    data = certificate_pdf(certificates.certificate_for(group.tamar), "en")
    # Drawn as filled rectangles: many "re" operators in the page's content stream.
    content = PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data().decode("latin-1")
    assert len(re.findall(r" re f", content)) > 100


def test_coordinator_sets_rule_and_issues_from_the_dashboard(app, client, login, group, tbilisi_coordinator):
    login(tbilisi_coordinator)
    page = client.get(f"/dashboard/events/{group.event.id}/certificates")
    assert page.status_code == 200
    bad = client.post(
        f"/dashboard/events/{group.event.id}/certificates/rule", data={"kind": "sessions", "minimum": "9"}
    )
    assert bad.status_code == 422 and "nobody could attend 9" in bad.get_data(as_text=True)
    ok = client.post(
        f"/dashboard/events/{group.event.id}/certificates/rule",
        data={"kind": "sessions", "minimum": "3", "text": "Thank you", "organiser": "Tbilisi desk"},
    )
    assert ok.status_code == 302
    assert client.post(f"/dashboard/events/{group.event.id}/certificates/issue").status_code == 302
    html = client.get(f"/dashboard/events/{group.event.id}/certificates").get_data(as_text=True)
    issued = db.session.scalars(sa.select(Certificate)).all()
    assert len(issued) == 3
    for c in issued:
        # The list shows the coordinator's own desk: Jürgen is routed to the German desk.
        assert (f"/certificates/{c.code}" in html) == (c.registration_id != group.jurgen.id)


def test_deleting_ones_data_revokes_the_certificate(app, group):
    certificates.save_rule(group.event, kind=RULE_SESSIONS, minimum=3)
    certificates.issue_certificates(group.event)
    db.session.commit()
    registrations.anonymise(group.tamar)
    db.session.commit()
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.registration_id == group.tamar.id))
    assert certificate.is_revoked and certificate.name == "Deleted participant"
