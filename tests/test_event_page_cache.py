"""The public event page comes from a per-process cache: every change shows on the next request, and nothing
personal (CSRF token, flash message, a coordinator's menu) of one reader ever reaches another."""

import re
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app import create_app
from app.events import page_cache, services
from app.events import views as event_views
from app.events.models import Event, EventSession
from app.extensions import db
from app.registrations.models import CONFIRMED
from tests import factories
from tests.registration_helpers import form_data, register_and_confirm

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def event(desks):
    return factories.make_event(
        desks.tbilisi,
        title="Smart Mobility Peer Exchange",
        capacity=3,
        sessions=(
            (datetime(2030, 10, 7, 13, 0), datetime(2030, 10, 7, 15, 30), "Workshop I"),
            (datetime(2030, 10, 14, 13, 0), datetime(2030, 10, 14, 15, 30), "Workshop II"),
        ),
    )


def page(client, event, **kwargs) -> str:
    slug = event if isinstance(event, str) else event.slug
    response = client.get(f"/events/{slug}", **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def count_renders(monkeypatch) -> list:
    renders = []
    original = event_views.render_event_page

    def counting(*args, **kwargs):
        renders.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(event_views, "render_event_page", counting)
    return renders


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_readers_share_one_rendering_but_each_gets_their_own_csrf_token(app, event, monkeypatch):
    renders = count_renders(monkeypatch)
    first, second = app.test_client(), app.test_client()

    html_first, html_second = page(first, event), page(second, event)

    assert len(renders) == 1
    tokens_first, tokens_second = set(CSRF.findall(html_first)), set(CSRF.findall(html_second))
    assert len(tokens_first) == 1 and len(tokens_second) == 1
    assert tokens_first != tokens_second
    assert page_cache.CSRF_SLOT not in html_first + html_second
    assert CSRF.sub("", html_first) == CSRF.sub("", html_second)


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_a_token_from_the_shared_page_works_for_its_reader_only(app, event):
    first, second = app.test_client(), app.test_client()
    token_first = CSRF.search(page(first, event)).group(1)
    CSRF.search(page(second, event)).group(1)
    data = {
        "name": "Nino",
        "email": "nino@example.org",
        "organisation": "Tbilisi City Hall",
        "country": "GE",
        "expert_type": "international",
        "timezone": "Asia/Tbilisi",
        "consent": "y",
    }

    refused = second.post(f"/events/{event.slug}/register", data={**data, "csrf_token": token_first})
    accepted = first.post(f"/events/{event.slug}/register", data={**data, "csrf_token": token_first})

    assert refused.status_code == 400
    assert accepted.status_code == 302


def other_process(app):
    """The same database through another application object: what a second host would do."""
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})


@contextmanager
def another_host(app):
    """Work done by ``other_process(app)`` inside the block; its connections closed after it."""
    other = other_process(app)
    with other.app_context():
        try:
            yield other
        finally:
            db.session.remove()
            db.engine.dispose()


def change_title(event):
    event.title = "Smart Mobility Peer Exchange, second edition"
    return "second edition", "Smart Mobility Peer Exchange</h1>"


def move_session(event):
    session = event.sessions[0]
    session.starts_at += timedelta(hours=2)
    session.ends_at += timedelta(hours=2)
    return "7 Oct 2030, 15:00-17:30", "7 Oct 2030, 13:00-15:30"


def remove_session(event):
    db.session.delete(event.sessions[1])
    event.sessions.remove(event.sessions[1])
    return "Workshop I", "Workshop II"


def cancel(event):
    services.cancel_event(event)
    return "This event has been cancelled.", "Register</button>"


@pytest.mark.parametrize("change", [change_title, move_session, remove_session, cancel])
@pytest.mark.parametrize("where", ["this process", "another process"])
def test_a_change_to_the_event_shows_on_the_next_request(app, client, event, change, where):
    event_id = event.id
    before = page(client, event)

    if where == "this process":
        expected, gone = change(db.session.get(Event, event_id))
        db.session.commit()
    else:
        db.session.commit()  # SQLite: the other process needs the write lock
        with other_process(app).app_context():
            expected, gone = change(db.session.get(Event, event_id))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
    after = page(client, event)

    assert gone in before
    assert expected in after
    assert gone not in after


