"""Invites, updates and cancellations by email: one iTIP message per session, the same UID throughout."""

from datetime import UTC, datetime, timedelta

from app.calendar import ics, invites
from app.events import services as event_services
from app.extensions import db
from app.mail import worker
from app.registrations import services as registration_services
from app.registrations import services as registrations
from app.registrations import tokens
from app.registrations.models import CANCELLED, PENDING_APPROVAL, TOKEN_JOIN, RegistrationTransition
from app.timezones import utc_to_local
from app.types import utcnow
from tests import factories
from tests.calendar_support import events_of, make_registration, outbox, parse_all

SERIES = (
    (datetime(2030, 10, 7, 13, 0), datetime(2030, 10, 7, 15, 30), "Workshop I"),
    (datetime(2030, 10, 14, 13, 0), datetime(2030, 10, 14, 15, 30), "Workshop II"),
    (datetime(2030, 10, 21, 13, 0), datetime(2030, 10, 21, 15, 30), "Workshop III"),
)
BEFORE_SERIES = datetime(2030, 9, 1, tzinfo=UTC)


def series(desks, **fields):
    return factories.make_event(desks.germany, sessions=SERIES, meeting_url="https://meet.example.org/x", **fields)


def edited(event, sessions=None, **changes) -> event_services.EventData:
    """The event's current data as the edit form would send it, with ``changes``."""
    zone = event.timezone
    if sessions is None:
        sessions = [
            (utc_to_local(s.starts_at, zone).replace(tzinfo=None), utc_to_local(s.ends_at, zone).replace(tzinfo=None),
             s.title, s.id)
            for s in event.sessions
        ]  # fmt: skip
    fields = {
        "title": event.title,
        "timezone": zone,
        "desk_id": event.desk_id,
        "slug": event.slug,
        "summary": event.summary,
        "meeting_url": event.meeting_url,
        "capacity": event.capacity,
        "language": event.language,
        **changes,
    }
    return event_services.EventData(
        sessions=[event_services.SessionData(start, end, title, id) for start, end, title, id in sessions], **fields
    )


def earlier() -> datetime:
    """When an earlier invite went out: DTSTAMP of every later message must be after it."""
    return utcnow() - timedelta(days=1)


def uid(registration, session_id: int) -> str:
    return f"{registration.calendar_uid}-{session_id}@eventdesk.localhost"


def only_vevent(message):
    calendar = parse_all(message.calendar_ics)
    assert calendar["METHOD"] == message.calendar_method
    [vevent] = events_of(calendar)
    return vevent


def test_one_invite_per_upcoming_session_except_the_one_in_the_confirmation(app, desks):
    event = series(desks)
    registration = make_registration(event, zone="Asia/Tbilisi")
    access_url = invites.access_link(registration)

    invites.queue_session_invites(registration, access_url, skip=event.sessions[0], now=BEFORE_SERIES)
    db.session.commit()

    messages = outbox("invite")
    assert len(messages) == 2
    assert {m.calendar_method for m in messages} == {"REQUEST"}
    assert [str(only_vevent(m)["UID"]) for m in messages] == [uid(registration, s.id) for s in event.sessions[1:]]
    assert all(access_url in m.text_body and access_url in m.calendar_ics.replace("\r\n ", "") for m in messages)
    assert messages[0].subject == "Calendar invitation: Digitalisation of Municipal Services: Workshop II"
    assert messages[0].sender == "Germany via Eventdesk <events@eventdesk.localhost>"
    # The recipient's zone first, then the event's.
    assert "Mon 14 Oct 2030, 15:00-17:30 GMT+4 (your time, Asia/Tbilisi)" in messages[0].text_body
    assert "Mon 14 Oct 2030, 13:00-15:30 CEST (event time, Europe/Berlin)" in messages[0].text_body

    # Queued twice (a retried request), sent once.
    assert invites.queue_session_invites(registration, access_url, skip=event.sessions[0], now=BEFORE_SERIES) == []


def test_sessions_already_over_get_no_invite(app, desks):
    event = series(desks)
    registration = make_registration(event)
    after_first = event.sessions[0].ends_at + timedelta(minutes=1)
    invites.queue_session_invites(registration, invites.access_link(registration), now=after_first)
    assert [str(only_vevent(m)["UID"]) for m in outbox("invite")] == [
        uid(registration, s.id) for s in event.sessions[1:]
    ]


