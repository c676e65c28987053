"""The opt-in directory: only confirmed participants see it, opting out removes the entry at once, relayed
messages never reveal the recipient's address and reveal the sender's only when chosen; rate limited."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.participation import directory
from app.participation.models import SCOPE_SERIES, DirectoryEntry
from app.registrations import services as registrations
from app.registrations.models import CONFIRMED
from tests import factories
from tests.calendar_support import make_registration
from tests.factories import outbox
from tests.participation_support import WORKSHOPS, working_group
from tests.registration_helpers import form_data, register_and_confirm


@pytest.fixture
def group(app, desks):
    group = working_group(desks)
    directory.join(group.tamar, introduction="Smart city lead in Tbilisi", topics="open data")
    directory.join(group.irakli, introduction="E-services")
    db.session.commit()
    return group


def page_token(registration) -> str:
    token = registrations.new_manage_token(registration)
    db.session.commit()
    return token


def test_listed_participants_see_each_other_and_nobody_else_does(app, client, group):
    olena = page_token(group.olena)  # confirmed, not listed: may read the directory
    html = client.get(f"/r/{olena}/directory").get_data(as_text=True)
    assert "Tamar Lomidze" in html and "ირაკლი სამხარაძე" in html and "Smart city lead in Tbilisi" in html
    assert "tamar@example.org" not in html and "irakli@example.ge" not in html
    # Not public: there is no page without a participant's token.
    assert client.get(f"/events/{group.event.slug}").get_data(as_text=True).count("Smart city lead") == 0
    assert client.get("/r/not-a-token/directory").status_code == 404
    # A cancelled participant sees nothing and is not shown.
    ana = page_token(group.cancelled)
    assert client.get(f"/r/{ana}/directory").status_code == 404
    assert directory.visible_entries(group.cancelled) == []


def test_participants_of_another_event_do_not_see_it_unless_the_series_is_shared(app, desks, group):
    other = factories.make_event(desks.tbilisi, title="Other event", sessions=WORKSHOPS[:1])
    stranger = make_registration(other, name="Stranger", email="stranger@example.org")
    assert directory.visible_entries(stranger) == []
    sibling = factories.make_event(
        desks.tbilisi, title="Working group 2022", sessions=WORKSHOPS[:1], programme="Digitalisation Working Group"
    )
    peer = make_registration(sibling, name="Peer 2022", email="peer@example.org")
    assert directory.visible_entries(peer) == []
    directory.join(group.tamar, scope=SCOPE_SERIES)
    assert [e.registration.name for e in directory.visible_entries(peer)] == ["Tamar Lomidze"]


def test_unconfirmed_entries_are_invisible_until_the_seat(app, desks, group):
    waiting = make_registration(group.event, name="Waiting", email="wait@example.org", status="pending_approval")
    directory.join(waiting)
    assert "Waiting" not in [e.registration.name for e in directory.visible_entries(group.olena)]
    waiting.status = CONFIRMED
    assert "Waiting" in [e.registration.name for e in directory.visible_entries(group.olena)]


def test_leaving_and_deleting_data_remove_the_entry_at_once(app, client, group):
    tamar = page_token(group.tamar)
    assert client.post(f"/r/{tamar}/directory/leave").status_code == 302
    assert directory.entry_for(group.tamar) is None
    assert "Tamar Lomidze" not in [e.registration.name for e in directory.visible_entries(group.olena)]
    registrations.anonymise(group.irakli)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DirectoryEntry)) == 0


def test_cancelling_removes_the_entry(app, group):
    registrations.cancel_by_participant(group.tamar)
    db.session.commit()
    assert directory.entry_for(group.tamar) is None


def test_coordinator_hides_an_entry(app, client, login, group, tbilisi_coordinator):
    login(tbilisi_coordinator)
    entry = directory.entry_for(group.tamar)
    page = client.get(f"/dashboard/events/{group.event.id}/directory").get_data(as_text=True)
    assert "Smart city lead in Tbilisi" in page
    assert (
        client.post(f"/dashboard/events/{group.event.id}/directory/{entry.id}", data={"hidden": "1"}).status_code == 302
    )
    assert "Tamar Lomidze" not in [e.registration.name for e in directory.visible_entries(group.olena)]


def message(client, token, entry, body="Shall we compare our open data portals?", reveal=False):
    data = {"recipient": str(entry.id), "body": body}
    if reveal:
        data["reveal_address"] = "y"
    return client.post(f"/r/{token}/directory/message", data=data)


def test_relayed_message_hides_both_addresses_unless_the_sender_chooses(app, client, group):
    irakli = page_token(group.irakli)
    tamar_entry = directory.entry_for(group.tamar)
    assert message(client, irakli, tamar_entry).status_code == 302
    [sent] = outbox("directory_message")
    assert "tamar@example.org" in sent.recipient
    assert "irakli@example.ge" not in sent.text_body + sent.html_body + (sent.reply_to or "")
    assert "Shall we compare our open data portals?" in sent.text_body
    assert "did not share their email address" in sent.text_body
    # The sender's page never shows the recipient's address, before or after.
    assert "tamar@example.org" not in client.get(f"/r/{irakli}/directory").get_data(as_text=True)

    assert message(client, irakli, tamar_entry, reveal=True).status_code == 302
    revealed = outbox("directory_message")[-1]
    assert revealed.reply_to == "irakli@example.ge"
    assert "irakli@example.ge" in revealed.text_body


def test_only_listed_participants_write_and_only_to_visible_entries(app, client, desks, group):
    olena = page_token(group.olena)  # not listed
    response = message(client, olena, directory.entry_for(group.tamar))
    assert response.status_code == 302 and outbox("directory_message") == []
    other = factories.make_event(desks.tbilisi, title="Other", sessions=WORKSHOPS[:1])
    outsider = make_registration(other, name="Outsider", email="out@example.org")
    directory.join(outsider)
    db.session.commit()
    irakli = page_token(group.irakli)
    assert message(client, irakli, directory.entry_for(outsider)).status_code == 302
    assert outbox("directory_message") == []
    assert message(client, irakli, directory.entry_for(group.tamar), body="").status_code == 422


@pytest.mark.app_config(RATELIMIT_ENABLED=True, DIRECTORY_MESSAGE_RATE_LIMIT="2 per hour")
def test_messages_are_rate_limited(app, client, group):
    irakli = page_token(group.irakli)
    entry = directory.entry_for(group.tamar)
    assert [message(client, irakli, entry).status_code for _ in range(3)] == [302, 302, 429]
    assert len(outbox("directory_message")) == 2


def test_opt_in_at_registration(app, client, desks):
    event = factories.make_event(desks.tbilisi, title="Open event")
    register_and_confirm(client, event, list_in_directory="y")
    register_and_confirm(client, event, email="nobody@example.org", name="Not Listed")
    entries = db.session.scalars(sa.select(DirectoryEntry)).all()
    assert [e.registration.email for e in entries] == ["olena@example.org"]
    # Registering again with the same address cannot opt someone else in.
    response = client.post(
        f"/events/{event.slug}/register",
        data=form_data(name="X", email="nobody@example.org", list_in_directory="y"),
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DirectoryEntry)) == 1


def test_personal_page_offers_the_directory(app, client, group):
    token = page_token(group.olena)
    html = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Open the directory" in html
    body = client.get(f"/r/{token}/directory").get_data(as_text=True)
    assert re.search(r'name="recipient" value="\d+"', body) is None  # Olena is not listed: no message forms
