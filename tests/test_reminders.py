"""Reminders 24 hours and 1 hour before each session: once each, to the right people, in their zone."""

from datetime import UTC, datetime, timedelta

from app.calendar import reminders
from app.calendar.commands import reminders_job
from app.events import services as event_services
from app.extensions import db
from app.mail import worker
from app.registrations import tokens
from app.registrations.models import PENDING_APPROVAL, TOKEN_JOIN, RegistrationTransition
from tests import factories
from tests.calendar_support import make_registration, outbox

# Berlin 13:00 CEST = 11:00Z, and a week later.
SESSIONS = (
    (datetime(2030, 10, 7, 13, 0), datetime(2030, 10, 7, 15, 30), "Workshop I"),
    (datetime(2030, 10, 14, 13, 0), datetime(2030, 10, 14, 15, 30), "Workshop II"),
)
START = datetime(2030, 10, 7, 11, 0, tzinfo=UTC)
LONG_BEFORE = datetime(2030, 9, 1, tzinfo=UTC)


def run(now: datetime) -> int:
    count = reminders.send_due_reminders(now=now)
    db.session.commit()
    return count


def keys() -> list[str]:
    return sorted(m.dedup_key for m in outbox("reminder"))


def test_each_reminder_is_sent_once_at_its_time(app, desks):
    event = factories.make_event(desks.germany, sessions=SESSIONS)
    nino = make_registration(event, zone="Asia/Tbilisi", confirmed_at=LONG_BEFORE)
    first = event.sessions[0].id

    assert run(START - timedelta(hours=25)) == 0
    assert run(START - timedelta(hours=24)) == 1
    assert run(START - timedelta(hours=23)) == 0
    assert run(START - timedelta(hours=2)) == 0
    assert keys() == [f"reminder:{nino.id}:{first}:24h"]
    assert run(START - timedelta(minutes=59)) == 1
    assert run(START - timedelta(minutes=30)) == 0
    assert run(START) == 0  # started: nothing more
    assert keys() == [f"reminder:{nino.id}:{first}:1h", f"reminder:{nino.id}:{first}:24h"]

    day, hour = sorted(outbox("reminder"), key=lambda m: m.dedup_key, reverse=True)
    assert day.subject == "Reminder: Digitalisation of Municipal Services: Workshop I starts in 24 hours"
    assert hour.subject == "Reminder: Digitalisation of Municipal Services: Workshop I starts in 1 hour"
    for message in (day, hour):
        assert "Mon 7 Oct 2030, 15:00-17:30 GMT+4 (your time, Asia/Tbilisi)" in message.text_body
        assert "Mon 7 Oct 2030, 13:00-15:30 CEST (event time, Europe/Berlin)" in message.text_body
        assert message.calendar_method is None
    # Each carries a fresh access link of its own.
    links = [m.text_body.split("/join/")[1].split()[0] for m in (day, hour)]
    assert links[0] != links[1]
    assert all(tokens.lookup(link, TOKEN_JOIN).registration_id == nino.id for link in links)


def test_a_late_run_sends_only_the_reminder_still_useful(app, desks):
    event = factories.make_event(desks.germany, sessions=SESSIONS)
    registration = make_registration(event, confirmed_at=LONG_BEFORE)
    assert run(START - timedelta(minutes=20)) == 1
    assert keys() == [f"reminder:{registration.id}:{event.sessions[0].id}:1h"]
    # It says what is left, not "1 hour".
    [message] = outbox("reminder")
    assert message.subject == "Reminder: Digitalisation of Municipal Services: Workshop I starts in 20 minutes"


