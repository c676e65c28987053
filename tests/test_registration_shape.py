"""Organisers shape registration: questions, categories, limits, session choice, invitations and codes."""

import json
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import render_template
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.calendar import invites
from app.extensions import db
from app.registrations import services
from app.registrations.models import Answer, Invitation, Registration
from app.registrations.services import questions as question_rules
from app.types import utcnow
from tests.factories import make_event, outbox
from tests.registration_helpers import MANAGE_LINK, confirm_token, form_data, messages_to, register_and_confirm
from tests.test_registration_concurrency import POOL, run_together

WORKSHOPS = [
    (datetime(2030, 3, 2, 9), datetime(2030, 3, 2, 13), "Workshop I"),
    (datetime(2030, 3, 9, 9), datetime(2030, 3, 9, 13), "Workshop II"),
    (datetime(2030, 3, 16, 9), datetime(2030, 3, 16, 13), "Workshop III"),
    (datetime(2030, 3, 23, 9), datetime(2030, 3, 23, 13), "Workshop IV"),
]


def question(event, kind, label="Q", **fields):
    data = services.QuestionData(kind=kind, label=label, **fields)
    q = services.save_question(event, data)
    db.session.commit()
    return q


# --- 1. questions ---------------------------------------------------------------------------------------

GOOD = {
    "short_text": ["Lviv", "ირაკლი სამხარაძე"],
    "long_text": ["Line one\nline two"],
    "single_choice": ["Mobility"],
    "multiple_choice": ["Mobility", "Open data"],
    "yes_no": ["yes"],
    "number": ["12", "3.5"],
    "date": ["2027-03-15"],
    "country": ["GE"],
    "url": ["https://example.org/a"],
}
BAD = {
    "short_text": ["x" * 201, "tab\there"],
    "long_text": ["x" * 4001],
    "single_choice": ["Something else"],
    "multiple_choice": ["Nope"],
    "yes_no": ["maybe"],
    "number": ["twelve", "1e999999", "NaN", "101"],
    "date": ["15.03.2027", "2027-02-30"],
    "country": ["ZZ"],
    "url": ["javascript:alert(1)", "example.org"],
}


def _question(kind):
    options = ["Mobility", "Open data", "Energy"] if kind in ("single_choice", "multiple_choice") else []
    return type(
        "Q", (), {"kind": kind, "options": options, "min_value": None, "max_value": 100 if kind == "number" else None}
    )()


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_each_type_accepts_good_and_refuses_bad_answers(kind):
    q = _question(kind)
    for value in GOOD[kind]:
        values = [value] if kind != "multiple_choice" else GOOD[kind]
        assert question_rules.clean_answer(q, values, required=True)[0]
    for value in BAD[kind]:
        with pytest.raises(ValueError):
            question_rules.clean_answer(q, [value], required=True)
    with pytest.raises(ValueError):
        question_rules.clean_answer(q, [], required=True)
    assert question_rules.clean_answer(q, [], required=False) == ("", [])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(GOOD)), values=st.lists(st.text(max_size=300), max_size=4))
def test_any_answer_is_cleaned_or_refused_with_a_reason(kind, values):
    q = _question(kind)
    try:
        value, choices = question_rules.clean_answer(q, values, required=False)
    except ValueError as error:
        assert str(error)
    else:
        assert isinstance(value, str)
        if kind in ("single_choice", "multiple_choice"):
            assert set(choices) <= set(q.options)