def test_every_access_link_is_new_and_personal(app, desks):
    event = series(desks)
    registration = make_registration(event)
    first, second = invites.access_link(registration), invites.access_link(registration)
    db.session.commit()
    assert first != second
    for url in (first, second):
        assert url.startswith("http://localhost/join/")
        assert tokens.lookup(url.rsplit("/", 1)[1], TOKEN_JOIN).registration_id == registration.id


def test_request_part_is_a_request_for_one_session(app, desks):
    event = series(desks)
    registration = make_registration(event)
    part = invites.request_part(registration, event.sessions[1], "http://localhost/join/abc")
    assert part.method == "REQUEST"
    [vevent] = events_of(parse_all(part.ics))
    assert str(vevent["UID"]) == uid(registration, event.sessions[1].id)


def test_the_mime_method_equals_the_calendar_method(app, desks, smtp_server):
    event = series(desks)
    registration = make_registration(event)
    invites.queue_session_invites(registration, invites.access_link(registration), now=BEFORE_SERIES)
    # An edit: the first session moves (REQUEST), the third goes (CANCEL).
    sessions = [(s.local_start, s.local_end, s.title, s.id) for s in edited(event).sessions][:2]
    sessions[0] = (datetime(2030, 10, 8, 13, 0), datetime(2030, 10, 8, 15, 0), sessions[0][2], sessions[0][3])
    event_services.update_event(event, edited(event, sessions=sessions))
    # Then the participant leaves: both remaining entries are withdrawn (CANCEL).
    registration.status = CANCELLED
    db.session.add(RegistrationTransition(registration=registration, from_status="confirmed", to_status=CANCELLED,
                                          actor="participant"))  # fmt: skip
    invites.send_cancellations(registration, now=BEFORE_SERIES)
    db.session.commit()

    report = worker.drain()
    assert len(report.sent) == 7 and not report.failed
    methods = []
    for message in smtp_server.messages:
        parts = {part.get_content_type(): part for part in message.walk()}
        calendar_part = parts["text/calendar"]
        body = calendar_part.get_content()
        method = calendar_part.get_param("method")
        assert f"\r\nMETHOD:{method}\r\n" in body
        parse_all(body)
        assert parts["application/ics"].get_filename() == "invite.ics"
        assert parts["application/ics"].get_content().decode() == body
        assert message["From"].addresses[0].addr_spec == "events@eventdesk.localhost"
        methods.append(method)
    assert sorted(methods) == ["CANCEL"] * 3 + ["REQUEST"] * 4


def test_a_moved_session_updates_the_same_entry(app, desks):
    event = series(desks)
    registration = make_registration(event, zone="Asia/Tbilisi")
    moved = event.sessions[1]
    invite = events_of(parse_all(ics.request(registration, moved, "http://localhost/join/a", now=earlier())))[0]

    sessions = edited(event).sessions
    sessions[1].local_start, sessions[1].local_end = datetime(2030, 10, 15, 10, 0), datetime(2030, 10, 15, 12, 0)
    event_services.update_event(event, edited(event, sessions=[(s.local_start, s.local_end, s.title, s.id)
                                                               for s in sessions]))  # fmt: skip
    db.session.commit()

    [message] = outbox("invite_update")
    assert message.calendar_method == "REQUEST"
    vevent = only_vevent(message)
    assert vevent["UID"] == invite["UID"]
    assert vevent["SEQUENCE"] == invite["SEQUENCE"] + 1 == event.sequence
    assert vevent.decoded("DTSTAMP") > invite.decoded("DTSTAMP")
    assert vevent.decoded("DTSTART") == datetime(2030, 10, 15, 8, 0, tzinfo=UTC)
    assert message.subject == "New time: Digitalisation of Municipal Services: Workshop II"
    body = message.text_body
    assert body.index("Before:") < body.index("Mon 14 Oct 2030, 15:00-17:30 GMT+4 (your time, Asia/Tbilisi)")
    assert "Mon 14 Oct 2030, 13:00-15:30 CEST (event time, Europe/Berlin)" in body
    assert body.index("Now:") < body.index("Tue 15 Oct 2030, 12:00-14:00 GMT+4 (your time, Asia/Tbilisi)")
    assert "Tue 15 Oct 2030, 10:00-12:00 CEST (event time, Europe/Berlin)" in body
    assert "/join/" in body