def test_a_translated_question_shows_on_the_next_request(app, client, event):
    from app.events.translations import TranslationData, save_translation
    from app.locales import LANGUAGE_COOKIE
    from app.registrations import services as registrations

    question = registrations.save_question(event, registrations.QuestionData("short_text", "Your municipality?"))
    save_translation(event, "uk", TranslationData(title="Обмін досвідом"))
    db.session.commit()
    client.set_cookie(LANGUAGE_COOKIE, "uk")
    before = page(client, event)

    save_translation(
        event,
        "uk",
        TranslationData(title="Обмін досвідом", question_texts={question.id: {"label": "Ваш муніципалітет?"}}),
    )
    db.session.commit()
    after = page(client, event)

    assert "Обмін досвідом" in before and "Your municipality?" in before
    assert "Ваш муніципалітет?" in after and "Your municipality?" not in after


def test_seats_left_are_exact_on_every_request(app, client, event):
    assert "3 seats left" in page(client, event)

    register_and_confirm(app.test_client(), event, email="first@example.org")
    assert "2 seats left" in page(client, event)

    for n in (2, 3):
        register_and_confirm(app.test_client(), event, email=f"person{n}@example.org")
    html = page(client, event)
    assert "All seats are taken" in html and "Join the waitlist" in html
    confirmed = db.session.scalar(
        sa.select(sa.func.count()).where(sa.text(f"status = '{CONFIRMED}'")).select_from(sa.table("registrations"))
    )
    assert confirmed == 3


def test_a_change_to_the_registration_form_shows_on_the_next_request(app, client, event):
    from app.registrations import services as registrations

    question = registrations.save_question(event, registrations.QuestionData("short_text", "Your municipality?"))
    db.session.commit()
    assert "Your municipality?" in page(client, event)

    registrations.save_question(event, registrations.QuestionData("short_text", "Your city?"), question)
    registrations.save_category(event, registrations.CategoryData("Municipal staff"))
    db.session.commit()
    html = page(client, event)
    assert "Your city?" in html and "Your municipality?" not in html and "Municipal staff" in html

    assert 'name="code"' not in html
    registrations.create_code(event, None, "PEERS2030", 5, None)
    db.session.commit()
    assert 'name="code"' in page(client, event)


def test_seats_of_each_session_are_exact_on_every_request(app, client, event):
    from app.registrations import services as registrations

    first, second = event.sessions
    registrations.save_rules(
        event, registrations.RulesData(session_choice=True, session_capacities={first.id: 2, second.id: 2})
    )
    db.session.commit()
    assert "2 seats left" in page(client, event)

    register_and_confirm(app.test_client(), event, email="first@example.org", session_ids=[str(first.id)])
    html = page(client, event)
    assert html.count("1 seat left") == 1  # the first session; the second and the event keep 2 each


def test_a_change_of_a_session_raises_the_page_version(app, event):
    version = event.page_version
    db.session.get(EventSession, event.sessions[0].id).title = "Workshop Zero"
    db.session.commit()
    db.session.expire_all()

    assert db.session.get(Event, event.id).page_version == version + 1


def test_the_reader_zone_gives_its_own_rendering(app, event):
    tbilisi = app.test_client()
    tbilisi.set_cookie("tz", "Asia/Tbilisi")

    assert "in Tbilisi" in page(tbilisi, event)
    assert "in Tbilisi" not in page(app.test_client(), event)
    assert "in Tbilisi" in page(app.test_client(), event, query_string={"tz": "Asia/Tbilisi"})


def test_a_flash_message_is_shown_to_its_reader_only(app, event):
    reader = app.test_client()
    with reader.session_transaction() as session:
        session["_flashes"] = [("info", "A message for this reader only")]

    assert "A message for this reader only" in page(reader, event)
    assert "A message for this reader only" not in page(app.test_client(), event)


