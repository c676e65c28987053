"""Deleting personal data touches only what it should, leaves nothing behind in the outbox, and is silent when
the retention purge does it; coordinators see only the emails of the registration they look at."""

from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from app.mail import worker
from app.mail.models import CANCELLED, QUEUED, SENT, OutboxMessage
from app.registrations import services
from app.registrations.models import Registration
from tests.contact_support import make_request
from tests.factories import make_event
from tests.registration_helpers import MANAGE_LINK, form_data, register_and_confirm

PERSONAL = ("Олена", "Коваленко", "olena@example.org", "Lviv City Council")


def rows(**where) -> list[OutboxMessage]:
    db.session.expire_all()
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return list(db.session.scalars(query))


def personal_data_in(message: OutboxMessage, words=PERSONAL) -> list[str]:
    text = " ".join(
        str(part or "")
        for part in (
            message.recipient,
            message.reply_to,
            message.subject,
            message.text_body,
            message.html_body,
            message.calendar_ics,
            message.attachments,
            message.last_error,
        )
    )
    return [word for word in words if word.lower() in text.lower()]


def registration_of(event) -> Registration:
    db.session.expire_all()
    return db.session.scalars(sa.select(Registration).where(Registration.event_id == event.id)).one()


def manage_token(confirm_response) -> str:
    return MANAGE_LINK.search(confirm_response.headers["Location"]).group(1)


# --- 4. Deleting one registration touches that registration only -------------------------------------


def test_deleting_one_registration_leaves_the_other_registrations_mail_alone(app, client, desks, smtp_server):
    first = make_event(desks.tbilisi, title="Open Data Roundtable")
    second = make_event(desks.tbilisi, title="Smart City Workshop")
    manage = manage_token(register_and_confirm(client, first))
    register_and_confirm(client, second)
    other = registration_of(second)
    queued_for_other = [m.id for m in rows(registration_id=other.id)]
    assert queued_for_other and all(m.status == QUEUED for m in rows(registration_id=other.id))

    assert client.post(f"/r/{manage}/delete", data={"confirm": "y"}).status_code == 302

    untouched = rows(registration_id=other.id)
    assert [m.id for m in untouched] == queued_for_other
    assert all(m.status == QUEUED and "olena@example.org" in m.recipient for m in untouched)
    worker.drain()
    delivered = [m for m in smtp_server.messages if "Smart City Workshop" in str(m["Subject"])]
    # The participant of the other event gets their confirmation with the access link.
    assert any("/join/" in m.get_body(("plain",)).get_content() for m in delivered)
    assert registration_of(second).status == "confirmed"


def test_purge_of_one_event_leaves_the_same_persons_live_registration_alone(app, client, desks):
    past = make_event(
        desks.tbilisi, title="Past Forum", sessions=((datetime(2020, 10, 7, 13), datetime(2020, 10, 7, 15)),)
    )
    live = make_event(desks.tbilisi, title="Future Forum")
    register_and_confirm(client, live)
    registration = Registration(
        event=past,
        desk_id=desks.tbilisi.id,
        name="Олена Коваленко",
        email="olena@example.org",
        email_normalized="olena@example.org",
        country="UA",
        expert_type="international",
        timezone="Europe/Kyiv",
        status="confirmed",
        calendar_uid="past-uid",
        routing_reason="Ukraine: covered by this desk",
    )
    db.session.add(registration)
    db.session.commit()
    live_rows = [(m.id, m.status) for m in rows(registration_id=registration_of(live).id)]

    app.config["RETENTION_DAYS"] = 30
    assert services.remove_old_personal_data() == 1
    db.session.commit()

    assert [(m.id, m.status) for m in rows(registration_id=registration_of(live).id)] == live_rows
    assert registration_of(live).name == "Олена Коваленко"


# --- 5. The retention purge is silent -------------------------------------------------------------------


def test_purge_sends_nothing_and_keeps_status_and_counts(app, client, desks, runner):
    event = make_event(desks.tbilisi, capacity=10)
    register_and_confirm(client, event)
    register_and_confirm(client, event, email="second@example.org", name="Second Person")
    worker.drain()
    before_rows = len(rows())
    counts = services.status_counts(event)
    assert counts == {"confirmed": 2}

    app.config["RETENTION_DAYS"] = -36500  # everything counts as old
    result = runner.invoke(args=["registrations", "purge"])
    assert result.exit_code == 0, result.output

    assert len(rows()) == before_rows  # not one email queued
    assert services.status_counts(event) == counts
    assert services.confirmed_count(event) == 2
    for registration in db.session.scalars(sa.select(Registration)):
        assert registration.status == "confirmed" and registration.name == "Deleted participant"
        assert [t.to_status for t in registration.transitions][-1] == "confirmed"


