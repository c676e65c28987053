"""The coordinators' inbox: each desk sees and changes only its own requests; admins see all."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.contact import services
from app.contact.models import ContactRequest
from app.extensions import db
from tests import factories
from tests.contact_support import counts, make_germany_request, make_request, outbox

ACTIONS = [
    ("reassign", {"reassign-desk": "{other}", "reassign-note": "Not ours"}),
    ("answered", {"status-note": ""}),
    ("close", {"status-note": ""}),
    ("reopen", {"status-note": ""}),
    ("note", {"comment-note": "Looked at it"}),
]


@pytest.fixture
def requests_(app, desks, tbilisi_coordinator, germany_coordinator):
    """One request for each desk, made through the contact service."""
    tbilisi = make_request(name="Tamar Lomidze", email="tamar@example.org", country="GE")
    germany = make_germany_request(name="Katrin Schäfer", email="katrin@example.de")
    return tbilisi, germany


def snapshot(contact: ContactRequest):
    db.session.expire_all()
    fresh = db.session.get(ContactRequest, contact.id)
    return fresh.desk_id, fresh.status, len(fresh.history), counts()


def listed_names(response) -> list[str]:
    return re.findall(r'<a href="/dashboard/inbox/\d+">([^<]+)</a>', response.get_data(as_text=True))


# --- Isolation ---------------------------------------------------------------------------------------------


def test_each_coordinator_lists_only_their_desk(client, login, requests_, tbilisi_coordinator, germany_coordinator):
    login(tbilisi_coordinator)
    assert listed_names(client.get("/dashboard/inbox")) == ["Tamar Lomidze"]
    client.post("/logout")
    login(germany_coordinator)
    assert listed_names(client.get("/dashboard/inbox")) == ["Katrin Schäfer"]


def test_admin_lists_every_desk_newest_first(client, login, requests_, admin):
    tbilisi, germany = requests_
    # Make the order not simply the insertion order.
    tbilisi.created_at = germany.created_at + timedelta(minutes=5)
    db.session.commit()
    login(admin)
    assert listed_names(client.get("/dashboard/inbox")) == ["Tamar Lomidze", "Katrin Schäfer"]
    for contact in requests_:
        assert client.get(f"/dashboard/inbox/{contact.id}").status_code == 200


@pytest.mark.parametrize("direction", ["tbilisi_reads_germany", "germany_reads_tbilisi"])
def test_another_desks_request_is_not_found(
    client, login, requests_, tbilisi_coordinator, germany_coordinator, direction
):
    tbilisi, germany = requests_
    user, foreign = (
        (tbilisi_coordinator, germany) if direction == "tbilisi_reads_germany" else (germany_coordinator, tbilisi)
    )
    login(user)
    response = client.get(f"/dashboard/inbox/{foreign.id}")
    assert response.status_code == 404
    assert foreign.name not in response.get_data(as_text=True)
    assert foreign.name not in client.get("/dashboard/inbox").get_data(as_text=True)
    # Filtering by the other desk's country does not reveal it either.
    assert listed_names(client.get(f"/dashboard/inbox?country={foreign.country}")) == []


@pytest.mark.parametrize(("action", "data"), ACTIONS)
@pytest.mark.parametrize("direction", ["tbilisi_changes_germany", "germany_changes_tbilisi"])
def test_another_desks_request_cannot_be_changed(
    client, login, desks, requests_, admin, tbilisi_coordinator, germany_coordinator, direction, action, data
):
    tbilisi, germany = requests_
    if direction == "tbilisi_changes_germany":
        user, foreign, other = tbilisi_coordinator, germany, desks.tbilisi
    else:
        user, foreign, other = germany_coordinator, tbilisi, desks.germany
    if action == "reopen":
        # Only a closed or answered request can be reopened: make sure a leak would show as a change.
        services.close_request(foreign, admin, "")
        db.session.commit()
    before = snapshot(foreign)
    login(user)
    payload = {k: v.format(other=other.id) for k, v in data.items()}
    response = client.post(f"/dashboard/inbox/{foreign.id}/{action}", data=payload)
    assert response.status_code == 404
    assert snapshot(foreign) == before


def test_service_refuses_a_coordinator_of_another_desk(requests_, tbilisi_coordinator, desks):
    _tbilisi, germany = requests_
    with pytest.raises(services.RequestNotFound):
        services.get_request(tbilisi_coordinator, germany.id)
    for change in (services.mark_answered, services.close_request):
        with pytest.raises(services.RequestNotFound):
            change(germany, tbilisi_coordinator, "")
    with pytest.raises(services.RequestNotFound):
        services.reassign_request(germany, desks.tbilisi, tbilisi_coordinator, "mine now")
    with pytest.raises(services.RequestNotFound):
        services.add_note(germany, tbilisi_coordinator, "peek")


def test_unknown_request_is_not_found(client, login, admin, desks):
    login(admin)
    assert client.get("/dashboard/inbox/999999").status_code == 404
    assert client.post("/dashboard/inbox/999999/close", data={}).status_code == 404


def test_inbox_needs_a_login(client, requests_):
    tbilisi, _ = requests_
    for url in ("/dashboard/inbox", f"/dashboard/inbox/{tbilisi.id}"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    assert client.post(f"/dashboard/inbox/{tbilisi.id}/close").status_code == 302
    assert snapshot(tbilisi)[1] == "new"


def test_inbox_pages_are_not_cached(client, login, requests_, tbilisi_coordinator):
    tbilisi, _ = requests_
    login(tbilisi_coordinator)
    for url in ("/dashboard/inbox", f"/dashboard/inbox/{tbilisi.id}"):
        assert client.get(url).headers["Cache-Control"] == "no-store"


def test_actions_are_post_only(client, login, requests_, tbilisi_coordinator):
    tbilisi, _ = requests_
    login(tbilisi_coordinator)
    for action in ("reassign", "answered", "close", "reopen", "note"):
        assert client.get(f"/dashboard/inbox/{tbilisi.id}/{action}").status_code == 405


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_actions_need_the_csrf_token(client, requests_, tbilisi_coordinator):
    tbilisi, _ = requests_
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/login", data={"email": tbilisi_coordinator.email, "password": factories.PASSWORD, "csrf_token": token}
    )
    before = snapshot(tbilisi)
    assert client.post(f"/dashboard/inbox/{tbilisi.id}/close", data={"status-note": ""}).status_code == 400
    assert client.post(f"/dashboard/inbox/{tbilisi.id}/note", data={"comment-note": "x"}).status_code == 400
    assert snapshot(tbilisi) == before
    detail = client.get(f"/dashboard/inbox/{tbilisi.id}").get_data(as_text=True)
    token = re.search(r'name="status-csrf_token" type="hidden" value="([^"]+)"', detail).group(1)
    response = client.post(f"/dashboard/inbox/{tbilisi.id}/close", data={"status-note": "", "status-csrf_token": token})
    assert response.status_code == 302
    assert snapshot(tbilisi)[1] == "closed"


# --- The request page and its actions ---------------------------------------------------------------------


def test_request_page_shows_message_reason_and_history(client, login, requests_, tbilisi_coordinator):
    tbilisi, _ = requests_
    login(tbilisi_coordinator)
    html = client.get(f"/dashboard/inbox/{tbilisi.id}").get_data(as_text=True)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "three forms on one page must not share element ids"
    assert "Will the workshop be recorded?" in html
    assert "country GE covered by Southeast Europe and Caucasus (Tbilisi)" in html
    assert "Routed" in html
    assert "tamar@example.org" in html  # coordinators see whom to answer


def test_mark_answered_close_and_reopen(client, login, requests_, tbilisi_coordinator):
    tbilisi, _ = requests_
    login(tbilisi_coordinator)
    url = f"/dashboard/inbox/{tbilisi.id}"
    assert client.post(f"{url}/answered", data={"status-note": "Sent the recording link"}).status_code == 302
    assert snapshot(tbilisi)[1] == "answered"
    # Answering twice is refused with a message, not a second history line.
    response = client.post(f"{url}/answered", data={"status-note": ""}, follow_redirects=True)
    assert "already answered or closed" in response.get_data(as_text=True)
    assert client.post(f"{url}/close", data={"status-note": ""}).status_code == 302
    assert snapshot(tbilisi)[1] == "closed"
    assert client.post(f"{url}/reopen", data={"status-note": "She wrote again"}).status_code == 302
    assert snapshot(tbilisi)[1] == "new"
    db.session.expire_all()
    history = db.session.get(ContactRequest, tbilisi.id).history
    assert [(e.action, e.note, e.coordinator_id) for e in history] == [
        ("routed", "country GE covered by Southeast Europe and Caucasus (Tbilisi)", None),
        ("answered", "Sent the recording link", tbilisi_coordinator.id),
        ("closed", "", tbilisi_coordinator.id),
        ("reopened", "She wrote again", tbilisi_coordinator.id),
    ]


def test_add_a_note(client, login, requests_, tbilisi_coordinator):
    tbilisi, _ = requests_
    login(tbilisi_coordinator)
    assert (
        client.post(f"/dashboard/inbox/{tbilisi.id}/note", data={"comment-note": "Called her back"}).status_code == 302
    )
    html = client.get(f"/dashboard/inbox/{tbilisi.id}").get_data(as_text=True)
    assert "Called her back" in html
    empty = client.post(f"/dashboard/inbox/{tbilisi.id}/note", data={"comment-note": "  "})
    assert empty.status_code == 400
    assert 'id="comment-note-error"' in empty.get_data(as_text=True)
    too_long = client.post(f"/dashboard/inbox/{tbilisi.id}/note", data={"comment-note": "n" * 2001})
    assert too_long.status_code == 400
    assert snapshot(tbilisi)[2] == 2


def test_reassign_moves_the_request_emails_the_other_desk_and_records_both_desks(
    client, login, desks, requests_, tbilisi_coordinator, germany_coordinator
):
    tbilisi, _ = requests_
    queued_before = len(outbox())
    login(tbilisi_coordinator)
    response = client.post(
        f"/dashboard/inbox/{tbilisi.id}/reassign",
        data={"reassign-desk": str(desks.germany.id), "reassign-note": "She is a German expert"},
    )
    assert response.status_code == 302
    # The Tbilisi coordinator can no longer see it, so they go back to their inbox.
    assert response.headers["Location"] == "/dashboard/inbox"
    assert client.get(f"/dashboard/inbox/{tbilisi.id}").status_code == 404
    db.session.expire_all()
    moved = db.session.get(ContactRequest, tbilisi.id)
    assert moved.desk_id == desks.germany.id
    assert moved.status == "new"
    assert moved.routing_reason == "country GE covered by Southeast Europe and Caucasus (Tbilisi)"
    entry = moved.history[-1]
    assert (entry.action, entry.from_desk_id, entry.to_desk_id, entry.note, entry.coordinator_id) == (
        "reassigned",
        desks.tbilisi.id,
        desks.germany.id,
        "She is a German expert",
        tbilisi_coordinator.id,
    )
    [mail] = outbox("contact_reassigned")
    assert len(outbox()) == queued_before + 1
    assert mail.recipient.endswith("<jurgen@example.org>")
    assert mail.reply_to == "tamar@example.org"
    assert "She is a German expert" in mail.text_body
    assert "Nino Beridze (Southeast Europe and Caucasus (Tbilisi))" in mail.text_body
    assert f"http://localhost/dashboard/inbox/{tbilisi.id}" in mail.text_body
    client.post("/logout")
    login(germany_coordinator)
    assert "Tamar Lomidze" in listed_names(client.get("/dashboard/inbox"))
    html = client.get(f"/dashboard/inbox/{tbilisi.id}").get_data(as_text=True)
    assert "from Southeast Europe and Caucasus (Tbilisi) to Germany" in html


def test_reassign_needs_another_desk_and_a_note(client, login, desks, requests_, tbilisi_coordinator):
    tbilisi, _ = requests_
    login(tbilisi_coordinator)
    before = snapshot(tbilisi)
    same = client.post(
        f"/dashboard/inbox/{tbilisi.id}/reassign", data={"reassign-desk": str(desks.tbilisi.id), "reassign-note": "x"}
    )
    assert same.status_code == 400
    assert 'id="reassign-desk-error"' in same.get_data(as_text=True)
    no_note = client.post(
        f"/dashboard/inbox/{tbilisi.id}/reassign", data={"reassign-desk": str(desks.germany.id), "reassign-note": ""}
    )
    assert no_note.status_code == 400
    garbage = client.post(
        f"/dashboard/inbox/{tbilisi.id}/reassign", data={"reassign-desk": "abc", "reassign-note": "x"}
    )
    assert garbage.status_code == 400
    assert snapshot(tbilisi) == before


def test_admin_can_act_on_any_desk(client, login, desks, requests_, admin):
    _, germany = requests_
    login(admin)
    assert client.post(f"/dashboard/inbox/{germany.id}/close", data={"status-note": "Duplicate"}).status_code == 302
    assert snapshot(germany)[1] == "closed"
    response = client.post(f"/dashboard/inbox/{germany.id}/reopen", data={"status-note": ""})
    assert response.status_code == 302
    response = client.post(
        f"/dashboard/inbox/{germany.id}/reassign",
        data={"reassign-desk": str(desks.tbilisi.id), "reassign-note": "Lives in Tbilisi"},
    )
    assert response.headers["Location"] == f"/dashboard/inbox/{germany.id}"
    assert snapshot(germany)[0] == desks.tbilisi.id


# --- Filters ----------------------------------------------------------------------------------------------


def test_filters_by_status_event_and_country(client, login, desks, admin, tbilisi_coordinator):
    event = factories.make_event(desks.tbilisi, title="Smart Cities Workshop")
    make_request(name="About Event", country="GE", event=event)
    make_request(name="From Ukraine", country="UA")
    answered = make_request(name="Already Answered", country="MD")
    services.mark_answered(answered, admin, "")
    db.session.commit()
    login(tbilisi_coordinator)
    assert listed_names(client.get("/dashboard/inbox?status=answered")) == ["Already Answered"]
    assert sorted(listed_names(client.get("/dashboard/inbox?status=new"))) == ["About Event", "From Ukraine"]
    assert listed_names(client.get(f"/dashboard/inbox?event={event.id}")) == ["About Event"]
    assert listed_names(client.get("/dashboard/inbox?country=UA")) == ["From Ukraine"]
    assert listed_names(client.get("/dashboard/inbox?status=closed")) == []
    # Nonsense filters are ignored rather than failing.
    for query in ("status=bogus", "event=abc", "country=ZZ", "page=-3", "event=999999"):
        response = client.get(f"/dashboard/inbox?{query}")
        assert response.status_code == 200, query
    assert len(listed_names(client.get("/dashboard/inbox?status=bogus"))) == 3


def test_inbox_never_shows_requests_it_should_not_even_when_many(client, login, desks, germany_coordinator):
    for n in range(3):
        make_request(name=f"Tbilisi Person {n}", country="AM")
    make_germany_request(name="Only German")
    login(germany_coordinator)
    assert listed_names(client.get("/dashboard/inbox")) == ["Only German"]
    total = db.session.scalar(sa.select(sa.func.count(ContactRequest.id)))
    assert total == 4