def test_a_coordinators_page_is_never_shared(app, event, tbilisi_coordinator):
    # Served as in production: every request in an application context of its own (the app fixture keeps one
    # context for the whole test, and Flask-Login remembers the user in it).
    slug, email = event.slug, tbilisi_coordinator.email
    db.session.commit()  # SQLite: the served app needs the write lock
    served = other_process(app)
    coordinator = served.test_client()
    response = coordinator.post("/login", data={"email": email, "password": factories.PASSWORD})
    assert response.status_code == 302
    event = slug

    try:
        assert "Log out" in page(coordinator, event)
        assert "Log out" not in page(served.test_client(), event)
        assert "Log out" in page(coordinator, event)
        assert "Log out" not in page(served.test_client(), event)
    finally:
        with served.app_context():
            db.engine.dispose()


def test_other_query_strings_and_unknown_zones_are_served_without_the_cache(app, event, monkeypatch):
    renders = count_renders(monkeypatch)
    client = app.test_client()

    page(client, event, query_string={"utm_source": "newsletter"})
    page(client, event, query_string={"tz": "Mars/Olympus"})
    page(client, event, query_string={"utm_source": "newsletter"})

    assert len(renders) == 3
    assert client.get("/events/no-such-event").status_code == 404


# --- PostgreSQL: facts kept while the database announces every change ------------------------------------


# The facts watch listens to PostgreSQL: its tests run there only.
on_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def watch(app):
    """This process's facts watch, listening; stopped at the end."""
    app.config["EVENT_PAGE_LISTEN"] = True
    watch = page_cache.facts_watch()
    try:
        wait_for(lambda: watch.listening, "the watch to listen")
        yield watch
    finally:
        watch.stop()


def wait_for(condition, what: str, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:g} s for {what}")
        time.sleep(0.02)


def count_calls(monkeypatch, owner, name: str) -> list:
    """The slugs ``owner.name`` is called with from now on (it still does its work)."""
    calls = []
    original = getattr(owner, name)

    def counting(slug):
        calls.append(slug)
        return original(slug)

    monkeypatch.setattr(owner, name, counting)
    return calls


def count_reads(monkeypatch) -> list:
    return count_calls(monkeypatch, page_cache, "read_page_facts")


@on_postgresql
def test_kept_facts_spare_the_query_until_a_change_is_announced(app, client, event, watch, monkeypatch):
    reads = count_reads(monkeypatch)
    assert "3 seats left" in page(client, event)
    assert "3 seats left" in page(client, event)
    assert len(reads) == 1

    # Another host confirms someone: the trigger announces it when it commits, and this process reads again.
    with another_host(app) as other:
        register_and_confirm(other.test_client(), event, email="first@example.org")
    wait_for(lambda: "2 seats left" in page(client, event), "the confirmation to show")
    assert len(reads) >= 2


@on_postgresql
@pytest.mark.parametrize("change", [change_title, move_session, remove_session, cancel])
def test_a_change_on_another_host_shows_once_announced(app, client, event, watch, change):
    event_id = event.id
    before = page(client, event)
    db.session.commit()

    with another_host(app):
        expected, gone = change(db.session.get(Event, event_id))
        db.session.commit()

    assert gone in before
    # Both conditions are waited for: what a change shows may have been on the page before it too.
    wait_for(lambda: expected in (html := page(client, event)) and gone not in html, "the change to show")


@on_postgresql
def test_a_change_made_here_shows_on_the_next_request(app, client, event, watch, monkeypatch):
    page(client, event)
    # Nothing the listener hears is used: the commit itself makes this process forget.
    monkeypatch.setattr(watch, "_announced", lambda payload: None)

    expected, gone = change_title(db.session.get(Event, event.id))
    db.session.commit()
    assert expected in page(client, event)

    register_and_confirm(app.test_client(), event, email="first@example.org")
    assert "2 seats left" in page(client, event)


