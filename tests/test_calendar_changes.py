"""What participants' calendars show after an edit, and the public files that subscribed calendars read.

One function decides what an edit changes; the edit page previews it and the save sends it. Anything an
entry shows (titles, times, the summary the invite carries) is an update with a higher SEQUENCE; a removed
session stays in the public file and the feed as STATUS:CANCELLED. Public files (METHOD:PUBLISH) carry
exactly one ORGANIZER per VEVENT, as RFC 5546 and libical's iTIP check require.
"""

from datetime import UTC, datetime

import pytest

from app.calendar import ics, invites
from app.events import services as event_services
from app.extensions import db
from app.registrations import services as registration_services
from tests import factories
from tests.calendar_support import (
    events_of,
    libical_itip_errors,
    make_registration,
    outbox,
    parse_all,
    property_lines,
)
from tests.test_calendar_invites import edited, series
from tests.test_events import event_form


def sessions_of(event):
    return [(s.local_start, s.local_end, s.title, s.id) for s in edited(event).sessions]


# --- 1. ORGANIZER in METHOD:PUBLISH --------------------------------------------------------------------


def test_public_file_and_feed_have_one_organizer_per_event_and_pass_libicals_itip_check(app, desks):
    event = series(desks)
    other = factories.make_event(desks.tbilisi, title="Roundtable", zone="Asia/Tbilisi")
    germany = 'ORGANIZER;CN="Germany via Eventdesk":mailto:events@eventdesk.localhost'
    tbilisi = 'ORGANIZER;CN="Southeast Europe and Caucasus (Tbilisi) via Eventdesk":mailto:events@eventdesk.localhost'
    files = ((ics.event_file(event), [germany] * 3), (ics.feed([event, other]), [germany] * 3 + [tbilisi]))
    for text, expected in files:
        parse_all(text)
        assert text.count("BEGIN:VEVENT") == len(expected)
        assert property_lines(text, "ORGANIZER") == expected
        assert libical_itip_errors(text) == []


def test_libical_check_refuses_a_publish_without_organizer(app, desks):
    # The check itself can fail: the same file without its ORGANIZER lines is refused.
    text = ics.event_file(series(desks))
    stripped = "\r\n".join(line for line in text.split("\r\n") if not line.startswith("ORGANIZER"))
    assert libical_itip_errors(stripped)


# --- 2. one decision for the preview and the sending -----------------------------------------------------


def test_renaming_a_session_is_previewed_then_sent_as_shown(app, client, login, desks, germany_coordinator):
    event = series(desks)
    make_registration(event)
    renamed = event.sessions[1]
    form = event_form(
        desks.germany,
        title=event.title,
        timezone=event.timezone,
        capacity="",
        meeting_url=event.meeting_url,
    )
    for i, (start, end, title, session_id) in enumerate(sessions_of(event)):
        form.update(
            {
                f"sessions-{i}-id": str(session_id),
                f"sessions-{i}-title": "Workshop II: open data" if session_id == renamed.id else title,
                f"sessions-{i}-local_start": start.strftime("%Y-%m-%dT%H:%M"),
                f"sessions-{i}-local_end": end.strftime("%Y-%m-%dT%H:%M"),
            }
        )
    login(germany_coordinator)

    first = client.post(f"/dashboard/events/{event.id}/edit", data=form)
    page = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "Check before saving" in page
    assert "Saving will send <strong>1 confirmed participant</strong>" in page
    assert "renamed (was “Workshop II”)" in page
    assert 'name="message"' in page
    assert outbox() == [] and event.sessions[1].title == "Workshop II"

    form.update(notify_confirmed="yes", message="The second workshop now focuses on open data.")
    second = client.post(f"/dashboard/events/{event.id}/edit", data=form, follow_redirects=True)
    assert "1 confirmed participant will receive a calendar update." in second.get_data(as_text=True)
    [message] = outbox("invite_update")
    assert message.subject == "Session renamed: Digitalisation of Municipal Services: Workshop II: open data"
    assert "The second workshop now focuses on open data." in message.text_body
    vevent = events_of(parse_all(message.calendar_ics))[0]
    assert vevent["SEQUENCE"] == 1 == db.session.get(type(event), event.id).sequence