def test_questions_in_the_form_csv_json_and_deletion(app, client, desks, login, tbilisi_coordinator):
    event = make_event(desks.tbilisi)
    speakers = services.save_category(event, services.CategoryData("Speakers"))
    services.save_category(event, services.CategoryData("Participants"))
    db.session.commit()
    topics = question(event, "multiple_choice", "Which topics interest you?", options=["Mobility", "Open data"])
    talk = question(event, "short_text", "Title of your talk", required=True, category_ids=[speakers.id])
    participants = [c for c in services.categories_for(event) if c.name == "Participants"][0]
    # A speaker must give a talk title: the error is next to the question, never a 500.
    data = form_data(category_id=str(speakers.id), **{f"q_{topics.id}": ["Mobility", "Elsewhere"]})
    response = client.post(f"/events/{event.slug}/register", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Answer this question." in page and "Choose among the answers offered." in page
    # A participant is not asked the speakers' question.
    data = form_data(category_id=str(participants.id), **{f"q_{topics.id}": ["Mobility", "Open data"]})
    data["message"] = "=1+1"
    assert client.post(f"/events/{event.slug}/register", data=data).status_code == 302
    client.post(f"/r/confirm/{confirm_token('olena@example.org')}")
    registration = db.session.scalar(sa.select(Registration))
    assert [(a.label, a.value) for a in registration.answers] == [("Which topics interest you?", "Mobility; Open data")]
    # Editing the question later keeps the answer readable under its old wording.
    services.save_question(
        event,
        services.QuestionData("multiple_choice", "Topics?", options=["Energy", "Water"]),
        topics,
    )
    db.session.commit()
    login(tbilisi_coordinator)
    csv = client.get(f"/dashboard/events/{event.id}/registrations.csv").get_data().decode("utf-8-sig")
    header, row = csv.splitlines()[:2]
    assert "Topics?" in header and "Title of your talk" in header and "Category" in header
    assert "Mobility; Open data" in row and "Participants" in row
    page = client.get(f"/dashboard/registrations/{registration.id}").get_data(as_text=True)
    assert "Which topics interest you?" in page
    filtered = client.get(f"/dashboard/events/{event.id}/registrations?q_{talk.id}=x").get_data(as_text=True)
    assert registration.email in filtered  # an unknown option is ignored, not an error
    token = MANAGE_LINK.search(messages_to("olena@example.org", "registration_confirmed")[-1].text_body).group(1)
    data = json.loads(client.get(f"/r/{token}/data.json").get_data())
    assert data["answers"] == [{"question": "Which topics interest you?", "answer": "Mobility; Open data"}]
    assert data["category"] == "Participants"
    client.post(f"/r/{token}/delete", data={"confirm": "y"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0


# --- 2. categories under concurrency --------------------------------------------------------------


@pytest.mark.app_config(**POOL)
def test_fifty_registrations_across_two_categories(app, desks):
    event = make_event(desks.tbilisi, capacity=12)
    small = services.save_category(event, services.CategoryData("Observers", capacity=5))
    large = services.save_category(event, services.CategoryData("Members", capacity=10))
    db.session.commit()
    slug, ids = event.slug, [small.id, large.id]

    def sign_up(i):
        client = app.test_client()
        email = f"person{i}@example.org"
        data = form_data(email=email, name=f"Person {i}", category_id=str(ids[i % 2]))
        first = client.post(f"/events/{slug}/register", data=data)
        with app.app_context():
            token = confirm_token(email)
        return first.status_code, client.post(f"/r/confirm/{token}").status_code

    codes = run_together(50, sign_up)
    assert all(code < 500 for pair in codes for code in pair), codes
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Registration)).all()
    confirmed = [r for r in rows if r.status == "confirmed"]
    assert len(confirmed) == 12
    assert sum(r.category_id == small.id for r in confirmed) <= 5
    assert sum(r.category_id == large.id for r in confirmed) <= 10
    waiting = sorted((r for r in rows if r.status == "waitlisted"), key=lambda r: r.waitlist_rank)
    assert len(waiting) == 38
    assert [r.verified_at for r in waiting] == sorted(r.verified_at for r in waiting)


def test_promotion_respects_the_category_and_the_overall_cap(app, client, desks):
    event = make_event(desks.tbilisi, capacity=3)
    a = services.save_category(event, services.CategoryData("A", capacity=1))
    b = services.save_category(event, services.CategoryData("B"))
    db.session.commit()
    for i, category in enumerate([a, a, b, b, b]):
        register_and_confirm(client, event, email=f"p{i}@example.org", category_id=str(category.id))
    db.session.expire_all()
    status = {r.email: r.status for r in db.session.scalars(sa.select(Registration))}
    assert status == {
        "p0@example.org": "confirmed",
        "p1@example.org": "waitlisted",
        "p2@example.org": "confirmed",
        "p3@example.org": "confirmed",
        "p4@example.org": "waitlisted",
    }
    # A freed seat of category B skips p1 (A is full) and goes to p4.
    services.cancel_by_participant(db.session.scalar(sa.select(Registration).filter_by(email="p2@example.org")))
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(sa.select(Registration).filter_by(email="p4@example.org")).status == "confirmed"
    assert db.session.scalar(sa.select(Registration).filter_by(email="p1@example.org")).status == "waitlisted"
    # The preview tells who a higher capacity would confirm, without changing anything.
    assert services.plan_promotions(event, 4) == []  # p1 waits for category A, not for the event


# --- 3. limits per organisation -------------------------------------------------------------------------


@pytest.mark.app_config(**POOL)
def test_ten_at_once_from_one_municipality_with_limit_two(app, desks):
    event = make_event(desks.tbilisi)
    services.save_rules(event, services.RulesData(organisation_limit=2))
    db.session.commit()
    slug = event.slug

    def sign_up(i):
        organisation = ["Tbilisi City Hall", "tbilisi  city hall", "TBILISI CITYHALL"][i % 3]
        data = form_data(email=f"t{i}@example.org", organisation=organisation)
        return app.test_client().post(f"/events/{slug}/register", data=data).status_code

    codes = run_together(10, sign_up)
    assert sorted(codes) == [302, 302] + [422] * 8
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 2


def test_limit_with_waitlist_instead_of_refusal(app, client, desks):
    event = make_event(desks.tbilisi)
    services.save_rules(event, services.RulesData(organisation_limit=1, over_limit="waitlist"))
    db.session.commit()
    register_and_confirm(client, event, email="a@example.org", organisation="Gori")
    register_and_confirm(client, event, email="b@example.org", organisation=" gori ")
    db.session.expire_all()
    assert [r.status for r in db.session.scalars(sa.select(Registration).order_by(Registration.id))] == [
        "confirmed",
        "waitlisted",
    ]


# --- 4. session choice ----------------------------------------------------------------------------------


def _choice_event(desks, capacities=(None, None, None, None)):
    event = make_event(desks.tbilisi, zone="Europe/Belgrade", sessions=WORKSHOPS)
    caps = {s.id: c for s, c in zip(event.sessions, capacities, strict=True)}
    services.save_rules(event, services.RulesData(session_choice=True, session_capacities=caps))
    db.session.commit()
    return event


def test_invites_only_for_chosen_sessions_and_changes(app, client, desks):
    event = _choice_event(desks, capacities=(None, 1, None, None))
    s1, s2, s3, s4 = (s.id for s in event.sessions)
    register_and_confirm(client, event, session_ids=[str(s1), str(s2), str(s3)])
    mails = messages_to("olena@example.org")
    invites = [m for m in mails if m.calendar_ics and "METHOD:REQUEST" in m.calendar_ics]
    assert len(invites) == 3
    assert all("Workshop IV" not in m.calendar_ics for m in invites)
    # The emails and the personal page list her sessions only, calendar links included.
    for kind in ("registration_confirm_email", "registration_confirmed"):
        mail = messages_to("olena@example.org", kind)[-1]
        assert "Workshop III" in mail.text_body and "Workshop IV" not in mail.text_body, kind
        assert "Workshop IV" not in mail.html_body, kind
    token = MANAGE_LINK.search(messages_to("olena@example.org", "registration_confirmed")[-1].text_body).group(1)
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Workshop III" in page and page.count("Workshop IV") == 1  # once: as a choice she may add
    # Workshop II is full for a second person: they wait.
    register_and_confirm(client, event, email="b@example.org", session_ids=[str(s2)])
    db.session.expire_all()
    assert db.session.scalar(sa.select(Registration).filter_by(email="b@example.org")).status == "waitlisted"
    # Olena swaps Workshop II for IV: a cancellation, an invite, and Workshop II's seat goes to b.
    before = len(messages_to("olena@example.org"))
    response = client.post(f"/r/{token}/sessions", data={"session_ids": [str(s1), str(s3), str(s4)]})
    assert response.status_code == 302
    new = messages_to("olena@example.org")[before:]
    assert sorted(m.kind for m in new) == ["invite", "invite_cancel"]
    cancel = next(m for m in new if m.kind == "invite_cancel")
    assert "Workshop II" in cancel.calendar_ics and "SEQUENCE:1" in cancel.calendar_ics
    db.session.expire_all()
    assert db.session.scalar(sa.select(Registration).filter_by(email="b@example.org")).status == "confirmed"
    # Back to Workshop II: full now, refused with the reason.
    response = client.post(f"/r/{token}/sessions", data={"session_ids": [str(s2)]}, follow_redirects=True)
    assert "is full" in response.get_data(as_text=True)


def test_access_details_list_only_the_chosen_sessions(app, client, desks):
    event = _choice_event(desks)
    s1, _, s3, _ = (s.id for s in event.sessions)
    register_and_confirm(client, event, session_ids=[str(s1), str(s3)])

    assert invites.send_access_details(event, "Please test your microphone.", now=utcnow()) == 1
    db.session.commit()
    [mail] = messages_to("olena@example.org", "access_details")
    for body in (mail.text_body, mail.html_body):
        assert re.search(r"Workshop I\b", body) and re.search(r"Workshop III\b", body)
        assert not re.search(r"Workshop (II|IV)\b", body)


@pytest.mark.app_config(**POOL)
def test_session_capacity_holds_under_concurrency(app, desks):
    event = _choice_event(desks, capacities=(3, None, None, None))
    slug, first = event.slug, event.sessions[0].id

    def sign_up(i):
        client = app.test_client()
        email = f"s{i}@example.org"
        client.post(f"/events/{slug}/register", data=form_data(email=email, session_ids=[str(first)]))
        with app.app_context():
            token = confirm_token(email)
        return client.post(f"/r/confirm/{token}").status_code

    assert all(code < 500 for code in run_together(12, sign_up))
    db.session.expire_all()
    statuses = [r.status for r in db.session.scalars(sa.select(Registration))]
    assert statuses.count("confirmed") == 3 and statuses.count("waitlisted") == 9


# --- 5. invitations and codes -------------------------------------------------------------------------


def test_invitation_lists_every_session_in_the_readers_zone(app, desks):
    event = _choice_event(desks)
    services.invite(event, None, services.parse_people("Amra Hadžić, amra@example.org"))
    db.session.commit()
    [mail] = messages_to("amra@example.org", "registration_invitation")
    for body in (mail.text_body, mail.html_body):
        assert all(f"{s.title}</strong>: " in body or f"- {s.title}: " in body for s in event.sessions)
        assert "Sat 2 Mar 2030, 09:00-13:00 CET (Europe/Belgrade)" in body
    assert "Tbilisi" not in mail.text_body  # nothing tells the invited person's zone yet: the event's
    # The times partial needs no registration: the reader's zone is a variable of its own.
    with app.test_request_context():
        text = render_template("email/_times.txt", event=event, reader_zone="Asia/Tbilisi")
    assert text.count("(Europe/Belgrade)") == 4 and text.count("Tbilisi") == 4


def test_invitation_link_is_bound_to_its_address(app, client, desks, login, tbilisi_coordinator):
    event = make_event(desks.tbilisi, approval_required=True)
    speakers = services.save_category(event, services.CategoryData("Speakers", invitation_only=True))
    db.session.commit()
    login(tbilisi_coordinator)
    response = client.post(
        f"/dashboard/events/{event.id}/invitations",
        data={"people": "Amra Hadžić, amra@example.org\nnot an address", "category_id": str(speakers.id)},
    )
    assert response.status_code == 422 and "These lines have no valid email address: 2." in response.get_data(True)
    client.post(
        f"/dashboard/events/{event.id}/invitations",
        data={"people": "Amra Hadžić, amra@example.org", "category_id": str(speakers.id)},
    )
    link = messages_to("amra@example.org", "registration_invitation")[0].text_body
    token = link.split("/invitation/")[1].split()[0]
    page = client.get(f"/invitation/{token}").get_data(as_text=True)
    assert "Speakers" in page and "amra@example.org" in page
    # Another address cannot use it; the public cannot pick the invitation-only category.
    other = form_data(email="eve@example.org", invitation=token, category_id=str(speakers.id))
    assert "another email address" in client.post(f"/events/{event.slug}/register", data=other).get_data(True)
    public = form_data(email="eve@example.org", category_id=str(speakers.id))
    assert "by invitation only" in client.post(f"/events/{event.slug}/register", data=public).get_data(True)
    register_and_confirm(client, event, email="amra@example.org", name="Amra Hadžić", invitation=token)
    db.session.expire_all()
    amra = db.session.scalar(sa.select(Registration).filter_by(email="amra@example.org"))
    assert amra.status == "confirmed" and amra.category_id == speakers.id  # no approval needed
    assert db.session.scalar(sa.select(Invitation)).status == "registered"
    assert services.invitation_counts(event)["registered"] == 1


def test_code_past_its_limit_or_expiry_is_refused(app, client, desks):
    event = make_event(desks.tbilisi, approval_required=True)
    services.create_code(event, None, "PARTNER-2030", 1, None)
    services.create_code(event, None, "OLD-CODE", None, utcnow() + timedelta(minutes=1))
    db.session.commit()
    register_and_confirm(client, event, email="a@example.org", code="partner-2030")
    db.session.expire_all()
    assert db.session.scalar(sa.select(Registration)).status == "confirmed"
    used_up = client.post(f"/events/{event.slug}/register", data=form_data(email="b@example.org", code="PARTNER-2030"))
    assert used_up.status_code == 422 and "used up" in used_up.get_data(as_text=True)
    from app.registrations.models import InvitationCode

    db.session.scalar(sa.select(InvitationCode).filter_by(code="OLD-CODE")).expires_at = utcnow() - timedelta(1)
    db.session.commit()
    expired = client.post(f"/events/{event.slug}/register", data=form_data(email="c@example.org", code="OLD-CODE"))
    assert expired.status_code == 410 or "expired" in expired.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


# --- 6. waitlist positions ------------------------------------------------------------------------------


def test_waitlist_positions_and_reordering(app, client, desks, login, tbilisi_coordinator):
    event = make_event(desks.tbilisi, capacity=1)
    for i in range(4):
        register_and_confirm(client, event, email=f"w{i}@example.org", name=f"W {i}")
    assert "You are number 3 on the waitlist." in messages_to("w3@example.org", "registration_waitlisted")[0].text_body
    login(tbilisi_coordinator)
    last = db.session.scalar(sa.select(Registration).filter_by(email="w3@example.org"))
    response = client.post(
        f"/dashboard/registrations/{last.id}/waitlist-place", data={"position": "1", "note": "Speaker's deputy"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [r.email for r in services.waitlisted(event)] == ["w3@example.org", "w1@example.org", "w2@example.org"]
    note = db.session.scalar(sa.select(Registration).filter_by(email="w3@example.org")).transitions[-1].message
    assert "from place 3 to 1" in note and "Speaker's deputy" in note
    table = client.get(f"/dashboard/events/{event.id}/registrations").get_data(as_text=True)
    assert "#1" in table and "#3" in table


def test_coordinator_pages_render_and_refuse_bad_input(app, client, desks, login, tbilisi_coordinator):
    event = make_event(desks.tbilisi, sessions=WORKSHOPS)
    login(tbilisi_coordinator)
    assert client.get(f"/dashboard/events/{event.id}/registration-form").status_code == 200
    assert client.get(f"/dashboard/events/{event.id}/invitations").status_code == 200
    bad = client.post(
        f"/dashboard/events/{event.id}/registration-form/questions",
        data={"label": "Pick", "kind": "single_choice", "options": "only one"},
    )
    assert bad.status_code == 422 and "at least two answers" in bad.get_data(as_text=True)
    bad = client.post(
        f"/dashboard/events/{event.id}/registration-form/rules",
        data={"session_choice": "y", f"session_{event.sessions[0].id}": "lots"},
    )
    assert bad.status_code == 422 and "whole number" in bad.get_data(as_text=True)
    ok = client.post(
        f"/dashboard/events/{event.id}/registration-form/questions",
        data={"label": "Which challenges does your municipality face?", "kind": "long_text", "required": "y"},
    )
    assert ok.status_code == 302
    assert "Which challenges" in client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert outbox() == []


# --- 7. digest, 8. duplicate, 9. capacity preview, and the demo --------------------------------------


def test_digest_lists_exactly_the_coordinators_desks_waiting_items(
    app, client, desks, tbilisi_coordinator, germany_coordinator
):
    from app.contact.models import ContactRequest
    from app.dashboard import digest

    event = make_event(desks.tbilisi, approval_required=True)
    register_and_confirm(client, event, email="ge@example.org", name="Nino Tbilisi", country="GE")
    register_and_confirm(client, event, email="de@example.org", name="Hans Bonn", country="DE", expert_type="german")
    db.session.add(
        ContactRequest(
            name="Ask Tbilisi",
            email="q@example.org",
            country="AM",
            expert_type="international",
            message="?",
            desk_id=desks.tbilisi.id,
            routing_reason="test",
        )
    )
    germany_coordinator.digest = "off"
    db.session.commit()
    assert digest.send_digests() == 1
    db.session.commit()
    body = outbox("coordinator_digest")[0]
    assert "nino@example.org" in body.recipient
    assert "Nino Tbilisi" in body.text_body and "Ask Tbilisi" in body.text_body
    assert "Hans Bonn" not in body.text_body
    assert digest.send_digests() == 0  # daily: not again the same day


def test_duplicate_shifts_sessions_and_copies_the_shape(app, client, desks, login, tbilisi_coordinator):
    event = make_event(desks.tbilisi, zone="Europe/Belgrade", sessions=WORKSHOPS)
    speakers = services.save_category(event, services.CategoryData("Speakers", capacity=4, invitation_only=True))
    first_time = question(event, "yes_no", "First time?")
    services.save_rules(
        event,
        services.RulesData(organisation_limit=2, session_choice=True, session_capacities={event.sessions[0].id: 5}),
    )
    from app.events.translations import TranslationData, save_translation

    save_translation(
        event,
        "uk",
        TranslationData(
            title="Робоча група",
            session_titles={event.sessions[1].id: "Другий семінар"},
            question_texts={first_time.id: {"label": "Уперше?"}},
            category_texts={speakers.id: {"name": "Доповідачі"}},
        ),
    )
    db.session.commit()
    login(tbilisi_coordinator)
    response = client.post(f"/dashboard/events/{event.id}/duplicate", data={"first_day": "2031-03-04"})
    assert response.status_code == 302
    from app.events.models import Event

    copy = db.session.scalar(sa.select(Event).where(Event.id != event.id))
    assert copy.status == "draft" and copy.title == event.title
    local = [s.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Belgrade")) for s in copy.sessions]
    assert [(d.date().isoformat(), d.hour) for d in local] == [
        ("2031-03-04", 9),
        ("2031-03-11", 9),
        ("2031-03-18", 9),
        ("2031-03-25", 9),
    ]
    assert [c.name for c in services.categories_for(copy)] == ["Speakers"]
    assert [q.label for q in services.questions_for(copy)] == ["First time?"]
    assert services.rules_for(copy).organisation_limit == 2
    assert services.seats.session_capacities(copy) == {copy.sessions[0].id: 5}
    # Translations come along, their session titles on the copied sessions.
    [translation] = copy.translations
    assert (translation.language, translation.title) == ("uk", "Робоча група")
    assert translation.session_titles == {str(copy.sessions[1].id): "Другий семінар"}
    assert event.translation("uk").session_titles == {str(event.sessions[1].id): "Другий семінар"}
    # ... and the texts of the form on the copied questions and categories.
    [copied_question], [copied_category] = services.questions_for(copy), services.categories_for(copy)
    assert translation.question_texts == {str(copied_question.id): {"label": "Уперше?"}}
    assert translation.category_texts == {str(copied_category.id): {"name": "Доповідачі"}}
    assert event.translation("uk").question_texts == {str(first_time.id): {"label": "Уперше?"}}


def test_capacity_change_previews_who_gets_a_seat(app, client, desks, login, tbilisi_coordinator):
    event = make_event(desks.tbilisi, capacity=1)
    register_and_confirm(client, event, email="a@example.org", name="First Person")
    register_and_confirm(client, event, email="amra@example.org", name="Amra Hadžić")
    login(tbilisi_coordinator)
    page = client.get(f"/dashboard/events/{event.id}/edit").get_data(as_text=True)
    assert "Raising the capacity to 2 confirms Amra Hadžić from the waitlist." in page
    db.session.expire_all()
    assert db.session.scalar(sa.select(Registration).filter_by(email="amra@example.org")).status == "waitlisted"
    from tests.test_events import event_form

    data = event_form(
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
    assert client.post(f"/dashboard/events/{event.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(Registration).filter_by(email="amra@example.org")).status == "confirmed"


def test_demo_has_an_open_working_group_with_three_of_four_workshops(app, client):
    from app.seed import seed

    created = seed()
    db.session.commit()
    event = created["working_group_2027"]
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Which challenges does your municipality face?" in page and "Municipal participant" in page
    assert "Speaker<" not in page  # by invitation only
    public = services.categories_for(event)[0]
    ids = [str(s.id) for s in event.sessions[:3]]
    q = services.questions_for(event)[0]
    register_and_confirm(
        client,
        event,
        email="new@example.org",
        category_id=str(public.id),
        session_ids=ids,
        **{q.field_name: "Few digital services."},
    )
    invites = [m for m in messages_to("new@example.org") if m.calendar_ics and "METHOD:REQUEST" in m.calendar_ics]
    assert len(invites) == 3