@on_postgresql
def test_a_registration_that_is_not_confirmed_keeps_the_facts(app, client, event, watch, monkeypatch):
    reads = count_reads(monkeypatch)
    page(client, event)
    response = app.test_client().post(f"/events/{event.slug}/register", data=form_data(email="new@example.org"))
    assert response.status_code == 302
    time.sleep(0.2)  # what the listener would hear has arrived by now
    assert "3 seats left" in page(client, event)
    assert len(reads) == 1


@on_postgresql
def test_a_lost_listener_forgets_and_listens_again(app, client, event, watch, monkeypatch):
    reads = count_reads(monkeypatch)
    page(client, event)
    listener = watch.backend_pid
    failures = page_cache.WATCH_FAILURES._value.get()
    with db.engine.begin() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": listener}).scalar_one()

    # While it does not listen (or once it listens again), the facts are read afresh.
    wait_for(lambda: page(client, event) and len(reads) >= 2, "the facts to be read again")
    wait_for(lambda: watch.listening and watch.backend_pid != listener, "the watch to listen again")
    assert page_cache.WATCH_FAILURES._value.get() == failures + 1
    with another_host(app) as other:
        register_and_confirm(other.test_client(), event, email="first@example.org")
    wait_for(lambda: "2 seats left" in page(client, event), "the confirmation to show")


def test_facts_read_while_a_change_was_announced_are_not_kept():
    facts = page_cache.PageFacts(1, 0, "published", "UTC", "en", 3, 0, None, None, None, None)
    watch = page_cache.FactsWatch("")  # not started: no thread
    assert watch.kept("talk") == (None, None)  # not listening: nothing can be kept
    watch.keep("talk", facts, None, event_id=1)
    assert watch.kept("talk") == (None, None)

    watch._listening = True
    kept, ticket = watch.kept("talk")
    watch.forget(1)  # a change is announced between the read and the keeping
    watch.keep("talk", facts, ticket, event_id=1)
    assert watch.kept("talk")[0] is None

    kept, ticket = watch.kept("talk")
    watch.keep("talk", facts, ticket, event_id=1)
    assert watch.kept("talk") == (facts, None)
    watch.forget(2)  # another event's change
    assert watch.kept("talk") == (facts, None)
    watch.forget(1)
    assert watch.kept("talk")[0] is None

    # Other things kept of the event (a sign-up's parts) go with it; "*" forgets everything.
    _, ticket = watch.kept("talk")
    watch.keep("talk", facts, ticket, event_id=1)
    watch.keep(("sign-up", "talk"), "parts", ticket, event_id=1)
    watch.keep(("sign-up", "other"), "other parts", ticket, event_id=2)
    watch.forget(1)
    assert watch.kept("talk")[0] is None and watch.kept(("sign-up", "talk"))[0] is None
    assert watch.kept(("sign-up", "other"))[0] == "other parts"
    watch._announced("*")
    assert watch.kept(("sign-up", "other"))[0] is None


@on_postgresql
@pytest.mark.parametrize("savepoint", ["released", "rolled back"])
def test_a_change_committed_after_a_savepoint_shows_on_the_next_request(app, client, event, watch, savepoint):
    """A savepoint inside the transaction (as sending an email with a dedup key opens one) neither forgets the
    change before it is committed nor drops what was noted before it."""
    watch._announced = lambda payload: None  # only this process's own commit may make it forget
    assert "3 seats left" in page(client, event)

    db.session.get(Event, event.id).capacity = 5
    db.session.flush()
    nested = db.session.begin_nested()
    if savepoint == "released":
        nested.commit()
    else:
        nested.rollback()
    assert "3 seats left" in page(client, event)  # not committed yet: the facts kept still hold
    db.session.commit()
    assert "5 seats left" in page(client, event)