def test_preview_and_save_report_the_same_change(app, desks):
    event = series(desks)
    make_registration(event)
    sessions = sessions_of(event)
    sessions[0] = (datetime(2030, 10, 8, 13), datetime(2030, 10, 8, 15), sessions[0][2], sessions[0][3])
    sessions[1] = (*sessions[1][:2], "Renamed", sessions[1][3])
    sessions = sessions[:2] + [(datetime(2030, 11, 4, 13), datetime(2030, 11, 4, 15), "Workshop IV", None)]
    data = edited(event, sessions=sessions, title="Digital Municipalities")

    preview = event_services.preview_change(event, data)
    saved = event_services.update_event(event, data)
    db.session.commit()

    strip = [(c.kind, c.title, c.old_start, c.new_start) for c in preview.sessions]
    assert strip == [(c.kind, c.title, c.old_start, c.new_start) for c in saved.sessions]
    assert [c.kind for c in saved.sessions] == ["moved", "renamed", "added", "removed"]
    assert preview.calendar_fields == saved.calendar_fields == ["title"]
    assert len(outbox("invite_update")) == 4


# --- 3. what a calendar shows changing is an update --------------------------------------------------------


def test_a_new_event_title_updates_every_upcoming_entry_with_a_higher_sequence(app, desks):
    event = series(desks)
    registration = make_registration(event)
    before = ics.event_file(event)
    event_services.update_event(event, edited(event, title="Digital Municipalities Working Group"))
    db.session.commit()

    assert event.sequence == 1
    messages = outbox("invite_update")
    assert len(messages) == 3
    for message, session in zip(messages, event.sessions, strict=True):
        vevent = events_of(parse_all(message.calendar_ics))[0]
        assert message.calendar_method == "REQUEST"
        assert str(vevent["UID"]) == ics.invite_uid(registration, session)
        assert vevent["SEQUENCE"] == 1
        assert str(vevent["SUMMARY"]) == f"Digital Municipalities Working Group: {session.title}"
        assert 'now called "Digital Municipalities Working Group" (before: "Digitalisation of Municipal' in (
            message.text_body
        )
    public = events_of(parse_all(ics.event_file(event)))
    assert [v["SEQUENCE"] for v in public] == [1, 1, 1]
    assert [v["SEQUENCE"] for v in events_of(parse_all(before))] == [0, 0, 0]


def test_a_new_summary_is_an_update_but_the_long_description_is_not(app, desks):
    event = series(desks)
    make_registration(event)
    change = event_services.update_event(event, edited(event, description="A longer text for the page only."))
    db.session.commit()
    assert not change.calendar_changed and event.sequence == 0 and outbox() == []

    change = event_services.update_event(event, edited(event, summary="Four workshops on open data."))
    db.session.commit()
    assert [c.kind for c in change.sessions] == ["updated"] * 3
    assert event.sequence == 1
    [first, *_] = outbox("invite_update")
    assert "Four workshops on open data." in str(events_of(parse_all(first.calendar_ics))[0]["DESCRIPTION"])


def test_untitled_sessions_renumbered_by_a_removal_are_updated(app, desks):
    untitled = [(datetime(2030, 10, day, 13), datetime(2030, 10, day, 15)) for day in (7, 14, 21)]
    event = factories.make_event(desks.germany, sessions=untitled)
    make_registration(event)
    keep = sessions_of(event)[:2]
    change = event_services.update_event(event, edited(event, sessions=keep))
    db.session.commit()
    # "(session 1 of 3)" becomes "(session 1 of 2)": both kept entries change their title.
    assert sorted(c.kind for c in change.sessions) == ["removed", "updated", "updated"]
    summaries = {str(events_of(parse_all(m.calendar_ics))[0]["SUMMARY"]) for m in outbox("invite_update")}
    assert "Digitalisation of Municipal Services (session 2 of 2)" in summaries