def test_late_registrants_get_no_reminder_for_a_moment_already_past(app, desks):
    event = factories.make_event(desks.germany, sessions=SESSIONS)
    early = make_registration(event, email="early@example.org", confirmed_at=START - timedelta(days=3))
    late = make_registration(event, email="late@example.org", confirmed_at=START - timedelta(hours=5))
    last_minute = make_registration(event, email="last@example.org", confirmed_at=START - timedelta(minutes=30))

    run(START - timedelta(hours=24))
    run(START - timedelta(hours=4))  # late confirmed after the 24-hour moment: still nothing for them
    run(START - timedelta(minutes=10))
    first = event.sessions[0].id
    assert keys() == sorted([
        f"reminder:{early.id}:{first}:24h",
        f"reminder:{early.id}:{first}:1h",
        f"reminder:{late.id}:{first}:1h",
    ])  # fmt: skip
    assert last_minute.id not in {int(k.split(":")[1]) for k in keys()}


def test_the_latest_confirmation_counts(app, desks):
    # Confirmed, cancelled, and confirmed again from the waitlist: the second seat is what counts.
    event = factories.make_event(desks.germany, sessions=SESSIONS)
    registration = make_registration(event, confirmed_at=START - timedelta(days=5))
    db.session.add(
        RegistrationTransition(
            registration=registration,
            from_status="waitlisted",
            to_status="confirmed",
            actor="system",
            created_at=START - timedelta(hours=3),
        )
    )
    db.session.commit()
    run(START - timedelta(hours=23))
    assert keys() == []


def test_only_confirmed_participants_of_published_events(app, desks):
    published = factories.make_event(desks.germany, sessions=SESSIONS)
    make_registration(published, status=PENDING_APPROVAL, email="pending@example.org")
    draft = factories.make_event(desks.germany, sessions=SESSIONS, publish=False, title="Draft")
    make_registration(draft, confirmed_at=LONG_BEFORE)
    cancelled = factories.make_event(desks.tbilisi, sessions=SESSIONS, title="Cancelled")
    make_registration(cancelled, confirmed_at=LONG_BEFORE)
    event_services.cancel_event(cancelled)
    db.session.commit()
    assert run(START - timedelta(hours=24)) == 0


def test_every_session_of_a_series_is_reminded(app, desks):
    event = factories.make_event(desks.germany, sessions=SESSIONS)
    registration = make_registration(event, confirmed_at=LONG_BEFORE)
    second_start = event.sessions[1].starts_at
    run(START - timedelta(hours=1))
    run(second_start - timedelta(hours=24))
    run(second_start - timedelta(hours=1))
    assert keys() == sorted(
        f"reminder:{registration.id}:{s.id}:{kind}"
        for s, kind in ((event.sessions[0], "1h"), (event.sessions[1], "24h"), (event.sessions[1], "1h"))
    )


def test_command_and_worker_job(app, runner, desks, monkeypatch):
    event = factories.make_event(desks.germany, sessions=SESSIONS)
    make_registration(event, confirmed_at=LONG_BEFORE)
    # The command and the job use the clock; stand 24 hours before the session.
    monkeypatch.setattr(reminders, "utcnow", lambda: START - timedelta(hours=24))
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 reminder." in result.output
    assert runner.invoke(args=["reminders", "send"]).output.strip() == "Queued 0 reminders."
    assert reminders_job in worker.PERIODIC_JOBS
    reminders_job()
    assert len(outbox("reminder")) == 1


def test_participants_who_choose_sessions_are_reminded_of_theirs_only(app, desks):
    from app.registrations.models import ChosenSession, RegistrationRules

    event = factories.make_event(desks.germany, sessions=SESSIONS)
    first, second = event.sessions
    db.session.add(RegistrationRules(event_id=event.id, over_limit="refuse", session_choice=True))
    db.session.commit()
    chose_first = make_registration(event, email="first@example.org", confirmed_at=LONG_BEFORE)
    chose_second = make_registration(event, email="second@example.org", confirmed_at=LONG_BEFORE)
    chose_first.chosen = [ChosenSession(session_id=first.id)]
    chose_second.chosen = [ChosenSession(session_id=second.id)]
    db.session.commit()

    assert run(START - timedelta(hours=24)) == 1
    assert run(START + timedelta(days=7) - timedelta(hours=24)) == 1
    assert keys() == [f"reminder:{chose_first.id}:{first.id}:24h", f"reminder:{chose_second.id}:{second.id}:24h"]