def test_a_removed_session_is_withdrawn_with_its_own_uid(app, desks):
    event = series(desks)
    registration = make_registration(event)
    removed_id = event.sessions[2].id
    kept = [s for s in edited(event).sessions if s.id != removed_id]
    event_services.update_event(event, edited(event, sessions=[(s.local_start, s.local_end, s.title, s.id)
                                                               for s in kept]))  # fmt: skip
    db.session.commit()

    [message] = outbox("invite_update")
    assert message.calendar_method == "CANCEL"
    vevent = only_vevent(message)
    assert str(vevent["UID"]) == uid(registration, removed_id)
    assert vevent["SEQUENCE"] == event.sequence == 1
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert message.subject == "Session cancelled: Digitalisation of Municipal Services: Workshop III"
    assert "Mon 21 Oct 2030, 13:00-15:30 CEST" in message.text_body


def test_an_added_session_brings_a_new_invite(app, desks):
    event = series(desks)
    registration = make_registration(event)
    sessions = [(s.local_start, s.local_end, s.title, s.id) for s in edited(event).sessions]
    sessions.append((datetime(2030, 10, 28, 13, 0), datetime(2030, 10, 28, 15, 0), "Workshop IV", None))
    event_services.update_event(event, edited(event, sessions=sessions))
    db.session.commit()

    [message] = outbox("invite_update")
    assert message.calendar_method == "REQUEST"
    added = event.sessions[-1]
    assert str(only_vevent(message)["UID"]) == uid(registration, added.id)
    assert message.subject == "New session: Digitalisation of Municipal Services: Workshop IV"


def test_a_new_meeting_link_alone_sends_nothing(app, desks):
    # The access link in every calendar entry redirects to the current meeting link.
    event = series(desks)
    make_registration(event)
    event_services.update_event(event, edited(event, meeting_url="https://meet.example.org/new"))
    db.session.commit()
    assert outbox() == []


def test_updates_go_to_confirmed_participants_only(app, desks):
    event = series(desks)
    confirmed = make_registration(event, email="yes@example.org")
    make_registration(event, email="pending@example.org", status=PENDING_APPROVAL)
    sessions = [(s.local_start, s.local_end, s.title, s.id) for s in edited(event).sessions]
    sessions[0] = (datetime(2030, 10, 7, 14, 0), datetime(2030, 10, 7, 16, 0), sessions[0][2], sessions[0][3])
    event_services.update_event(event, edited(event, sessions=sessions))
    db.session.commit()
    assert [m.recipient for m in outbox()] == [f"{confirmed.name} <yes@example.org>"]
    assert registrations.confirmed_count(event) == 1


def test_a_cancelled_registration_withdraws_every_upcoming_entry(app, desks):
    event = series(desks)
    registration = make_registration(event)
    invite = events_of(parse_all(ics.request(registration, event.sessions[0], "http://x/join/a", now=earlier())))[0]
    registration_services.cancel_by_participant(registration)
    db.session.commit()

    messages = outbox("invite_cancel")
    assert len(messages) == 3
    vevents = [only_vevent(m) for m in messages]
    assert [str(v["UID"]) for v in vevents] == [uid(registration, s.id) for s in event.sessions]
    assert vevents[0]["UID"] == invite["UID"]
    # Above the SEQUENCE of every invite and update sent so far, without storing anything new.
    assert {v["SEQUENCE"] for v in vevents} == {event.sequence + 1}
    assert vevents[0].decoded("DTSTAMP") > invite.decoded("DTSTAMP")
    assert {str(v["STATUS"]) for v in vevents} == {"CANCELLED"}
    assert messages[0].subject == "Removed from your calendar: Digitalisation of Municipal Services: Workshop I"
    # Asked again (a retried request): nothing more.
    assert invites.send_cancellations(registration) == 0


def test_only_sessions_not_over_are_withdrawn(app, desks):
    event = series(desks)
    registration = make_registration(event)
    registration.status = CANCELLED
    after_first = event.sessions[0].ends_at + timedelta(hours=1)
    assert invites.send_cancellations(registration, now=after_first) == 2


def test_no_cancellation_for_someone_who_never_had_a_seat(app, desks):
    event = series(desks)
    registration = make_registration(event, status=PENDING_APPROVAL)
    registration.status = CANCELLED
    assert invites.send_cancellations(registration) == 0
    assert outbox() == []


def test_a_confirmed_registration_gets_no_cancellation(app, desks):
    event = series(desks)
    registration = make_registration(event)
    assert invites.send_cancellations(registration) == 0