# --- 6. Nothing personal stays in the outbox --------------------------------------------------------------


def test_deletion_empties_the_cancellation_and_calendar_cancel_once_they_are_sent(app, client, desks, smtp_server):
    event = make_event(desks.tbilisi)
    manage = manage_token(register_and_confirm(client, event))
    registration = registration_of(event)
    worker.drain()

    client.post(f"/r/{manage}/delete", data={"confirm": "y"})
    told = [m for m in rows(registration_id=registration.id) if m.status == QUEUED]
    assert {m.kind for m in told} >= {"registration_cancelled", "invite_cancel"}

    report = worker.drain()

    assert len(report.sent) == len(told)
    # They reached the person...
    assert all(e.rcpt_tos == ["olena@example.org"] for e in smtp_server.envelopes[-len(told) :])
    # ...and nothing of the person stays behind.
    for message in rows(registration_id=registration.id):
        assert personal_data_in(message) == [], (message.kind, message.status)
        assert message.scrubbed_at is not None
    assert rows(registration_id=registration.id)[-1].status == SENT


def test_contact_purge_empties_the_desk_emails_and_the_acknowledgement(
    app, client, desks, smtp_server, tbilisi_coordinator, runner
):
    make_request(name="Tamar Lomidze", email="tamar.lomidze@example.org", message="Will the workshop be recorded?")
    worker.drain()
    words = ("Tamar", "Lomidze", "tamar.lomidze@example.org", "City Hall", "recorded")
    sent = rows()
    assert {m.kind for m in sent} == {"contact_coordinator", "contact_acknowledgement"}
    assert all(personal_data_in(m, words) for m in sent)

    app.config["RETENTION_DAYS"] = -36500
    assert runner.invoke(args=["registrations", "purge"]).exit_code == 0

    for message in rows():
        assert personal_data_in(message, words) == [], message.kind


def test_purge_finds_emails_of_registrations_deleted_before(app, client, desks, runner):
    event = make_event(desks.tbilisi)
    manage = manage_token(register_and_confirm(client, event))
    registration = registration_of(event)
    client.post(f"/r/{manage}/delete", data={"confirm": "y"})
    # A worker sent the cancellation and stopped before it could empty it.
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.registration_id == registration.id, OutboxMessage.status == QUEUED)
        .values(status=SENT)
    )
    db.session.commit()
    assert any(personal_data_in(m) for m in rows(registration_id=registration.id))

    assert runner.invoke(args=["registrations", "purge"]).exit_code == 0

    assert all(personal_data_in(m) == [] for m in rows(registration_id=registration.id))


def test_a_queued_email_is_cancelled_by_the_purge(app, client, desks):
    event = make_event(desks.tbilisi)
    client.post(f"/events/{event.slug}/register", data=form_data())
    app.config["RETENTION_DAYS"] = -36500
    services.remove_old_personal_data()
    db.session.commit()
    [message] = rows()
    assert message.status == CANCELLED and personal_data_in(message) == []


# --- 13. A registration's page lists that registration's emails only -------------------------------------


def test_registration_page_lists_only_its_own_emails(app, client, login, desks, tbilisi_coordinator):
    mine = make_event(desks.tbilisi, title="Open Data Roundtable")
    germany = make_event(desks.germany, title="Hidden German Expert Meeting")
    register_and_confirm(client, mine)
    register_and_confirm(client, germany, expert_type="german", country="DE")
    make_request(email="olena@example.org", name="Олена Коваленко", message="A private question")
    assert {m.subject for m in rows()} >= {"We have received your question"}

    login(tbilisi_coordinator)
    page = client.get(f"/dashboard/registrations/{registration_of(mine).id}").get_data(as_text=True)

    assert "Open Data Roundtable" in page
    assert "Hidden German Expert Meeting" not in page
    assert "We have received your question" not in page
    assert services.emails_for(registration_of(mine)) == rows(registration_id=registration_of(mine).id)[::-1]
