"""Feedback surveys: invitations through personal links, one response per participant, closed surveys refuse,
anonymous results hide names, CSV export."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.participation import feedback
from app.participation.models import AFTER_EACH_SESSION, AFTER_LAST_SESSION, QUESTION_RATING, FeedbackResponse
from tests.factories import outbox
from tests.participation_support import working_group
from tests.registration_helpers import messages_to

LINK = r"/feedback/([A-Za-z0-9_\-]+)/(\d+)"


def survey_link(address: str) -> str:
    import re

    body = messages_to(address, "feedback_invitation")[-1].text_body
    token, session_id = re.search(LINK, body).groups()
    return f"/feedback/{token}/{session_id}"


@pytest.fixture
def group(app, desks):
    return working_group(desks)


def open_survey(group, **kwargs):
    defaults = {"timing": AFTER_LAST_SESSION, "anonymous_results": False, "questions": [("Best moment?", "text")]}
    survey = feedback.save_survey(group.event, **(defaults | kwargs))
    feedback.open_survey(survey)
    db.session.commit()
    return survey


def test_invitations_go_to_confirmed_participants_once(app, group):
    open_survey(group)
    recipients = sorted(m.recipient for m in outbox("feedback_invitation"))
    assert len(recipients) == 4 and not any("ana@example.org" in r for r in recipients)
    assert feedback.send_due_invitations() == 0  # sent once only
    db.session.commit()
    assert len(outbox("feedback_invitation")) == 4


def test_after_each_session_one_invitation_per_ended_session(app, group):
    open_survey(group, timing=AFTER_EACH_SESSION)
    assert len(outbox("feedback_invitation")) == 4 * 4
    # Before the sessions end, nothing is due.
    assert feedback.send_due_invitations(now=datetime(2021, 9, 1, tzinfo=UTC)) == 0


def _choose_sessions(group, choices):
    from app.registrations.models import ChosenSession, RegistrationRules

    # As if the event had let participants choose from the start (the rule cannot change once people registered).
    db.session.add(RegistrationRules(event_id=group.event.id, over_limit="refuse", session_choice=True))
    for person, sessions in choices.items():
        person.chosen = [ChosenSession(session_id=session.id) for session in sessions]
    db.session.commit()


def test_where_participants_choose_sessions_each_session_asks_those_who_chose_it(app, client, group):
    first, second, third, fourth = group.event.sessions
    _choose_sessions(
        group,
        {group.tamar: [first, second], group.irakli: [first], group.olena: [third, fourth], group.jurgen: [fourth]},
    )
    open_survey(group, timing=AFTER_EACH_SESSION)
    by_session = {}
    for message in outbox("feedback_invitation"):
        session_id = int(re.search(LINK, message.text_body).group(2))
        by_session.setdefault(session_id, set()).add(message.recipient.rsplit("<", 1)[-1].rstrip(">"))
    assert by_session == {
        first.id: {"tamar@example.org", "irakli@example.ge"},
        second.id: {"tamar@example.org"},
        third.id: {"olena@example.org"},
        fourth.id: {"olena@example.org", "jurgen@example.org"},
    }
    # A link of one session does not open another session's survey the participant did not take part in.
    invitation = messages_to("jurgen@example.org", "feedback_invitation")[-1]
    token, _session_id = re.search(LINK, invitation.text_body).groups()
    assert client.get(f"/feedback/{token}/{fourth.id}").status_code == 200
    assert client.get(f"/feedback/{token}/{first.id}").status_code == 404


def test_a_survey_for_the_whole_event_asks_everyone_whatever_they_chose(app, group):
    first, *_rest, last = group.event.sessions
    _choose_sessions(group, {group.tamar: [first], group.irakli: [first], group.olena: [last], group.jurgen: [last]})
    open_survey(group)
    assert len(outbox("feedback_invitation")) == 4


def test_one_response_per_participant_changeable_until_closed(app, client, group):
    survey = open_survey(group)
    link = survey_link("tamar@example.org")
    page = client.get(link)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    question = survey.questions[0]
    answer = {"rating": "4", "worked": "The peer exchange", "improve": "Shorter breaks", f"q{question.id}": "Day 2"}
    assert client.post(link, data=answer).status_code == 302
    assert client.post(link, data=answer | {"rating": "5", "worked": "Everything"}).status_code == 302
    responses = db.session.scalars(sa.select(FeedbackResponse)).all()
    assert len(responses) == 1
    assert (responses[0].rating, responses[0].worked, responses[0].answers) == (
        5,
        "Everything",
        {str(question.id): "Day 2"},
    )
    # A second link of the same person changes the same response.
    assert client.get(link).get_data(as_text=True).count("Everything") == 1

    feedback.close_survey(survey)
    db.session.commit()
    closed = client.post(link, data=answer | {"rating": "1"})
    assert closed.status_code == 410
    assert "closed" in closed.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(FeedbackResponse.rating)) == 5


def test_closing_time_refuses_answers(app, group):
    survey = open_survey(group)
    survey.closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(feedback.NotAllowed):
        feedback.submit_response(survey, group.tamar, group.event.sessions[-1], rating=3)


def test_bad_answers_are_form_errors(app, client, group):
    survey = open_survey(group, questions=[("Venue?", QUESTION_RATING)])
    link = survey_link("olena@example.org")
    assert client.post(link, data={"rating": "9"}).status_code == 422
    assert client.post(link, data={"rating": "3", f"q{survey.questions[0].id}": "lots"}).status_code == 422
    assert client.post(link, data={"worked": "\x00"}).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackResponse)) == 0
    assert client.get("/feedback/not-a-token/1").status_code == 404


def test_cancelled_participants_cannot_answer(app, group):
    survey = open_survey(group)
    with pytest.raises(feedback.NotAllowed):
        feedback.submit_response(survey, group.cancelled, group.event.sessions[-1], rating=3)


def test_anonymous_results_hide_names(app, client, login, group, tbilisi_coordinator):
    survey = open_survey(group)
    last = group.event.sessions[-1]
    feedback.submit_response(survey, group.tamar, last, rating=5, worked="Peer exchange")
    feedback.submit_response(survey, group.olena, last, rating=3, improve="More time")
    db.session.commit()
    login(tbilisi_coordinator)
    named = client.get(f"/dashboard/events/{group.event.id}/feedback").get_data(as_text=True)
    assert "Tamar Lomidze" in named and "average 4.0 of 5" in named and "<svg" in named

    survey.anonymous_results = True
    db.session.commit()
    anonymous = client.get(f"/dashboard/events/{group.event.id}/feedback").get_data(as_text=True)
    assert "Peer exchange" in anonymous and "More time" in anonymous
    assert "Tamar Lomidze" not in anonymous and "Олена Коваленко" not in anonymous
    csv = client.get(f"/dashboard/events/{group.event.id}/feedback.csv").get_data(as_text=True)
    assert "Peer exchange" in csv and "Tamar" not in csv and "tamar@" not in csv


def test_results_per_session(app, group):
    survey = open_survey(group, timing=AFTER_EACH_SESSION)
    first, second = group.event.sessions[:2]
    feedback.submit_response(survey, group.tamar, first, rating=4)
    feedback.submit_response(survey, group.irakli, first, rating=2)
    feedback.submit_response(survey, group.tamar, second, rating=5)
    results = feedback.results(survey)
    assert [(s.label, s.count, s.average) for s in results.sessions[:2]] == [
        ("Workshop I: Ideation", 2, 3.0),
        ("Workshop II: Consolidation", 1, 5.0),
    ]
    assert results.sessions[0].distribution == {1: 0, 2: 1, 3: 0, 4: 1, 5: 0}
    # Three responses from two of the four confirmed participants.
    assert (results.responses, results.respondents, results.invited) == (3, 2, 4)


def test_each_desk_counts_its_own_participants(app, client, login, group, desks, tbilisi_coordinator):
    survey = open_survey(group, timing=AFTER_EACH_SESSION)
    first, second = group.event.sessions[:2]
    feedback.submit_response(survey, group.tamar, first, rating=4)
    feedback.submit_response(survey, group.tamar, second, rating=5)
    feedback.submit_response(survey, group.jurgen, first, rating=3)
    db.session.commit()

    tbilisi = feedback.results(survey, {desks.tbilisi.id})
    germany = feedback.results(survey, {desks.germany.id})
    assert (tbilisi.responses, tbilisi.respondents, tbilisi.invited) == (2, 1, 3)
    assert (germany.responses, germany.respondents, germany.invited) == (1, 1, 1)

    login(tbilisi_coordinator)
    page = client.get(f"/dashboard/events/{group.event.id}/feedback").get_data(as_text=True)
    assert "1 of 3 confirmed participants answered (2 responses)." in page
    assert "You see the participants routed to your desks." in page

    # Someone who answered and then cancelled no longer counts as a confirmed participant who answered.
    from app.registrations import services as registrations

    registrations.cancel_by_participant(group.tamar)
    db.session.commit()
    tbilisi = feedback.results(survey, {desks.tbilisi.id})
    assert (tbilisi.responses, tbilisi.respondents, tbilisi.invited) == (2, 0, 2)


def test_coordinator_saves_and_opens_the_survey(app, client, login, group, tbilisi_coordinator):
    login(tbilisi_coordinator)
    data = {
        "timing": "each",
        "anonymous_results": "y",
        "questions-0-text": "What will you try at home?",
        "questions-0-kind": "text",
        "questions-1-kind": "rating",
    }
    assert client.post(f"/dashboard/events/{group.event.id}/feedback", data=data).status_code == 302
    survey = feedback.survey_for(group.event)
    assert [q.text for q in survey.questions] == ["What will you try at home?"]
    assert client.post(f"/dashboard/events/{group.event.id}/feedback/open").status_code == 302
    assert len(outbox("feedback_invitation")) == 16


def test_personal_page_opens_the_survey_with_a_post(app, client, group):
    from app.registrations import services as registrations

    open_survey(group)
    token = registrations.new_manage_token(group.olena)
    db.session.commit()
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Give feedback on the whole event" in page
    last = group.event.sessions[-1]
    assert client.get(f"/r/{token}/feedback/{last.id}").status_code == 405
    response = client.post(f"/r/{token}/feedback/{last.id}")
    assert response.status_code == 303 and "/feedback/" in response.headers["Location"]


def test_the_invitation_names_the_event_and_session_in_the_participants_language(app, group):
    from app.events.translations import TranslationData, save_translation

    first = group.event.sessions[0]
    save_translation(
        group.event,
        "ka",
        TranslationData(title="ციფრიზაციის სამუშაო ჯგუფი 2021", session_titles={first.id: "სემინარი I: იდეები"}),
    )
    group.tamar.language = "ka"
    db.session.commit()
    open_survey(group, timing=AFTER_EACH_SESSION)
    texts = [m.text_body for m in messages_to("tamar@example.org", "feedback_invitation")]
    assert any("სემინარი I: იდეები" in t and "ციფრიზაციის სამუშაო ჯგუფი 2021" in t for t in texts)
    assert not any("Workshop I: Ideation" in t for t in texts)


def test_the_personal_page_offers_only_the_sessions_the_participant_chose(app, client, group):
    from app.registrations import services as registrations
    from app.registrations.models import AccessToken

    first, *_middle, last = group.event.sessions
    _choose_sessions(group, {group.jurgen: [last]})
    open_survey(group, timing=AFTER_EACH_SESSION)
    token = registrations.new_manage_token(group.jurgen)
    db.session.commit()
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert page.count("Give feedback on") == 1 and "Workshop IV" in page.split("Give feedback on")[1][:80]
    tokens_before = db.session.scalar(sa.select(sa.func.count()).select_from(AccessToken))
    assert client.post(f"/r/{token}/feedback/{first.id}").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessToken)) == tokens_before
    assert client.post(f"/r/{token}/feedback/{last.id}").status_code == 303