def test_a_cancelled_event_withdraws_entries_with_its_raised_sequence(app, desks):
    event = series(desks)
    registration = make_registration(event)
    event_services.cancel_event(event, "The speaker is ill; we will announce a new date.")
    db.session.commit()

    messages = outbox("invite_cancel")
    assert len(messages) == 3
    assert {only_vevent(m)["SEQUENCE"] for m in messages} == {event.sequence} == {1}
    assert {str(only_vevent(m)["UID"]) for m in messages} == {uid(registration, s.id) for s in event.sessions}
    assert messages[0].subject == "Cancelled: Digitalisation of Municipal Services: Workshop I"
    assert "The speaker is ill" in messages[0].text_body


def test_access_details_reach_every_confirmed_participant_once(app, desks):
    event = series(desks)
    nino = make_registration(event, email="nino@example.org", zone="Asia/Tbilisi")
    jurgen = make_registration(event, name="Jürgen Größ", email="jurgen@example.org", zone="Europe/Berlin")
    make_registration(event, email="waiting@example.org", status=PENDING_APPROVAL)
    message = "Please test your microphone.\r\n\r\nThe room opens 15 minutes early."

    assert invites.send_access_details(event, message, now=BEFORE_SERIES) == 2
    db.session.commit()
    assert invites.send_access_details(event, message, now=BEFORE_SERIES) == 0
    assert invites.send_access_details(event, "Slides are online.", now=BEFORE_SERIES) == 2
    db.session.commit()

    sent = outbox("access_details")
    assert [m.recipient.split("<")[1].rstrip(">") for m in sent[:2]] == [nino.email, jurgen.email]
    first = sent[0]
    assert first.subject == "Access details and agenda: Digitalisation of Municipal Services"
    assert "Please test your microphone." in first.text_body
    assert "Mon 7 Oct 2030, 15:00-17:30 GMT+4 (your time, Asia/Tbilisi)" in first.text_body
    assert "Mon 21 Oct 2030, 13:00-15:30 CEST (event time, Europe/Berlin)" in first.text_body
    assert "<p>Please test your microphone.</p>" in first.html_body
    assert "(your time" not in sent[1].text_body  # Berlin readers see one time
    token = first.text_body.split("/join/")[1].split()[0]
    assert tokens.lookup(token, TOKEN_JOIN).registration_id == nino.id


def test_coordinators_send_access_details_from_the_event_page(app, client, login, desks, germany_coordinator,
                                                              tbilisi_coordinator):  # fmt: skip
    event = series(desks)
    make_registration(event)

    login(tbilisi_coordinator)
    url = f"/dashboard/events/{event.id}/access-details"
    assert client.post(url, data={"message": "Hello"}).status_code == 404  # another desk's event
    client.post("/logout")

    login(germany_coordinator)
    page = client.get(f"/dashboard/events/{event.id}")
    assert 'action="' + url + '"' in page.get_data(as_text=True)
    assert 'for="access-details-message"' in page.get_data(as_text=True)
    response = client.post(url, data={"message": "Hello"}, follow_redirects=True)
    assert "Access details are on their way to 1 participant." in response.get_data(as_text=True)
    assert len(outbox("access_details")) == 1
    response = client.post(url, data={"message": ""}, follow_redirects=True)
    assert "Write what participants need to know." in response.get_data(as_text=True)
    assert len(outbox("access_details")) == 1


def test_what_a_desk_sends_comes_from_the_desk_via_the_service(app, client, desks, tbilisi_coordinator):
    from app.mail.services import queue_test_message
    from tests.contact_support import make_request
    from tests.registration_helpers import messages_to, register_and_confirm

    event = series(desks)
    register_and_confirm(client, event, email="olena@example.org")
    make_request(email="tamar@example.org", country="GE")
    queue_test_message("admin@example.org")
    db.session.commit()

    about_the_event = messages_to("olena@example.org")
    assert {m.kind for m in about_the_event} >= {"registration_confirm_email", "registration_confirmed", "invite"}
    assert {m.sender for m in about_the_event} == {"Germany via Eventdesk <events@eventdesk.localhost>"}
    assert [m.sender for m in messages_to("tamar@example.org")] == [
        '"Southeast Europe and Caucasus (Tbilisi) via Eventdesk" <events@eventdesk.localhost>'
    ]
    # The service's own messages: to coordinators, and the test email.
    assert [m.sender for m in messages_to(tbilisi_coordinator.email)] == ["Eventdesk <events@eventdesk.localhost>"]
    assert [m.sender for m in messages_to("admin@example.org")] == ["Eventdesk <events@eventdesk.localhost>"]
