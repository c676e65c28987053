"""Each state machine lists its actions with reasons, the pages show exactly the open ones, and the services
refuse what they did not offer."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.contact import services as contact_services
from app.contact.models import CONTACT_ANSWERED, CONTACT_CLOSED, CONTACT_NEW
from app.errors import DomainError
from app.events import services as event_services
from app.events.models import CANCELLED as EVENT_CANCELLED
from app.events.models import DRAFT, PUBLISHED
from app.extensions import db
from app.mail import services as mail_services
from app.mail.models import CANCELLED, FAILED, QUEUED, SENDING, SENT
from app.registrations import services
from app.registrations.models import (
    CANCELLED as REG_CANCELLED,
)
from app.registrations.models import (
    CONFIRMED,
    EXPIRED,
    PENDING_APPROVAL,
    PENDING_VERIFICATION,
    REJECTED,
    WAITLISTED,
    Registration,
)
from tests.contact_support import make_request
from tests.factories import make_event
from tests.registration_helpers import messages_to, register_and_confirm

ROOT = Path(__file__).resolve().parent.parent

# (status, a seat is free) -> the decisions open to a coordinator; every other one is refused with a reason.
REGISTRATION_TABLE = {
    (PENDING_VERIFICATION, True): {"cancel"},
    (PENDING_VERIFICATION, False): {"cancel"},
    (PENDING_APPROVAL, True): {"approve", "reject", "cancel"},
    (PENDING_APPROVAL, False): {"approve", "waitlist", "reject", "cancel"},
    (WAITLISTED, True): {"approve", "reject", "cancel"},
    (WAITLISTED, False): {"reject", "cancel"},
    (CONFIRMED, True): {"reject", "cancel"},
    (CONFIRMED, False): {"reject", "cancel"},
    (REJECTED, True): set(),
    (REJECTED, False): set(),
    (REG_CANCELLED, True): set(),
    (REG_CANCELLED, False): set(),
    (EXPIRED, True): set(),
    (EXPIRED, False): set(),
}


@pytest.mark.parametrize(("status", "free_seat"), list(REGISTRATION_TABLE))
def test_registration_decisions_table(app, desks, status, free_seat):
    event = make_event(desks.tbilisi, capacity=5)
    registration = Registration(
        event=event,
        desk_id=desks.tbilisi.id,
        routing_reason="test",
        name="Dren Krasniqi",
        email="dren@example.org",
        email_normalized="dren@example.org",
        country="XK",
        expert_type="international",
        timezone="Europe/Belgrade",
        status=status,
        calendar_uid="uid",
    )
    actions = services.registration_actions(registration, free_seat)
    assert [a.name for a in actions] == ["approve", "waitlist", "reject", "cancel"]
    assert {a.name for a in actions if a.allowed} == REGISTRATION_TABLE[(status, free_seat)]
    for action in actions:
        assert action.allowed or action.reason, action
    assert {a.name for a in actions if a.destructive} == {"reject", "cancel"}
    if status == WAITLISTED:
        assert actions[0].label == "Give a seat"


def test_deleted_participant_has_no_decision(app, desks, client):
    event = make_event(desks.tbilisi, approval_required=True)
    register_and_confirm(client, event)
    registration = db.session.scalar(sa.select(Registration))
    services.anonymise(registration)
    db.session.commit()
    actions = services.registration_actions(registration)
    assert not [a for a in actions if a.allowed]
    assert all("deleted their data" in a.reason for a in actions)


def _buttons(html: str, form_action: str) -> list[str]:
    """The decision buttons of the forms posting to ``form_action`` (value or hidden decision)."""
    found = []
    pattern = r"<form[^>]*action=\"" + re.escape(form_action) + r"\"[^>]*>(.*?)</form>"
    for form in re.findall(pattern, html, re.S):
        found += re.findall(r'name="decision" value="(\w+)"', form)
    return found


def test_pages_show_exactly_the_open_decisions(client, login, tbilisi_coordinator, desks):
    event = make_event(desks.tbilisi, capacity=1, approval_required=True)
    for n, email in enumerate(("a@example.org", "b@example.org", "c@example.org")):
        register_and_confirm(client, event, email=email, name=f"Person {n}")
    login(tbilisi_coordinator)
    first, second, third = db.session.scalars(sa.select(Registration).order_by(Registration.id)).all()
    client.post(f"/dashboard/events/{event.id}/registrations/decide", data={"decision": "approve", "ids": [first.id]})
    client.post(f"/dashboard/events/{event.id}/registrations/decide", data={"decision": "waitlist", "ids": [second.id]})
    db.session.expire_all()
    assert (first.status, second.status, third.status) == (CONFIRMED, WAITLISTED, PENDING_APPROVAL)

    decide_url = f"/dashboard/events/{event.id}/registrations/decide"
    html = client.get(f"/dashboard/events/{event.id}/registrations").get_data(as_text=True)
    rows = {}
    for form in re.findall(
        r'<form method="post" action="' + decide_url + r'" class="inline-form">(.*?)</form>', html, re.S
    ):
        rid = int(re.search(r'name="ids" value="(\d+)"', form).group(1))
        rows.setdefault(rid, []).append(re.search(r'name="decision" value="(\w+)"', form).group(1))
    for registration in (first, second, third):
        expected = [a.name for a in services.registration_actions(registration) if a.allowed]
        assert rows.get(registration.id, []) == expected
    assert rows[second.id] == ["reject", "cancel"]  # no "Give a seat" while no seat is free

    for registration in (first, second, third):
        page = client.get(f"/dashboard/registrations/{registration.id}").get_data(as_text=True)
        expected = [a.name for a in services.registration_actions(registration) if a.allowed]
        assert _buttons(page, decide_url) == expected
        for refused in (a for a in services.registration_actions(registration) if not a.allowed):
            assert refused.reason.replace("'", "&#39;") in page


def test_approve_on_a_full_event_says_waitlist_and_why(client, login, tbilisi_coordinator, desks):
    event = make_event(desks.tbilisi, capacity=1, approval_required=True)
    register_and_confirm(client, event, email="amra@example.org", name="Amra Hadžić")
    register_and_confirm(client, event, email="dren@example.org", name="Dren Krasniqi")
    login(tbilisi_coordinator)
    amra, dren = db.session.scalars(sa.select(Registration).order_by(Registration.id)).all()
    url = f"/dashboard/events/{event.id}/registrations/decide"
    client.post(url, data={"decision": "approve", "ids": [amra.id]})
    response = client.post(url, data={"decision": "approve", "ids": [dren.id]}, follow_redirects=True)
    assert "Dren Krasniqi is on the waitlist: no seat is free." in response.get_data(as_text=True)
    db.session.expire_all()
    assert dren.status == WAITLISTED

    response = client.post(url, data={"decision": "approve", "ids": [dren.id]}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Dren Krasniqi: No seat is free" in text
    assert "registrations changed" not in text
    db.session.expire_all()
    assert dren.status == WAITLISTED


def test_bulk_outcomes_are_per_person(client, login, tbilisi_coordinator, desks):
    event = make_event(desks.tbilisi, capacity=1, approval_required=True)
    register_and_confirm(client, event, email="amra@example.org", name="Amra Hadžić")
    register_and_confirm(client, event, email="dren@example.org", name="Dren Krasniqi")
    login(tbilisi_coordinator)
    ids = [r.id for r in db.session.scalars(sa.select(Registration).order_by(Registration.id))]
    response = client.post(
        f"/dashboard/events/{event.id}/registrations/decide",
        data={"decision": "approve", "ids": ids},
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "Amra Hadžić is confirmed and receives the access link." in text
    assert "Dren Krasniqi is on the waitlist: no seat is free." in text


@pytest.mark.parametrize("decision", ["cancel", "reject"])
def test_destructive_decisions_need_confirmation_and_carry_the_message(
    client, login, tbilisi_coordinator, desks, decision
):
    event = make_event(desks.tbilisi, capacity=3)
    register_and_confirm(client, event, email="amra@example.org", name="Amra Hadžić")
    login(tbilisi_coordinator)
    registration = db.session.scalar(sa.select(Registration))
    assert registration.status == CONFIRMED
    sent_before = len(messages_to("amra@example.org"))
    url = f"/dashboard/events/{event.id}/registrations/decide"

    first = client.post(url, data={"decision": decision, "ids": [registration.id], "message": "Sorry"})
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    assert "please confirm" in page and 'name="confirmed"' in page and "Amra Hadžić" in page
    db.session.expire_all()
    assert registration.status == CONFIRMED
    assert len(messages_to("amra@example.org")) == sent_before

    done = client.post(
        url,
        data={
            "decision": decision,
            "ids": [registration.id],
            "message": "The room changed, sorry.",
            "confirmed": "yes",
        },
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert registration.status == (REG_CANCELLED if decision == "cancel" else REJECTED)
    kind = "registration_cancelled" if decision == "cancel" else "registration_rejected"
    assert "The room changed, sorry." in messages_to("amra@example.org", kind)[-1].text_body


def test_a_freed_seat_is_named_in_the_outcome(client, login, tbilisi_coordinator, desks):
    event = make_event(desks.tbilisi, capacity=1)
    register_and_confirm(client, event, email="amra@example.org", name="Amra Hadžić")
    register_and_confirm(client, event, email="dren@example.org", name="Dren Krasniqi")
    login(tbilisi_coordinator)
    amra = db.session.scalar(sa.select(Registration).where(Registration.email == "amra@example.org"))
    response = client.post(
        f"/dashboard/events/{event.id}/registrations/decide",
        data={"decision": "cancel", "ids": [amra.id], "confirmed": "yes"},
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "The registration of Amra Hadžić is cancelled" in text
    assert "The freed seat went to Dren Krasniqi from the waitlist." in text


CONTACT_TABLE = {
    CONTACT_NEW: {"answered", "close", "note", "reassign"},
    CONTACT_ANSWERED: {"close", "reopen", "note", "reassign"},
    CONTACT_CLOSED: {"reopen", "note"},
}


@pytest.mark.parametrize("status", list(CONTACT_TABLE))
def test_contact_request_actions_table(client, login, desks, tbilisi_coordinator, status):
    request_ = make_request()
    request_.status = status
    db.session.commit()
    actions = contact_services.request_actions(request_, tbilisi_coordinator)
    assert {a.name for a in actions if a.allowed} == CONTACT_TABLE[status]
    assert all(a.allowed or a.reason for a in actions)
    login(tbilisi_coordinator)
    html = client.get(f"/dashboard/inbox/{request_.id}").get_data(as_text=True)
    shown = set(re.findall(rf"/dashboard/inbox/{request_.id}/(answered|close|reopen)\"", html))
    assert shown == CONTACT_TABLE[status] & {"answered", "close", "reopen"}
    assert ("Pass to another desk" in html) == ("reassign" in CONTACT_TABLE[status])
    refused = next((a for a in ("answered", "reopen") if a not in CONTACT_TABLE[status]), None)
    if refused:
        response = client.post(f"/dashboard/inbox/{request_.id}/{refused}", data={}, follow_redirects=True)
        assert next(a.reason for a in actions if a.name == refused) in response.get_data(as_text=True)
        db.session.expire_all()
        assert request_.status == status


OUTBOX_TABLE = {
    QUEUED: {"cancel"},
    SENDING: set(),
    SENT: set(),
    FAILED: {"retry", "cancel"},
    CANCELLED: {"retry"},
}


@pytest.mark.parametrize("status", list(OUTBOX_TABLE))
def test_outbox_actions_table(client, login, admin, status):
    message = mail_services.queue_email(kind="test", to="x@example.org", template="test_message", context={})
    message.status = status
    db.session.commit()
    actions = mail_services.message_actions(message)
    assert {a.name for a in actions if a.allowed} == OUTBOX_TABLE[status]
    login(admin)
    html = client.get(f"/dashboard/outbox/{message.id}").get_data(as_text=True)
    assert set(re.findall(rf"/dashboard/outbox/{message.id}/(retry|cancel)\"", html)) == OUTBOX_TABLE[status]
    for action in actions:
        if not action.allowed:
            with pytest.raises(DomainError):
                (mail_services.retry_message if action.name == "retry" else mail_services.cancel_message)(message)
            db.session.rollback()


EVENT_TABLE = {
    DRAFT: {"edit", "publish", "cancel"},
    PUBLISHED: {"edit", "unpublish", "cancel"},
    EVENT_CANCELLED: set(),
}


@pytest.mark.parametrize("status", list(EVENT_TABLE))
def test_event_actions_table(client, login, desks, tbilisi_coordinator, germany_coordinator, status):
    event = make_event(desks.tbilisi, publish=False)
    event.status = status
    db.session.commit()
    actions = event_services.event_actions(event, tbilisi_coordinator)
    assert {a.name for a in actions if a.allowed} == EVENT_TABLE[status]
    assert not [a for a in event_services.event_actions(event, germany_coordinator) if a.allowed]
    login(tbilisi_coordinator)
    html = client.get(f"/dashboard/events/{event.id}").get_data(as_text=True)
    shown = set(re.findall(rf"/dashboard/events/{event.id}/(edit|publish|unpublish|cancel)\"", html))
    assert shown == EVENT_TABLE[status]
    for name in {"publish", "unpublish"} - EVENT_TABLE[status]:
        with pytest.raises(DomainError):
            getattr(event_services, f"{name}_event")(event)
        db.session.rollback()


def test_import_contracts_pass_and_a_forbidden_import_is_reported(tmp_path):
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is installed with the development requirements"
    ok = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # The same tree with one forbidden import: events reaching up into registrations.
    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "app", copy / "app", ignore=shutil.ignore_patterns("__pycache__", "translations"))
    shutil.copy(ROOT / ".importlinter", copy / ".importlinter")
    (copy / "app" / "events" / "probe.py").write_text("from app.registrations.services import seats_left  # noqa\n")
    broken = subprocess.run([lint, "--no-cache"], cwd=copy, capture_output=True, text=True, timeout=120)
    assert broken.returncode != 0
    assert "Domains are layered BROKEN" in broken.stdout
    assert "app.events.probe -> app.registrations.services" in broken.stdout