def test_sessions_already_over_are_not_announced(app, desks):
    event = factories.make_event(
        desks.germany,
        sessions=(
            (datetime(2020, 10, 7, 13), datetime(2020, 10, 7, 15)),
            (datetime(2030, 10, 7, 13), datetime(2030, 10, 7, 15)),
        ),
    )
    make_registration(event)
    change = event_services.update_event(event, edited(event, title="New title"))
    db.session.commit()
    assert [c.session_id for c in change.sessions] == [event.sessions[1].id]
    assert len(outbox("invite_update")) == 1


# --- 5. a removed session stays in the public files as cancelled -------------------------------------------


def test_a_removed_session_stays_cancelled_in_the_public_file_and_feed(app, desks):
    event = series(desks)
    make_registration(event)
    removed = event.sessions[2]
    removed_uid = ics.public_uid(removed)
    kept = [s for s in sessions_of(event) if s[3] != removed.id]
    event_services.update_event(
        event, edited(event, sessions=kept, message="Workshop III moves to the spring programme.")
    )
    db.session.commit()

    for text in (ics.event_file(event), ics.feed(ics.feed_events())):
        vevents = {str(v["UID"]): v for v in events_of(parse_all(text))}
        gone = vevents[removed_uid]
        assert str(gone["STATUS"]) == "CANCELLED"
        assert gone["SEQUENCE"] == 1 == event.sequence
        assert gone.decoded("DTSTART") == removed.starts_at
        assert str(gone["SUMMARY"]) == "Cancelled: Digitalisation of Municipal Services: Workshop III"
        assert [str(v["STATUS"]) for u, v in vevents.items() if u != removed_uid] == ["CONFIRMED"] * 2
        assert libical_itip_errors(text) == []
    [cancel] = outbox("invite_update")
    assert cancel.calendar_method == "CANCEL"
    assert "Workshop III moves to the spring programme." in cancel.text_body
    assert "Workshop III moves to the spring programme." in cancel.html_body

    # A later change raises the SEQUENCE of every entry, the cancelled one too.
    event_services.update_event(event, edited(event, title="Digital Municipalities"))
    db.session.commit()
    vevents = {str(v["UID"]): v for v in events_of(parse_all(ics.event_file(event)))}
    assert vevents[removed_uid]["SEQUENCE"] == 2


def test_cancelled_sessions_leave_the_feed_with_the_event_history(app, desks):
    event = series(desks)
    removed = event.sessions[0]
    kept = [s for s in sessions_of(event) if s[3] != removed.id]
    event_services.update_event(event, edited(event, sessions=kept))
    db.session.commit()
    assert len(ics.cancelled_sessions(event)) == 1
    app.config["FEED_PAST_DAYS"] = 30
    later = datetime(2031, 1, 1, tzinfo=UTC)
    assert ics.cancelled_sessions(event, now=later) == []


# --- 4. the personal page offers the personal file ---------------------------------------------------------


def test_personal_page_offers_the_personal_file_not_the_public_one(app, client, desks):
    event = series(desks)
    registration = make_registration(event)
    token = registration_services.new_manage_token(registration)
    db.session.commit()

    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert f"/events/{event.slug}.ics" not in page
    assert f'action="/r/{token}/calendar-file"' in page
    assert "Download your calendar file (.ics)" in page

    assert client.get(f"/r/{token}/calendar-file").status_code == 405  # a fresh access link is never issued on GET
    response = client.post(f"/r/{token}/calendar-file")
    assert response.status_code == 303
    assert response.location.endswith("/calendar.ics") and "/join/" in response.location
    download = client.get(response.location.replace("http://localhost", ""))
    assert download.status_code == 200
    vevents = events_of(parse_all(download.get_data(as_text=True)))
    assert [str(v["UID"]) for v in vevents] == [ics.invite_uid(registration, s) for s in event.sessions]
    assert {v["SEQUENCE"] for v in vevents} == {event.sequence}
    invite = ics.request(registration, event.sessions[0], invites.access_link(registration))
    assert str(events_of(parse_all(invite))[0]["UID"]) == str(vevents[0]["UID"])


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_personal_file_button_needs_its_csrf_token(app, client, desks):
    event = series(desks)
    registration = make_registration(event)
    token = registration_services.new_manage_token(registration)
    db.session.commit()
    assert client.post(f"/r/{token}/calendar-file").status_code in (400, 410)
