"""Registration journey, approval, waitlist, participant page and desk isolation (SQLite and PostgreSQL)."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.events.models import Event
from app.extensions import db
from app.mail.models import OutboxMessage
from app.registrations import services
from app.registrations.models import AccessToken, Registration, RegistrationTransition
from app.types import utcnow
from tests.factories import make_event
from tests.registration_helpers import (
    CONFIRM_LINK,
    MANAGE_LINK,
    confirm_token,
    form_data,
    messages_to,
    register_and_confirm,
)

BERLIN_SESSION = ((datetime(2030, 10, 7, 13, 0), datetime(2030, 10, 7, 15, 30)),)


def registration_for(email: str) -> Registration:
    db.session.expire_all()
    return db.session.scalar(sa.select(Registration).where(Registration.email_normalized == email.lower()))


def test_double_opt_in_then_confirmed_without_approval(client, desks):
    event = make_event(desks.germany, zone="Europe/Berlin", sessions=BERLIN_SESSION, capacity=10)
    response = client.post(f"/events/{event.slug}/register", data=form_data())
    assert response.status_code == 302 and response.location.endswith(f"/events/{event.slug}/registered")
    registration = registration_for("olena@example.org")
    assert registration.status == "pending_verification"
    assert registration.desk_id == desks.tbilisi.id
    assert registration.routing_reason == "country UA covered by Southeast Europe and Caucasus (Tbilisi)"
    email = messages_to("olena@example.org", "registration_confirm_email")[0]
    # Times in the participant's zone and the event's.
    assert "Mon 7 Oct 2030, 13:00-15:30 CEST (Europe/Berlin)" in email.text_body
    assert "14:00-16:30 in Kyiv (GMT+3)" in email.text_body

    token = confirm_token("olena@example.org")
    page = client.get(f"/r/confirm/{token}")
    assert page.status_code == 200 and "Confirm my email address" in page.get_data(as_text=True)
    assert registration_for("olena@example.org").status == "pending_verification"  # GET changes nothing
    confirmed = client.post(f"/r/confirm/{token}")
    assert confirmed.status_code == 302
    assert registration_for("olena@example.org").status == "confirmed"
    participant_page = client.get(confirmed.location)
    assert participant_page.status_code == 200
    assert "Confirmed" in participant_page.get_data(as_text=True)
    assert participant_page.headers["Referrer-Policy"] == "no-referrer"
    mail = messages_to("olena@example.org", "registration_confirmed")[0]
    assert mail.calendar_method == "REQUEST" and "/join/" in mail.text_body


def test_approval_required_goes_to_the_desk_queue(client, login, tbilisi_coordinator, desks):
    event = make_event(desks.germany, approval_required=True, capacity=1)
    register_and_confirm(client, event)
    assert registration_for("olena@example.org").status == "pending_approval"
    assert messages_to("olena@example.org", "registration_awaiting_approval")
    register_and_confirm(client, event, email="ion@example.org", name="Ion Rusu", country="MD")

    login(tbilisi_coordinator)
    first, second = registration_for("olena@example.org"), registration_for("ion@example.org")
    response = client.post(
        f"/dashboard/events/{event.id}/registrations/decide",
        data={"decision": "approve", "ids": [str(first.id), str(second.id)], "message": "Welcome!"},
    )
    assert response.status_code == 302
    assert registration_for("olena@example.org").status == "confirmed"
    assert registration_for("ion@example.org").status == "waitlisted"  # no seat left
    assert "Welcome!" in messages_to("olena@example.org", "registration_confirmed")[0].text_body
    history = registration_for("olena@example.org").transitions
    assert [(t.from_status, t.to_status) for t in history][-1] == ("pending_approval", "confirmed")
    assert history[-1].coordinator_id == tbilisi_coordinator.id

    # The confirmed participant cancels: the waitlisted one is promoted and told.
    manage = MANAGE_LINK.search(messages_to("olena@example.org", "registration_confirmed")[0].text_body).group(1)
    client.post(f"/r/{manage}/cancel", data={"confirm": "y"})
    assert registration_for("olena@example.org").status == "cancelled"
    assert registration_for("ion@example.org").status == "confirmed"
    assert "A seat is yours" in messages_to("ion@example.org", "registration_confirmed")[0].subject


def test_raising_capacity_promotes_the_waitlist(client, login, tbilisi_coordinator, desks):
    event = make_event(desks.tbilisi, capacity=1)
    register_and_confirm(client, event)
    register_and_confirm(client, event, email="ion@example.org", name="Ion Rusu", country="MD")
    assert registration_for("ion@example.org").status == "waitlisted"
    login(tbilisi_coordinator)
    from tests.test_events import event_form

    form = event_form(
        desks.tbilisi,
        title=event.title,
        timezone=event.timezone,
        capacity="2",
        **{
            "sessions-0-id": str(event.sessions[0].id),
            "sessions-0-title": "",
            "sessions-0-local_start": "2030-10-07T13:00",
            "sessions-0-local_end": "2030-10-07T15:30",
        },
    )
    assert client.post(f"/dashboard/events/{event.id}/edit", data=form).status_code == 302
    assert registration_for("ion@example.org").status == "confirmed"


def test_repeat_submission_looks_the_same_and_emails_the_owner(client, desks):
    event = make_event(desks.tbilisi)
    first = client.post(f"/events/{event.slug}/register", data=form_data())
    second = client.post(f"/events/{event.slug}/register", data=form_data(email="OLENA@example.org"))
    assert (first.status_code, first.location) == (second.status_code, second.location)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1
    again = messages_to("olena@example.org", "registration_already_registered")
    assert len(again) == 1 and "/r/" in again[0].text_body


def test_closed_past_and_cancelled_events_show_no_form(client, desks):
    past = make_event(desks.tbilisi, title="Past", sessions=((datetime(2020, 1, 1, 10), datetime(2020, 1, 1, 11)),))
    closed = make_event(desks.tbilisi, title="Closed", registration_closes_local=datetime(2021, 1, 1, 10))
    for event, text in ((past, "has taken place"), (closed, "Registration is closed")):
        page = client.get(f"/events/{event.slug}").get_data(as_text=True)
        assert text in page and 'name="consent"' not in page
        response = client.post(f"/events/{event.slug}/register", data=form_data())
        assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_full_event_offers_the_waitlist(client, desks):
    event = make_event(desks.tbilisi, capacity=1)
    register_and_confirm(client, event)
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Join the waitlist" in page and "All seats are taken" in page


def test_desk_isolation_for_registrations(client, login, germany_coordinator, tbilisi_coordinator, desks):
    event = make_event(desks.tbilisi, approval_required=True)
    register_and_confirm(client, event)  # Ukraine: the Tbilisi desk
    registration = registration_for("olena@example.org")
    login(germany_coordinator)
    assert client.get(f"/dashboard/registrations/{registration.id}").status_code == 404
    listing = client.get(f"/dashboard/events/{event.id}/registrations").get_data(as_text=True)
    assert "olena@example.org" not in listing
    client.post(
        f"/dashboard/events/{event.id}/registrations/decide",
        data={"decision": "approve", "ids": [str(registration.id)]},
    )
    assert registration_for("olena@example.org").status == "pending_approval"
    csv_text = client.get(f"/dashboard/events/{event.id}/registrations.csv").get_data(as_text=True)
    assert "olena@example.org" not in csv_text

    client.post("/logout")
    login(tbilisi_coordinator)
    assert client.get(f"/dashboard/registrations/{registration.id}").status_code == 200
    assert "olena@example.org" in client.get(f"/dashboard/events/{event.id}/registrations").get_data(as_text=True)


def test_csv_export_has_a_bom_and_keeps_unicode(client, login, admin, desks):
    event = make_event(desks.tbilisi)
    register_and_confirm(client, event, name="ირაკლი სამხარაძე", email="irakli@example.ge", country="GE")
    register_and_confirm(client, event, name="=HYPERLINK(1)", email="=cmd|x@example.org", country="GE")
    login(admin)
    response = client.get(f"/dashboard/events/{event.id}/registrations.csv?status=confirmed")
    assert response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    text = response.data.decode("utf-8")
    assert "ირაკლი სამხარაძე" in text and "Georgia" in text
    assert "'=HYPERLINK(1)" in text and "'=cmd|x@example.org" in text


@pytest.mark.parametrize("token", ["nonsense", "x" * 43, "a" * 500, "%00"])
def test_tampered_tokens_give_a_clear_page(client, desks, token):
    for url in (f"/r/confirm/{token}", f"/r/{token}"):
        response = client.get(url)
        assert response.status_code == 404
    assert client.post(f"/r/confirm/{token}").status_code == 404


def test_expired_confirmation_link(client, desks, app):
    event = make_event(desks.tbilisi)
    client.post(f"/events/{event.slug}/register", data=form_data())
    token = confirm_token("olena@example.org")
    registration = registration_for("olena@example.org")
    for row in db.session.scalars(sa.select(AccessToken)):
        row.expires_at = utcnow() - timedelta(minutes=1)
    registration.created_at = utcnow() - timedelta(hours=49)
    db.session.commit()
    response = client.post(f"/r/confirm/{token}")
    assert response.status_code == 404 and "not valid or has expired" in response.get_data(as_text=True)
    assert services.expire_unverified() == 1
    db.session.commit()
    assert registration_for("olena@example.org").status == "expired"
    # The address is free again.
    client.post(f"/events/{event.slug}/register", data=form_data())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 2


def test_participant_changes_zone_downloads_and_deletes_data(client, desks):
    event = make_event(desks.tbilisi)
    register_and_confirm(client, event)
    manage = MANAGE_LINK.search(messages_to("olena@example.org", "registration_confirmed")[0].text_body).group(1)
    client.post(f"/r/{manage}/timezone", data={"timezone": "Asia/Tbilisi"})
    assert registration_for("olena@example.org").timezone == "Asia/Tbilisi"
    bad = client.post(f"/r/{manage}/timezone", data={"timezone": "Nowhere/Land"}, follow_redirects=True)
    assert bad.status_code == 200 and registration_for("olena@example.org").timezone == "Asia/Tbilisi"
    data = client.get(f"/r/{manage}/data.json").get_json()
    assert data["name"] == "Олена Коваленко" and data["timezone"] == "Asia/Tbilisi"
    client.post(f"/r/{manage}/delete", data={"confirm": "y"})
    registration = db.session.scalars(sa.select(Registration)).one()
    db.session.refresh(registration)
    assert registration.status == "cancelled" and registration.name == "Deleted participant"
    assert "olena" not in registration.email
    assert client.get(f"/r/{manage}").status_code == 404
    # Emails already sent lose the address and the content; the cancellation has no dead link.
    assert not messages_to("olena@example.org", "registration_confirm_email")
    cancelled = messages_to("olena@example.org", "registration_cancelled")[0]
    assert "/r/" not in cancelled.text_body


def test_bot_filling_the_honeypot_stores_and_sends_nothing(client, desks):
    event = make_event(desks.tbilisi)
    response = client.post(f"/events/{event.slug}/register", data=form_data(website="http://spam.example"))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "x" * 10_000),
        ("name", "Bob\r\nBcc: victim@example.org"),
        ("email", "not-an-email"),
        ("email", "a@b@example.org"),
        ("country", "ZZ"),
        ("timezone", "Europe/Atlantis"),
        ("expert_type", "martian"),
        ("consent", ""),
        ("message", "y" * 2001),
    ],
)
def test_bad_input_is_an_error_next_to_the_field(client, desks, field, value):
    event = make_event(desks.tbilisi)
    response = client.post(f"/events/{event.slug}/register", data=form_data(**{field: value}))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True) or field == "expert_type"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


@pytest.mark.parametrize("name", ["ირაკლი სამხარაძე", "Олена Коваленко", "Arben Çelik", "Jürgen Größ"])
def test_names_in_every_script_are_stored_as_given(client, desks, name):
    event = make_event(desks.tbilisi)
    client.post(f"/events/{event.slug}/register", data=form_data(name=name))
    assert registration_for("olena@example.org").name == name


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_registration_without_csrf_is_refused(client, desks):
    event = make_event(desks.tbilisi)
    assert client.post(f"/events/{event.slug}/register", data=form_data()).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_registration_is_rate_limited_per_address(client, desks):
    event = make_event(desks.tbilisi)
    codes = [client.post(f"/events/{event.slug}/register", data=form_data()).status_code for _ in range(6)]
    assert codes[:5] == [302] * 5 and codes[5] == 429


@pytest.mark.app_config(
    RATELIMIT_ENABLED=True, REGISTRATION_RATE_LIMIT="2 per hour", REGISTRATION_EMAIL_RATE_LIMIT="100 per hour"
)
def test_registration_limits_count_posts_not_page_views(client, desks):
    event = make_event(desks.tbilisi)
    for _ in range(5):
        assert client.get(f"/events/{event.slug}").status_code == 200
    url = f"/events/{event.slug}/register"
    codes = [client.post(url, data=form_data(email=f"person{i}@example.org")).status_code for i in range(2)]
    refused = client.post(url, data=form_data(email="person9@example.org"))
    assert codes == [302, 302] and refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 3601
    assert registration_for("person9@example.org") is None
    # Another client address has counters of its own.
    other = client.post(url, data=form_data(email="person8@example.org"), environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 302


@pytest.mark.app_config(RATELIMIT_ENABLED=True, REGISTRATION_EMAIL_RATE_LIMIT="2 per hour")
def test_posts_without_an_address_share_no_counter_and_get_the_field_error(client, desks):
    event = make_event(desks.tbilisi)
    url = f"/events/{event.slug}/register"
    codes = [
        client.post(url, data=form_data(email=""), environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}).status_code
        for n in range(1, 5)
    ]
    assert codes == [422] * 4


@pytest.mark.app_config(RATELIMIT_ENABLED=False)
def test_registration_limits_switched_off_count_nothing(client, desks):
    event = make_event(desks.tbilisi)
    codes = {client.post(f"/events/{event.slug}/register", data=form_data()).status_code for _ in range(7)}
    assert 429 not in codes


def test_two_clicks_on_approve_make_one_transition(client, login, tbilisi_coordinator, desks):
    event = make_event(desks.tbilisi, approval_required=True)
    register_and_confirm(client, event)
    registration = registration_for("olena@example.org")
    login(tbilisi_coordinator)
    for _ in range(2):
        client.post(
            f"/dashboard/events/{event.id}/registrations/decide",
            data={"decision": "approve", "ids": [str(registration.id)]},
        )
    transitions = db.session.scalars(
        sa.select(RegistrationTransition).where(RegistrationTransition.to_status == "confirmed")
    ).all()
    assert len(transitions) == 1
    assert len(messages_to("olena@example.org", "registration_confirmed")) == 1


def test_cancelling_the_event_cancels_registrations(client, login, tbilisi_coordinator, desks):
    event = make_event(desks.tbilisi, approval_required=True)
    register_and_confirm(client, event)
    login(tbilisi_coordinator)
    client.post(f"/dashboard/events/{event.id}/cancel", data={"message": "Postponed to spring."})
    assert registration_for("olena@example.org").status == "cancelled"
    assert "Postponed to spring." in messages_to("olena@example.org", "registration_event_cancelled")[0].text_body


names = st.text(min_size=0, max_size=250)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=names,
    email=st.one_of(st.emails(), st.text(max_size=300)),
    organisation=names,
    country=st.one_of(st.sampled_from(["GE", "UA", "DE", "FR", "XK"]), st.text(max_size=5)),
    timezone=st.one_of(st.sampled_from(["Asia/Tbilisi", "Europe/Berlin"]), st.text(max_size=70)),
    expert_type=st.one_of(st.sampled_from(["international", "german"]), st.text(max_size=20)),
    message=st.text(max_size=2100),
)
def test_public_form_never_fails_and_stores_only_valid_data(
    client, desks, name, email, organisation, country, timezone, expert_type, message
):
    from app import timezones
    from app.countries import is_country

    event = db.session.scalar(sa.select(Event)) or make_event(desks.tbilisi)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Registration))
    response = client.post(
        f"/events/{event.slug}/register",
        data=form_data(
            name=name,
            email=email,
            organisation=organisation,
            country=country,
            timezone=timezone,
            expert_type=expert_type,
            message=message,
        ),
    )
    assert response.status_code < 500
    db.session.expire_all()
    after = db.session.scalars(sa.select(Registration).order_by(Registration.id)).all()
    if response.status_code == 422:
        assert len(after) == before
    for registration in after[before:]:
        assert registration.name.strip() and len(registration.name) <= 200
        assert is_country(registration.country) and timezones.is_zone(registration.timezone)
        assert "@" in registration.email and "\n" not in registration.name


def test_browser_legacy_zone_is_stored_by_its_current_name(client, desks):
    event = make_event(desks.tbilisi)
    client.post(f"/events/{event.slug}/register", data=form_data(timezone="Europe/Kiev"))
    assert registration_for("olena@example.org").timezone == "Europe/Kyiv"
    client.set_cookie("tz", "Europe%2FKiev")
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "in Kyiv" in page and "in Kiev" not in page


@pytest.mark.parametrize(
    ("email", "accepted"),
    [("juergen@exämple.de", True), ("user@例え.jp", True), ("jürgen@example.de", False)],
)
def test_internationalised_addresses_never_fail(client, desks, email, accepted):
    event = make_event(desks.tbilisi)
    response = client.post(f"/events/{event.slug}/register", data=form_data(email=email))
    assert response.status_code == (302 if accepted else 422)
    if accepted:
        recipient = db.session.scalars(sa.select(OutboxMessage.recipient)).one()
        assert recipient.isascii() and "xn--" in recipient


@pytest.mark.parametrize("value", ["²", "9" * 30, "-1"])
def test_odd_ids_are_ignored_or_404(client, login, admin, desks, value):
    event = make_event(desks.tbilisi)
    login(admin)
    assert client.get(f"/dashboard/events/{event.id}/registrations?desk={value}").status_code == 200
    decided = client.post(
        f"/dashboard/events/{event.id}/registrations/decide", data={"decision": "approve", "ids": [value]}
    )
    assert decided.status_code == 302
    assert client.get(f"/dashboard/registrations/{value}").status_code == 404
    assert client.get(f"/dashboard/events/{value}").status_code == 404


def test_line_break_in_a_redirect_target_is_ignored(client, desks):
    response = client.post("/preferences/timezone", data={"tz": "Asia/Tbilisi", "next": "/\r\nX-Injected: y"})
    assert response.status_code == 302 and response.location == "/"


def test_repeat_submission_before_confirming_sends_a_fresh_link(client, desks):
    event = make_event(desks.tbilisi)
    client.post(f"/events/{event.slug}/register", data=form_data())
    client.post(f"/events/{event.slug}/register", data=form_data())
    again = messages_to("olena@example.org", "registration_already_registered")[0]
    token = CONFIRM_LINK.search(again.text_body).group(1)
    assert client.post(f"/r/confirm/{token}").status_code == 302
    assert registration_for("olena@example.org").status == "confirmed"


def test_capacity_cannot_drop_below_the_seats_taken(app, desks):
    from app.events import services as events

    event = make_event(desks.tbilisi, capacity=5)
    for i in range(3):
        register_and_confirm(app.test_client(), event, email=f"p{i}@example.org")
    data = events.EventData(
        title=event.title,
        timezone=event.timezone,
        desk_id=event.desk_id,
        capacity=2,
        sessions=[
            events.SessionData(
                id=event.sessions[0].id, local_start=BERLIN_SESSION[0][0], local_end=BERLIN_SESSION[0][1]
            )
        ],
    )
    with pytest.raises(events.EventError) as error:
        events.update_event(event, data)
    assert "3 participants already hold a seat" in error.value.errors["capacity"]


def test_nobody_jumps_the_waitlist(client, login, tbilisi_coordinator, desks):
    from app.events import services as events

    event = make_event(desks.tbilisi, capacity=1, approval_required=True)
    login(tbilisi_coordinator)
    for email in ("first@example.org", "second@example.org", "third@example.org"):
        register_and_confirm(client, event, email=email)
    ids = [str(registration_for(e).id) for e in ("first@example.org", "second@example.org")]
    url = f"/dashboard/events/{event.id}/registrations/decide"
    client.post(url, data={"decision": "approve", "ids": ids})
    assert registration_for("second@example.org").status == "waitlisted"
    # While hidden, the seat holder cancels; publishing again gives the seat to the waitlist, not a newcomer.
    events.unpublish_event(db.session.get(Event, event.id))
    db.session.commit()
    services.cancel_by_participant(registration_for("first@example.org"))
    db.session.commit()
    assert registration_for("second@example.org").status == "waitlisted"
    events.publish_event(db.session.get(Event, event.id))
    db.session.commit()
    assert registration_for("second@example.org").status == "confirmed"
    client.post(url, data={"decision": "approve", "ids": [str(registration_for("third@example.org").id)]})
    assert registration_for("third@example.org").status == "waitlisted"


def test_waitlist_decision_needs_a_full_event(client, login, tbilisi_coordinator, desks):
    event = make_event(desks.tbilisi, capacity=5, approval_required=True)
    register_and_confirm(client, event)
    login(tbilisi_coordinator)
    registration = registration_for("olena@example.org")
    client.post(
        f"/dashboard/events/{event.id}/registrations/decide",
        data={"decision": "waitlist", "ids": [str(registration.id)]},
    )
    assert registration_for("olena@example.org").status == "pending_approval"


def test_coordinators_see_a_failed_email(client, login, tbilisi_coordinator, desks):
    event = make_event(desks.tbilisi, approval_required=True)
    register_and_confirm(client, event)
    registration = registration_for("olena@example.org")
    message = messages_to("olena@example.org", "registration_awaiting_approval")[0]
    message.status, message.last_error = "failed", "550 5.1.1 mailbox unavailable"
    db.session.commit()
    login(tbilisi_coordinator)
    listing = client.get(f"/dashboard/events/{event.id}/registrations").get_data(as_text=True)
    assert "Email failed" in listing
    detail = client.get(f"/dashboard/registrations/{registration.id}").get_data(as_text=True)
    assert "550 5.1.1 mailbox unavailable" in detail and "could not be delivered" in detail


def test_purge_removes_personal_data_of_old_events(app, runner, client, desks):
    from tests.contact_support import make_request

    event = make_event(desks.tbilisi)
    register_and_confirm(client, event)
    make_request()
    app.config["RETENTION_DAYS"] = -36500  # everything counts as old
    result = runner.invoke(args=["registrations", "purge"])
    assert result.exit_code == 0, result.output
    assert "Anonymised 1 registration of past events and 1 old contact request." in result.output
    assert registration_for("olena@example.org") is None
    from app.contact.models import ContactRequest

    assert db.session.scalars(sa.select(ContactRequest)).one().email == ""


def test_active_statuses_are_written_into_the_statement(app, desks):
    """The partial unique index on active registrations serves the lookup of an address only when the
    statuses are in the statement itself: a prepared statement with bound statuses reads the whole event."""
    from app.registrations.services.participants import find_active

    event = make_event(desks.tbilisi)
    statements = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        assert find_active(event, "Someone@Example.org") is None
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)
    (lookup,) = [s for s in statements if "FROM registrations" in s]
    assert "'pending_verification', 'pending_approval', 'confirmed', 'waitlisted'" in lookup
