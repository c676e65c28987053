"""Every page, email and invite in the reader's or recipient's language."""

import html
import re
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from babel.dates import format_skeleton
from flask import render_template_string

from app.calendar import ics, reminders
from app.calendar.emails import times as email_times
from app.events.models import EventTranslation
from app.events.services import EventChange, SessionChange
from app.extensions import db
from app.locales import LANGUAGE_COOKIE, LANGUAGES, in_language
from app.mail.services import render_email
from app.registrations.models import Registration
from app.timezones import utc_to_local
from tests.factories import make_event
from tests.i18n_support import PENDING, read_catalog, translated_languages
from tests.registration_helpers import CONFIRM_LINK, MANAGE_LINK, form_data, messages_to, register_and_confirm

ALL_LANGUAGES = list(LANGUAGES)
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def gettext_in(app, language: str, message: str, **variables) -> str:
    """What the catalog of ``language`` makes of ``message``."""
    from flask_babel import gettext

    with app.test_request_context(), in_language(language):
        return gettext(message, **variables)


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)" dir="(ltr|rtl)"', page).group(1)


def set_language_cookie(client, language: str) -> None:
    client.set_cookie(LANGUAGE_COOKIE, language)


# --- Choosing the language ---------------------------------------------------------------------------


@SQLITE_ONLY
def test_the_switcher_beats_accept_language_which_beats_the_event_language(client, desks):
    event = make_event(desks.germany, title="Kommunale Digitalisierung", language="de")
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert html_lang(page) == "de"  # nothing else said: the event's language before English

    page = client.get(f"/events/{event.slug}", headers={"Accept-Language": "uk-UA,uk;q=0.9,en;q=0.5"})
    assert html_lang(page.get_data(as_text=True)) == "uk"  # the browser's language beats the event's

    response = client.post("/preferences/language", data={"language": "sr_Latn", "next": f"/events/{event.slug}"})
    assert response.status_code == 302 and response.location.endswith(f"/events/{event.slug}")
    page = client.get(f"/events/{event.slug}", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert html_lang(page) == "sr-Latn"  # the explicit choice beats the browser
    assert '<option value="sr_Latn" lang="sr-Latn" selected>Srpski (latinica)</option>' in page


@SQLITE_ONLY
def test_english_when_nothing_says_otherwise_and_on_pages_about_no_event(client, desks):
    make_event(desks.germany, language="de")
    assert html_lang(client.get("/").get_data(as_text=True)) == "en"
    assert html_lang(client.get("/", headers={"Accept-Language": "fr-FR, ka;q=0.8"}).get_data(as_text=True)) == "ka"
    assert html_lang(client.get("/", headers={"Accept-Language": "sr-RS"}).get_data(as_text=True)) == "sr-Latn"


@SQLITE_ONLY
def test_the_switcher_needs_csrf_and_ignores_unknown_languages(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/preferences/language", data={"language": "de", "next": "/"}).status_code == 400
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/preferences/language", data={"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302 and response.location == "/"
    assert LANGUAGE_COOKIE not in response.headers.get("Set-Cookie", "")


@SQLITE_ONLY
def test_every_language_is_named_in_itself_in_the_switcher(client):
    page = client.get("/").get_data(as_text=True)
    for name in ("English", "Deutsch", "ქართული", "Українська", "Русский", "Română", "Shqip", "Македонски"):
        assert f">{name}</option>" in page
    assert ">Հայերեն</option>" in page and ">Azərbaycanca</option>" in page


# --- Pages and emails render in every language ---------------------------------------------------------


@pytest.fixture
def journey(app, client, desks, tbilisi_coordinator):
    """An event of two sessions, a confirmed participant and their links, a contact request."""
    event = make_event(
        desks.tbilisi,
        title="Digital Municipalities",
        zone="Europe/Berlin",
        summary="Two afternoons on e-services.",
        description="**Agenda** follows.",
        sessions=(
            (datetime(2030, 10, 7, 13, 0), datetime(2030, 10, 7, 15, 30), "Opening"),
            (datetime(2030, 10, 8, 13, 0), datetime(2030, 10, 8, 15, 30)),
        ),
    )
    register_and_confirm(client, event, timezone="Asia/Tbilisi")
    registration = db.session.query(Registration).one()
    manage = MANAGE_LINK.search(messages_to("olena@example.org", "registration_confirmed")[-1].text_body).group(1)
    join = re.search(
        r"/join/([A-Za-z0-9_\-]+)", messages_to("olena@example.org", "registration_confirmed")[-1].text_body
    )
    client.post("/contact", data={**form_data(email="ask@example.org"), "message": "Is there interpretation?"})
    return {"event": event, "registration": registration, "manage": manage, "join": join.group(1)}


def public_pages(journey) -> list[str]:
    event = journey["event"]
    return [
        "/",
        f"/events/{event.slug}",
        f"/events/{event.slug}/registered",
        "/contact",
        "/contact/thanks",
        "/privacy",
        "/calendar",
        "/login",
        f"/r/{journey['manage']}",
        f"/join/{journey['join']}",
        "/r/confirm/not-a-token",
        "/join/not-a-token",
        "/no-such-page",
    ]


def coordinator_pages(journey) -> list[str]:
    event, registration = journey["event"], journey["registration"]
    return [
        "/dashboard/",
        "/dashboard/events/",
        f"/dashboard/events/{event.id}",
        f"/dashboard/events/{event.id}/edit",
        f"/dashboard/events/{event.id}/translations/uk",
        f"/dashboard/events/{event.id}/registrations",
        f"/dashboard/registrations/{registration.id}",
        "/dashboard/inbox",
        "/dashboard/account",
        "/dashboard/digest",
        f"/dashboard/events/{event.id}/registration-form",
        f"/dashboard/events/{event.id}/invitations",
        "/dashboard/desks",
        "/dashboard/coordinators",
        f"/dashboard/events/{event.id}/programme/",
        f"/dashboard/events/{event.id}/programme/sessions/{event.sessions[0].id}",
        f"/dashboard/events/{event.id}/programme/messages/new",
        f"/dashboard/events/{event.id}/attendance",
        f"/dashboard/events/{event.id}/feedback",
        f"/dashboard/events/{event.id}/certificates",
        f"/dashboard/events/{event.id}/directory",
        f"/dashboard/events/{event.id}/charts",
    ]


def english_left_over(language: str, english: str, translated: str) -> list[str]:
    """Sentences of the catalog that the English page shows and the translated page still shows in English."""
    catalog = read_catalog(language)
    english, translated = html.unescape(english), html.unescape(translated)
    left = []
    for message in catalog:
        text = message.id if isinstance(message.id, str) else None
        if not text or "%" in text or "<" in text or len(text) < 16 or message.string in ("", text):
            continue
        if text in english and text in translated:
            left.append(text)
    return left


@SQLITE_ONLY
def test_every_public_and_coordinator_page_renders_in_every_language(app, client, journey, login, admin):
    pages = public_pages(journey)
    rendered: dict[str, dict[str, str]] = {}
    for language in ALL_LANGUAGES:
        set_language_cookie(client, language)
        for path in pages:
            response = client.get(path)
            assert response.status_code in (200, 404), (language, path, response.status_code)
            page = response.get_data(as_text=True)
            assert html_lang(page) == language.replace("_", "-"), (language, path)
            rendered.setdefault(path, {})[language] = page
    login(admin)
    for language in ALL_LANGUAGES:
        for path in coordinator_pages(journey):
            set_language_cookie(client, language)
            admin.language = language
            db.session.commit()
            response = client.get(path)
            assert response.status_code == 200, (language, path, response.status_code)
            rendered.setdefault(path, {})[language] = response.get_data(as_text=True)
    for language in translated_languages():
        for path, pages_by_language in rendered.items():
            left = english_left_over(language, pages_by_language["en"], pages_by_language[language])
            assert left == [], (language, path, left)


EMAIL_TEMPLATES = [
    "access_details",
    "already_registered",
    "awaiting_approval",
    "cancelled",
    "confirm_email",
    "confirmed",
    "contact_acknowledgement",
    "contact_coordinator",
    "contact_reassigned",
    "digest",
    "event_cancelled",
    "invitation",
    "invite",
    "invite_cancel",
    "invite_update",
    "rejected",
    "reminder",
    "test_message",
    "waitlisted",
]


def email_context(journey) -> dict:
    from app.contact.models import ContactRequest

    event, registration = journey["event"], journey["registration"]
    session = event.sessions[0]
    shown = email_times(session.starts_at, session.ends_at, event, registration)
    contact = db.session.query(ContactRequest).one()
    coordinator = contact.desk.coordinators[0]
    change = SessionChange(
        kind="moved",
        session_id=session.id,
        title=session.title,
        old_start=session.starts_at - timedelta(hours=1),
        old_end=session.ends_at - timedelta(hours=1),
        new_start=session.starts_at,
        new_end=session.ends_at,
    )
    return {
        "registration": registration,
        "event": event,
        "manage_url": "https://example.org/r/manage",
        "verify_url": "https://example.org/r/confirm/x",
        "access_url": "https://example.org/join/x",
        "event_url": "https://example.org/events/x",
        "hours": 48,
        "promoted": True,
        "message": "A word from us.",
        "first": session,
        "by": "participant",
        "agenda": [(s, ics.summary(event, s), shown) for s in event.sessions],
        "now": datetime(2030, 1, 1, tzinfo=UTC),
        "title": ics.summary(event, session),
        "times": shown,
        "number": 1,
        "total": 2,
        "change": change,
        "event_change": EventChange(
            sessions=[change],
            calendar_fields=["title", "summary", "slug"],
            old_title="Before",
            message="A word from us.",
        ),
        "position": 3,
        "name": registration.name,
        "category": None,
        "invitation_url": "https://example.org/invitation/x",
        "registrations": [registration],
        "requests": [contact],
        "dashboard_url": "https://example.org/dashboard",
        "registration_url": lambda r: "https://example.org/dashboard/registrations/1",
        "request_url": lambda c: "https://example.org/dashboard/inbox/1",
        "old": shown,
        "new": shown,
        "reason": "Rescheduled.",
        "event_cancelled": True,
        "wording": reminders.REMINDERS[1].wording,
        "request": contact,
        "desk": contact.desk,
        "coordinators": [coordinator],
        "coordinator": coordinator,
        "link": "https://example.org/dashboard/inbox/1",
        "expert_type": "International",
        "from_desk": contact.desk,
        "note": "Please take this one.",
        "requested_by": "Ada Admin",
        "requested_at": datetime(2030, 1, 1, tzinfo=UTC),
        "site_name": "Eventdesk",
    }


@SQLITE_ONLY
def test_every_email_template_renders_in_every_language(app, journey):
    context = email_context(journey)
    rendered = {}
    for language in ALL_LANGUAGES:
        for template in EMAIL_TEMPLATES:
            with app.test_request_context(), in_language(language):
                subject, text, body = render_email(template, **context)
            assert subject and text.strip() and f'lang="{language.replace("_", "-")}"' in body, (language, template)
            rendered.setdefault(template, {})[language] = subject + "\n" + text + "\n" + body
    for language in translated_languages():
        for template, by_language in rendered.items():
            left = english_left_over(language, by_language["en"], by_language[language])
            assert left == [], (language, template, left)


# --- A participant's language follows them: emails, invites, reminders -----------------------------------------


def _local_day(language: str, instant: datetime, zone: str) -> str:
    return format_skeleton("yMMMEd", utc_to_local(instant, zone), locale=language)


@pytest.mark.parametrize(
    "language",
    [
        pytest.param(code, marks=pytest.mark.xfail(code in PENDING, strict=True, reason=f"{code} is being translated"))
        for code in ("ka", "sq", "de")
    ],
)
def test_a_participant_registering_in_their_language_gets_everything_in_it(app, client, desks, language):
    event = make_event(
        desks.tbilisi, title="Smart Cities", sessions=((datetime(2030, 10, 7, 13, 0), datetime(2030, 10, 7, 15, 30)),)
    )
    set_language_cookie(client, language)
    register_and_confirm(client, event, timezone="Asia/Tbilisi")
    registration = db.session.query(Registration).one()
    assert registration.language == language

    session = event.sessions[0]
    month_day = _local_day(language, session.starts_at, "Europe/Berlin")
    confirm = messages_to("olena@example.org", "registration_confirm_email")[-1]
    expected_subject = gettext_in(
        app, language, "Please confirm your email address for %(title)s", title="Smart Cities"
    )
    assert confirm.subject == expected_subject != f"Please confirm your email address for {event.title}"
    assert month_day in confirm.text_body and month_day in confirm.html_body

    confirmed = messages_to("olena@example.org", "registration_confirmed")[-1]
    assert confirmed.subject == gettext_in(app, language, "You are registered: %(title)s", title="Smart Cities")
    assert month_day in confirmed.text_body
    invite = icalendar.Calendar.from_ical(confirmed.calendar_ics)
    vevent = invite.walk("VEVENT")[0]
    join_line = gettext_in(app, language, "Join online with your personal access link: %(url)s", url="")
    assert str(vevent["DESCRIPTION"]).startswith(join_line) and not join_line.startswith("Join online")
    assert str(vevent["LOCATION"]) == gettext_in(app, language, "Online")

    # The reminder an hour before, queued as the worker does it: outside any request.
    db.session.commit()
    reminders.send_due_reminders(now=session.starts_at - timedelta(minutes=55))
    db.session.commit()
    reminder = messages_to("olena@example.org", "reminder")[-1]
    hours = gettext_in(app, language, "%(num)d hour", num=1)
    assert reminder.subject == gettext_in(
        app, language, "Reminder: %(title)s starts in %(time)s", title="Smart Cities", time=hours
    )
    assert month_day in reminder.text_body


@SQLITE_ONLY
def test_changing_the_language_on_the_personal_page_changes_later_emails(app, client, desks):
    event = make_event(desks.tbilisi, title="Smart Cities")
    register_and_confirm(client, event)
    registration = db.session.query(Registration).one()
    assert registration.language == "en"
    manage = MANAGE_LINK.search(messages_to("olena@example.org", "registration_confirmed")[-1].text_body).group(1)

    response = client.post(f"/r/{manage}/language", data={"language": "de"})
    assert response.status_code == 302
    db.session.refresh(registration)
    assert registration.language == "de"
    page = client.get(f"/r/{manage}").get_data(as_text=True)
    assert html_lang(page) == "de"  # the personal page follows the participant's language

    client.post(f"/r/{manage}/cancel", data={"confirm": "y"})
    cancelled = messages_to("olena@example.org", "registration_cancelled")[-1]
    assert cancelled.subject == gettext_in(app, "de", "Registration cancelled: %(title)s", title="Smart Cities")
    withdrawn = messages_to("olena@example.org", "invite_cancel")[-1]
    assert withdrawn.subject == gettext_in(app, "de", "Removed from your calendar: %(title)s", title="Smart Cities")
    assert "Removed from your calendar" not in withdrawn.subject


@SQLITE_ONLY
def test_an_unknown_language_is_refused_on_the_personal_page(client, desks):
    event = make_event(desks.tbilisi)
    register_and_confirm(client, event)
    manage = MANAGE_LINK.search(messages_to("olena@example.org", "registration_confirmed")[-1].text_body).group(1)
    client.post(f"/r/{manage}/language", data={"language": "tlh"})
    assert db.session.query(Registration).one().language == "en"


@SQLITE_ONLY
def test_a_queued_email_keeps_its_language_whatever_the_worker_runs_in(app, client, desks):
    from app.mail.worker import drain

    event = make_event(desks.tbilisi, title="Smart Cities")
    set_language_cookie(client, "de")
    client.post(f"/events/{event.slug}/register", data=form_data())
    queued = messages_to("olena@example.org", "registration_confirm_email")[-1]
    german = queued.subject
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens: the row stays queued
    db.session.commit()
    drain()
    db.session.refresh(queued)
    assert (
        queued.subject
        == german
        == gettext_in(app, "de", "Please confirm your email address for %(title)s", title="Smart Cities")
    )
    assert CONFIRM_LINK.search(queued.text_body)


@SQLITE_ONLY
def test_contact_acknowledgement_in_the_askers_language_and_coordinator_email_in_theirs(
    app, client, desks, tbilisi_coordinator
):
    tbilisi_coordinator.language = "de"
    db.session.commit()
    set_language_cookie(client, "de")
    client.set_cookie(LANGUAGE_COOKIE, "de")
    client.post("/contact", data={**form_data(email="ask@example.org"), "message": "Gibt es Dolmetscher?"})
    acknowledgement = messages_to("ask@example.org", "contact_acknowledgement")[-1]
    assert acknowledgement.subject == gettext_in(app, "de", "We have received your question")
    to_coordinator = messages_to(tbilisi_coordinator.email, "contact_coordinator")[-1]
    assert to_coordinator.subject == gettext_in(app, "de", "Question from %(name)s", name="Олена Коваленко")

    tbilisi_coordinator.language = "en"
    db.session.commit()
    client.set_cookie(LANGUAGE_COOKIE, "de")
    client.post("/contact", data={**form_data(email="ask2@example.org"), "message": "Noch eine Frage?"})
    assert messages_to(tbilisi_coordinator.email, "contact_coordinator")[-1].subject.startswith("Question from")


# --- Coordinators -------------------------------------------------------------------------------------------


@SQLITE_ONLY
def test_a_coordinator_working_in_german_sees_the_dashboard_in_german(app, client, login, tbilisi_coordinator):
    tbilisi_coordinator.language = "de"
    db.session.commit()
    login(tbilisi_coordinator)
    page = client.get("/dashboard/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_lang(page) == "de"
    upcoming = gettext_in(app, "de", "Upcoming events")
    assert upcoming != "Upcoming events" and f"<h2>{upcoming}</h2>" in page


@SQLITE_ONLY
def test_the_coordinator_sees_the_language_a_registration_was_made_in(client, login, desks, tbilisi_coordinator):
    event = make_event(desks.tbilisi)
    set_language_cookie(client, "sq")
    register_and_confirm(client, event)
    registration = db.session.query(Registration).one()
    set_language_cookie(client, "en")
    login(tbilisi_coordinator)
    page = client.get(f"/dashboard/registrations/{registration.id}").get_data(as_text=True)
    assert '<dd lang="sq">Shqip</dd>' in page


@SQLITE_ONLY
def test_a_coordinator_changes_their_language_on_their_account_page(client, login, tbilisi_coordinator):
    login(tbilisi_coordinator)
    response = client.post("/dashboard/account", data={"language": "uk"})
    assert response.status_code == 302
    db.session.refresh(tbilisi_coordinator)
    assert tbilisi_coordinator.language == "uk"
    assert html_lang(client.get("/dashboard/").get_data(as_text=True)) == "uk"
    client.post("/preferences/language", data={"language": "ro", "next": "/dashboard/"})
    db.session.refresh(tbilisi_coordinator)
    assert tbilisi_coordinator.language == "ro"  # the switcher keeps the account setting in step


# --- Event translations ----------------------------------------------------------------------------------


@SQLITE_ONLY
def test_a_ukrainian_reader_sees_the_ukrainian_title_where_given_and_the_original_otherwise(client, desks):
    event = make_event(
        desks.tbilisi,
        title="Digital Municipalities",
        summary="Two afternoons on e-services.",
        sessions=(
            (datetime(2030, 10, 7, 13, 0), datetime(2030, 10, 7, 15, 30), "Opening"),
            (datetime(2030, 10, 8, 13, 0), datetime(2030, 10, 8, 15, 30), "Closing"),
        ),
    )
    opening = event.sessions[0]
    event.translations.append(
        EventTranslation(language="uk", title="Цифрові громади", session_titles={str(opening.id): "Відкриття"})
    )
    db.session.commit()

    set_language_cookie(client, "uk")
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "<h1>Цифрові громади</h1>" in page
    assert "Two afternoons on e-services." in page  # no Ukrainian summary: the original
    assert "Відкриття" in page and "Closing" in page
    assert "Digital Municipalities" in page  # the original title is named under the translated one

    set_language_cookie(client, "de")
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "<h1>Digital Municipalities</h1>" in page and "Цифрові громади" not in page


@SQLITE_ONLY
def test_invites_use_the_translation_into_the_participants_language(app, client, desks):
    event = make_event(desks.tbilisi, title="Digital Municipalities")
    event.translations.append(EventTranslation(language="uk", title="Цифрові громади", summary="Два дні."))
    db.session.commit()
    set_language_cookie(client, "uk")
    register_and_confirm(client, event)
    confirmed = messages_to("olena@example.org", "registration_confirmed")[-1]
    assert "Цифрові громади" in confirmed.subject
    vevent = icalendar.Calendar.from_ical(confirmed.calendar_ics).walk("VEVENT")[0]
    assert str(vevent["SUMMARY"]) == "Цифрові громади" and "Два дні." in str(vevent["DESCRIPTION"])


@SQLITE_ONLY
def test_coordinators_add_change_and_remove_a_translation(client, login, desks, tbilisi_coordinator):
    event = make_event(
        desks.tbilisi,
        title="Digital Municipalities",
        sessions=((datetime(2030, 10, 7, 13, 0), datetime(2030, 10, 7, 15, 30), "Opening"),),
    )
    login(tbilisi_coordinator)
    edit_page = client.get(f"/dashboard/events/{event.id}/edit").get_data(as_text=True)
    assert f"/dashboard/events/{event.id}/translations/ka" in edit_page
    response = client.post(
        f"/dashboard/events/{event.id}/translations/ka",
        data={"title": "ციფრული მუნიციპალიტეტები", "summary": "", "description": "", "session_titles-0": "გახსნა"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    translation = event.translation("ka")
    assert translation.title == "ციფრული მუნიციპალიტეტები"
    assert translation.session_title(event.sessions[0].id) == "გახსნა"

    too_long = client.post(f"/dashboard/events/{event.id}/translations/ka", data={"title": "x" * 201})
    assert too_long.status_code == 200 and 'class="error"' in too_long.get_data(as_text=True)

    client.post(
        f"/dashboard/events/{event.id}/translations/ka",
        data={"title": "", "summary": "", "description": "", "session_titles-0": ""},
    )
    db.session.expire_all()
    assert event.translation("ka") is None
    assert client.get(f"/dashboard/events/{event.id}/translations/xx").status_code == 404


@SQLITE_ONLY
def test_other_desks_cannot_translate_an_event(client, login, desks, germany_coordinator):
    event = make_event(desks.tbilisi)
    login(germany_coordinator)
    assert client.get(f"/dashboard/events/{event.id}/translations/de").status_code == 404


# --- Formats ---------------------------------------------------------------------------------------------


@SQLITE_ONLY
def test_times_zones_and_countries_are_written_the_readers_way(app):
    from app import timezones
    from app.countries import country_choices

    start = datetime(2030, 10, 7, 11, 0, tzinfo=UTC)
    end = datetime(2030, 10, 7, 13, 30, tzinfo=UTC)
    with app.test_request_context():
        with in_language("en"):
            shown = timezones.session_times(start, end, "Europe/Berlin", "Asia/Tbilisi")
            assert shown.event_text == "Mon 7 Oct 2030, 13:00-15:30 CEST"
            assert shown.reader_text == "15:00-17:30 in Tbilisi (GMT+4)"
        with in_language("de"):
            shown = timezones.session_times(start, end, "Europe/Berlin", "Asia/Tbilisi")
            assert shown.event_text.startswith("Mo., 7. Okt. 2030") and "MESZ" in shown.event_text
            assert "Tiflis" in shown.reader_text and "GMT+4" in shown.reader_text
        with in_language("ka"):
            shown = timezones.session_times(start, end, "Europe/Berlin", "Asia/Tbilisi")
            assert "ოქტ" in shown.event_text  # the Georgian month
            assert "თბილისი" in shown.reader_text
        with in_language("ru"):
            assert timezones.city("Europe/Kyiv") == "Киев"
            names = [name for _code, name in country_choices()]
            assert names.index("Украина") < names.index("Эстония")
            assert dict(country_choices())["XK"] == "Косово"
        with in_language("de"):
            names = [name for _code, name in country_choices()]
            assert names.index("Österreich") < names.index("Polen")  # Ö sorts with O, not after Z
        with in_language("uk"):
            names = [name for _code, name in country_choices()]
            assert names.index("Естонія") < names.index("Єгипет") < names.index("Ємен")  # Є after Е


@SQLITE_ONLY
def test_labels_defined_at_import_time_follow_the_language(app):
    from app.registrations.models import STATUS_LABELS

    with app.test_request_context(), in_language("de"):
        german = str(STATUS_LABELS["confirmed"])
    assert german == gettext_in(app, "de", "Confirmed")
    with app.test_request_context(), in_language("de"):
        assert render_template_string("{{ _('Confirmed') }}") == german


@SQLITE_ONLY
def test_the_catalog_follows_every_change_of_language_within_a_request(app):
    # The catalog in force is kept in the context (app.i18n.KeptTranslationsDomain): each switch finds it again.
    from flask import g
    from flask_babel import gettext, refresh

    german, georgian = gettext_in(app, "de", "Confirmed"), gettext_in(app, "ka", "Confirmed")
    assert len({german, georgian, "Confirmed"}) == 3
    with app.test_request_context(headers={"Accept-Language": "de"}):
        assert gettext("Confirmed") == german
        with in_language("ka"):
            assert gettext("Confirmed") == georgian
            with in_language("en"):
                assert gettext("Confirmed") == "Confirmed"
            assert gettext("Confirmed") == georgian
        assert gettext("Confirmed") == german
        g.person_language = "ka"  # what locales.for_person does, then a refresh
        refresh()
        assert gettext("Confirmed") == georgian


def test_code_and_templates_read_the_kept_catalog_of_the_language_in_force(app):
    # app.i18n's _ and ngettext, and the templates' callables, read the catalog kept for the locale in force.
    from app.i18n import _, ngettext

    german = gettext_in(app, "de", "Confirmed")
    page = (
        "{{ _('Confirmed') }}|"
        "{% trans count=2 %}{{ count }} seat left.{% pluralize %}{{ count }} seats left.{% endtrans %}"
    )
    with app.test_request_context(headers={"Accept-Language": "de"}):
        assert _("Confirmed") == german
        german_page = render_template_string(page)
        assert german_page.startswith(german + "|")
        with in_language("en"):
            assert _("Confirmed") == "Confirmed"
            assert render_template_string(page) == "Confirmed|2 seats left."
            assert ngettext("%(num)d seat left.", "%(num)d seats left.", 1) == "1 seat left."
        assert render_template_string(page) == german_page
        assert _("Confirmed") == german