def test_a_coordinator_of_the_event_gets_an_edit_shortcut_that_no_other_reader_gets(
    app, client, desks, tbilisi_coordinator, germany_coordinator, login
):
    from tests.factories import make_event

    event = make_event(desks.tbilisi, title="Open Data Roundtable")
    page, edit = f"/events/{event.slug}", f"/dashboard/events/{event.id}/edit"
    assert edit not in client.get(page).get_data(as_text=True)  # shared page, now kept
    login(germany_coordinator)
    assert edit not in client.get(page).get_data(as_text=True)
    client.post("/logout")
    login(tbilisi_coordinator)
    assert f'href="{edit}"' in client.get(page).get_data(as_text=True)
    assert client.get(edit).status_code == 200
    # The page made for the coordinator is theirs alone: anonymous readers still get the shared one. (A fresh app
    # context, as each request has outside tests: the test's own context would carry the logged-in user over.)
    with app.app_context():
        assert edit not in app.test_client().get(page).get_data(as_text=True)


# --- PostgreSQL: the parts a sign-up checks, vouched for by the same watch ---------------------------------


def count_version_reads(monkeypatch) -> list:
    from app.registrations.services import signup

    return count_calls(monkeypatch, signup, "read_versions")


def sign_up(app, event, email: str):
    return app.test_client().post(f"/events/{event.slug}/register", data=form_data(email=email))


def registered(email: str) -> bool:
    from app.registrations.models import Registration

    db.session.expire_all()
    return db.session.scalar(sa.select(Registration.id).where(Registration.email_normalized == email)) is not None


@on_postgresql
def test_sign_ups_read_no_versions_while_the_watch_vouches_for_their_parts(app, event, watch, monkeypatch):
    reads = count_version_reads(monkeypatch)
    for number in range(3):
        assert sign_up(app, event, f"person{number}@example.org").status_code == 302
        assert registered(f"person{number}@example.org")
    assert len(reads) == 1

    # Another host closes the registration: once announced, the next sign-up reads the versions and is refused.
    event_id, slug = event.id, event.slug
    db.session.commit()
    with another_host(app):
        db.session.get(Event, event_id).registration_closes_at = datetime(2020, 1, 1, tzinfo=UTC)
        db.session.commit()
    wait_for(lambda: watch.kept(("sign-up parts", slug))[0] is None, "the change to be announced")
    refused = sign_up(app, event, "late@example.org")
    assert refused.status_code == 302 and refused.headers["Location"].endswith(f"/events/{slug}")
    assert not registered("late@example.org")
    assert len(reads) == 2


@on_postgresql
def test_a_desk_changed_on_another_host_makes_sign_ups_read_again(app, event, desks, watch, monkeypatch):
    from app.desks.models import Desk

    reads = count_version_reads(monkeypatch)
    assert sign_up(app, event, "first@example.org").status_code == 302
    desk_id = desks.tbilisi.id
    db.session.commit()
    with another_host(app):
        db.session.get(Desk, desk_id).name = "South Caucasus desk"
        db.session.commit()
    wait_for(lambda: watch.kept(("sign-up parts", event.slug))[0] is None, "the desk change to be announced")
    assert sign_up(app, event, "second@example.org").status_code == 302
    assert len(reads) == 2


@on_postgresql
def test_sign_up_parts_read_while_a_change_was_announced_are_not_vouched_for(app, event, watch, monkeypatch):
    from app.registrations.services import signup

    original = signup.read_versions
    reads = []

    def read_then_change(slug):
        found = original(slug)
        reads.append(slug)
        if len(reads) == 1:
            watch.forget(found[0])  # a change of the event is announced between the read and the keeping
        return found

    monkeypatch.setattr(signup, "read_versions", read_then_change)
    assert sign_up(app, event, "first@example.org").status_code == 302
    assert watch.kept(("sign-up parts", event.slug))[0] is None
    assert sign_up(app, event, "second@example.org").status_code == 302  # reads again, and is vouched for
    assert watch.kept(("sign-up parts", event.slug))[0] is not None
    assert sign_up(app, event, "third@example.org").status_code == 302
    assert len(reads) == 2
