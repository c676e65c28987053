"""The admin outbox page: who may see it, filters, Retry, Cancel, the test email form, CSRF."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape

from app.extensions import db
from app.mail import services, worker
from app.mail.models import CANCELLED, FAILED, QUEUED, SENDING, SENT, OutboxMessage
from app.types import utcnow
from tests import factories


def make(status: str, to: str, *, kind: str = "test", error: str = "") -> OutboxMessage:
    message = services.queue_email(kind=kind, to=to, template="test_message")
    message.status = status
    message.last_error = error
    message.attempts = 0 if status == QUEUED else 1
    db.session.commit()
    return message


def reload(message: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message.id)


def test_outbox_is_for_admins_only(app, client, login, tbilisi_coordinator):
    message = make(FAILED, "a@example.org")
    assert client.get("/dashboard/outbox").status_code == 302  # to the login page

    login(tbilisi_coordinator)

    assert client.get("/dashboard/outbox").status_code == 404
    assert client.get(f"/dashboard/outbox/{message.id}").status_code == 404
    assert client.post(f"/dashboard/outbox/{message.id}/retry").status_code == 404
    assert client.post(f"/dashboard/outbox/{message.id}/cancel").status_code == 404
    assert client.post("/dashboard/outbox/test", data={"address": "x@example.org"}).status_code == 404
    assert reload(message).status == FAILED
    assert "Outbox" not in client.get("/dashboard/").get_data(as_text=True)


def test_outbox_lists_messages_and_filters_by_status_and_kind(app, admin, login):
    make(QUEUED, "queued@example.org")
    make(SENDING, "sending@example.org")
    make(SENT, "sent@example.org", kind="confirmed")
    make(FAILED, "failed@example.org", error="550 5.1.1 no such user")
    make(CANCELLED, "cancelled@example.org")
    client = login(admin)

    def listed(query: str = "") -> set[str]:
        response = client.get(f"/dashboard/outbox{query}")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        return set(re.findall(r"<td>([a-z]+@example\.org)</td>", response.get_data(as_text=True)))

    everyone = {"queued@", "sending@", "sent@", "failed@", "cancelled@"}
    assert listed() == {f"{name}example.org" for name in everyone}
    assert listed("?status=queued") == {"queued@example.org", "sending@example.org"}
    assert listed("?status=failed") == {"failed@example.org"}
    assert listed("?status=sent") == {"sent@example.org"}
    assert listed("?status=cancelled") == {"cancelled@example.org"}
    assert listed("?kind=confirmed") == {"sent@example.org"}
    assert listed("?status=failed&kind=confirmed") == set()
    assert listed("?status=nonsense") == listed("?status=all")

    page = client.get("/dashboard/outbox?status=failed").get_data(as_text=True)
    assert "550 5.1.1 no such user" in page
    assert 'href="/dashboard/outbox"' in client.get("/dashboard/").get_data(as_text=True)


def test_message_detail_shows_the_text_and_the_error(app, admin, login):
    message = make(FAILED, "failed@example.org", error="550 5.1.1 no such user")

    page = login(admin).get(f"/dashboard/outbox/{message.id}").get_data(as_text=True)

    assert str(escape(message.message_id)) in page
    assert "550 5.1.1 no such user" in page
    assert "If you can read it, outgoing email works" in page
    assert login(admin).get("/dashboard/outbox/999999").status_code == 404


def test_retry_queues_a_failed_message_again_and_the_worker_sends_it(app, admin, login, smtp_server):
    message = make(FAILED, "failed@example.org", error="550 5.1.1 mailbox full")
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message.id)
        .values(attempts=8, next_attempt_at=utcnow() + timedelta(days=1))
    )
    db.session.commit()

    response = login(admin).post(
        f"/dashboard/outbox/{message.id}/retry", data={"next": "/dashboard/outbox?status=failed"}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard/outbox?status=failed"
    message = reload(message)
    assert (message.status, message.attempts) == (QUEUED, 0)
    assert message.next_attempt_at <= utcnow()
    assert [o.status for o in worker.drain().outcomes] == ["sent"]
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["failed@example.org"]]


def test_cancel_stops_a_queued_message_and_retry_brings_it_back(app, admin, login, smtp_server):
    message = make(QUEUED, "queued@example.org")
    client = login(admin)

    assert client.post(f"/dashboard/outbox/{message.id}/cancel").status_code == 302
    assert reload(message).status == CANCELLED
    assert worker.drain().outcomes == []
    assert smtp_server.messages == []

    client.post(f"/dashboard/outbox/{message.id}/retry")
    assert reload(message).status == QUEUED
    assert [o.status for o in worker.drain().outcomes] == ["sent"]


@pytest.mark.parametrize(
    ("status", "action", "error"),
    [
        (SENT, "retry", "Only failed or cancelled messages can be retried; this one is sent."),
        (QUEUED, "retry", "Only failed or cancelled messages can be retried; this one is queued."),
        (SENT, "cancel", "Only queued or failed messages can be cancelled; this one is sent."),
        (SENDING, "cancel", "Only queued or failed messages can be cancelled; this one is sending."),
        (CANCELLED, "cancel", "Only queued or failed messages can be cancelled; this one is cancelled."),
    ],
)
def test_changes_the_status_does_not_allow_are_refused(app, admin, login, status, action, error):
    message = make(status, "a@example.org")
    client = login(admin)

    response = client.post(f"/dashboard/outbox/{message.id}/{action}", follow_redirects=True)

    assert response.status_code == 200
    assert error in response.get_data(as_text=True)
    assert reload(message).status == status


def test_retry_and_cancel_of_a_missing_message_are_404(app, admin, login):
    client = login(admin)
    assert client.post("/dashboard/outbox/4242/retry").status_code == 404
    assert client.post("/dashboard/outbox/4242/cancel").status_code == 404


def test_retry_and_cancel_are_post_only(app, admin, login):
    message = make(FAILED, "a@example.org")
    client = login(admin)
    assert client.get(f"/dashboard/outbox/{message.id}/retry").status_code == 405
    assert client.get(f"/dashboard/outbox/{message.id}/cancel").status_code == 405
    assert reload(message).status == FAILED


def test_the_test_email_form_queues_a_message(app, admin, login, smtp_server):
    client = login(admin)

    response = client.post("/dashboard/outbox/test", data={"address": "ops@example.org"}, follow_redirects=True)

    assert response.status_code == 200
    (row,) = db.session.scalars(sa.select(OutboxMessage)).all()
    assert (row.kind, row.recipient, row.status) == ("test", "ops@example.org", QUEUED)
    assert f"Test email #{row.id} queued for ops@example.org." in response.get_data(as_text=True)
    worker.drain()
    assert "requested by Ada Admin" in smtp_server.messages[0].get_body(("plain",)).get_content()


@pytest.mark.parametrize("address", ["", "not an address", "a@example.org\r\nBcc: x@example.com", "x" * 250 + "@a.org"])
def test_the_test_email_form_refuses_bad_addresses(app, admin, login, address):
    response = login(admin).post("/dashboard/outbox/test", data={"address": address})

    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _login_with_csrf(client, coordinator) -> None:
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": coordinator.email, "password": factories.PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_retry_cancel_and_test_email_need_the_csrf_token(app, client, admin):
    failed = make(FAILED, "failed@example.org")
    queued = make(QUEUED, "queued@example.org")
    _login_with_csrf(client, admin)

    assert client.post(f"/dashboard/outbox/{failed.id}/retry").status_code == 400
    assert client.post(f"/dashboard/outbox/{queued.id}/cancel").status_code == 400
    assert client.post("/dashboard/outbox/test", data={"address": "ops@example.org"}).status_code == 400
    assert (reload(failed).status, reload(queued).status) == (FAILED, QUEUED)
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 2

    token = _csrf_token(client.get("/dashboard/outbox").get_data(as_text=True))
    assert client.post(f"/dashboard/outbox/{failed.id}/retry", data={"csrf_token": token}).status_code == 302
    assert client.post(f"/dashboard/outbox/{queued.id}/cancel", data={"csrf_token": token}).status_code == 302
    assert (reload(failed).status, reload(queued).status) == (QUEUED, CANCELLED)
