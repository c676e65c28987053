"""The registration form in the reader's language: coordinators translate the questions and categories with
the rest of the event; participants read them translated, while an answer keeps the original option as its
value, so answers and exports compare across languages."""

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.events.translations import TranslationData, TranslationInvalid, save_translation
from app.extensions import db
from app.locales import LANGUAGE_COOKIE, in_language
from app.registrations import services
from app.registrations.models import Registration
from tests.factories import make_event
from tests.registration_helpers import MANAGE_LINK, confirm_token, form_data, messages_to

TOPICS = ["Open data", "E-services", "Smart mobility"]
GEORGIAN_TOPICS = ["ღია მონაცემები", "ელექტრონული სერვისები", "ჭკვიანი მობილობა"]


@pytest.fixture
def shaped(desks):
    """An event with two categories, a choice question for everyone and one asked of speakers only."""
    event = make_event(desks.tbilisi, title="Digital Municipalities")
    staff = services.save_category(event, services.CategoryData("Municipal staff", "Staff of a municipality."))
    speakers = services.save_category(event, services.CategoryData("Speakers"))
    topics = services.save_question(
        event,
        services.QuestionData("multiple_choice", "Which topics interest you?", help_text="Tick any.", options=TOPICS),
    )
    talk = services.save_question(
        event, services.QuestionData("short_text", "Title of your talk", category_ids=[speakers.id])
    )
    db.session.commit()
    return SimpleNamespace(event=event, staff=staff, speakers=speakers, topics=topics, talk=talk)


def georgian(shaped, **topics_texts) -> TranslationData:
    return TranslationData(
        question_texts={
            shaped.topics.id: {
                "label": "რომელი თემები გაინტერესებთ?",
                "help": "მონიშნეთ ნებისმიერი.",
                "options": GEORGIAN_TOPICS,
                **topics_texts,
            },
            shaped.talk.id: {"label": "თქვენი მოხსენების სათაური"},
        },
        category_texts={
            shaped.staff.id: {"name": "მუნიციპალიტეტის თანამშრომლები", "description": "მუნიციპალიტეტის პერსონალი."},
            shaped.speakers.id: {"name": "მომხსენებლები"},
        },
    )


def test_a_translation_keeps_the_events_own_texts_and_refuses_a_wrong_number_of_options(app, shaped, desks):
    other = make_event(desks.tbilisi, title="Another event")
    foreign = services.save_question(other, services.QuestionData("short_text", "Elsewhere?"))
    foreign_category = services.save_category(other, services.CategoryData("Guests"))
    data = georgian(shaped)
    data.question_texts[foreign.id] = {"label": "სხვაგან?"}
    data.question_texts[shaped.talk.id] = {"label": "  თქვენი მოხსენების სათაური ", "help": "?", "options": ["a", "b"]}
    data.category_texts[foreign_category.id] = {"name": "სტუმრები"}
    translation = save_translation(shaped.event, "ka", data)
    db.session.commit()

    assert set(translation.question_texts) == {str(shaped.topics.id), str(shaped.talk.id)}
    assert translation.question_texts[str(shaped.talk.id)] == {"label": "თქვენი მოხსენების სათაური"}
    assert translation.question_texts[str(shaped.topics.id)]["options"] == dict(
        zip(TOPICS, GEORGIAN_TOPICS, strict=True)
    )
    assert set(translation.category_texts) == {str(shaped.staff.id), str(shaped.speakers.id)}

    with pytest.raises(TranslationInvalid) as refused:
        save_translation(shaped.event, "ka", georgian(shaped, options=["ღია მონაცემები", "მობილობა"]))
    field = f"question_{shaped.topics.id}_options"
    assert refused.value.status == 422 and list(refused.value.fields) == [field]
    assert "Give 3 answers" in refused.value.fields[field]
    db.session.rollback()
    assert shaped.event.translation("ka").question_text(shaped.topics.id, "options") == dict(
        zip(TOPICS, GEORGIAN_TOPICS, strict=True)
    )

    # A line left empty or as the original leaves its option untranslated; the same translation twice is refused.
    translation = save_translation(shaped.event, "ka", georgian(shaped, options=[GEORGIAN_TOPICS[0], "", TOPICS[2]]))
    assert translation.question_text(shaped.topics.id, "options") == {TOPICS[0]: GEORGIAN_TOPICS[0]}
    with pytest.raises(TranslationInvalid) as refused:
        save_translation(shaped.event, "ka", georgian(shaped, options=["ერთი", "ერთი", "სამი"]))
    assert list(refused.value.fields) == [field]
    db.session.rollback()

    # Only the form translated is still a translation; emptying every text removes it.
    assert save_translation(shaped.event, "uk", TranslationData(category_texts={shaped.speakers.id: {"name": "X"}}))
    assert (
        save_translation(shaped.event, "uk", TranslationData(category_texts={shaped.speakers.id: {"name": ""}})) is None
    )


def test_coordinators_translate_the_form_on_the_translation_page(client, login, shaped, tbilisi_coordinator):
    event, topics = shaped.event, shaped.topics
    login(tbilisi_coordinator)
    url = f"/dashboard/events/{event.id}/translations/ka"
    page = client.get(url).get_data(as_text=True)
    for name in (f"question_{topics.id}_label", f"question_{topics.id}_options", f"category_{shaped.staff.id}_name"):
        assert f'name="{name}"' in page
    # Nothing to translate: a text question has no options, this one no help text, Speakers no description.
    for name in (f"question_{shaped.talk.id}_options", f"question_{shaped.talk.id}_help"):
        assert f'name="{name}"' not in page
    assert f'name="category_{shaped.speakers.id}_description"' not in page
    fields = {
        f"question_{topics.id}_label": "რომელი თემები გაინტერესებთ?",
        f"question_{topics.id}_options": "ღია მონაცემები\r\nელექტრონული სერვისები",
        f"category_{shaped.speakers.id}_name": "მომხსენებლები",
    }

    wrong = client.post(url, data=fields)
    assert wrong.status_code == 422
    page = wrong.get_data(as_text=True)
    assert f'id="question_{topics.id}_options-error"' in page and "Give 3 answers" in page
    assert "ღია მონაცემები" in page  # what was typed stays in the form
    db.session.expire_all()
    assert event.translation("ka") is None

    fields[f"question_{topics.id}_options"] = "\r\n".join(GEORGIAN_TOPICS)
    assert client.post(url, data=fields).status_code == 302
    db.session.expire_all()
    translation = event.translation("ka")
    assert translation.question_text(topics.id, "options") == dict(zip(TOPICS, GEORGIAN_TOPICS, strict=True))
    assert translation.category_text(shaped.speakers.id, "name") == "მომხსენებლები"
    assert translation.category_text(shaped.staff.id, "name") == ""

    page = client.get(url).get_data(as_text=True)  # filled in with the saved texts
    assert "მომხსენებლები" in page and "\n".join(GEORGIAN_TOPICS) in page


def test_a_georgian_reader_registers_on_the_translated_form_and_the_answer_keeps_the_original(client, shaped):
    event, topics = shaped.event, shaped.topics
    save_translation(event, "ka", georgian(shaped))
    db.session.commit()

    client.set_cookie(LANGUAGE_COOKIE, "ka")
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    for text in ("რომელი თემები გაინტერესებთ?", "მონიშნეთ ნებისმიერი.", *GEORGIAN_TOPICS, "მომხსენებლები"):
        assert text in page
    assert "მუნიციპალიტეტის თანამშრომლები" in page and "მუნიციპალიტეტის პერსონალი." in page
    assert "თქვენი მოხსენების სათაური" in page
    assert "Which topics interest you?" not in page and "Municipal staff" not in page and "Tick any." not in page
    assert 'value="Open data"' in page  # the value sent is the original option
    only_for = page[page.index("თქვენი მოხსენების სათაური") :]
    assert "მომხსენებლები" in only_for[: only_for.index("</div>")]  # "Only for: <translated category>"

    refused = client.post(
        f"/events/{event.slug}/register",
        data=form_data(category_id=str(shaped.staff.id), **{f"q_{topics.id}": ["ღია მონაცემები"]}),
    )
    assert refused.status_code == 422 and "რომელი თემები გაინტერესებთ?" in refused.get_data(as_text=True)

    data = form_data(category_id=str(shaped.staff.id), **{f"q_{topics.id}": ["Open data", "Smart mobility"]})
    assert client.post(f"/events/{event.slug}/register", data=data).status_code == 302
    client.post(f"/r/confirm/{confirm_token('olena@example.org')}")
    registration = db.session.scalar(sa.select(Registration))
    [answer] = registration.answers
    assert (answer.label, answer.value, answer.choices) == (
        "Which topics interest you?",
        "Open data; Smart mobility",
        ["Open data", "Smart mobility"],
    )

    token = MANAGE_LINK.search(messages_to("olena@example.org", "registration_confirmed")[-1].text_body).group(1)
    personal = client.get(f"/r/{token}").get_data(as_text=True)
    assert "რომელი თემები გაინტერესებთ?" in personal
    assert "ღია მონაცემები; ჭკვიანი მობილობა" in personal
    assert "მუნიციპალიტეტის თანამშრომლები" in personal and "Municipal staff" not in personal

    client.set_cookie(LANGUAGE_COOKIE, "de")
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Which topics interest you?" in page and "Municipal staff" in page and "ღია მონაცემები" not in page


def test_coordinators_and_exports_keep_the_original_wording(client, login, shaped, tbilisi_coordinator):
    save_translation(shaped.event, "ka", georgian(shaped))
    db.session.commit()
    client.set_cookie(LANGUAGE_COOKIE, "ka")
    data = form_data(category_id=str(shaped.staff.id), **{f"q_{shaped.topics.id}": ["E-services"]})
    assert client.post(f"/events/{shaped.event.slug}/register", data=data).status_code == 302
    registration = db.session.scalar(sa.select(Registration))
    login(tbilisi_coordinator)
    page = client.get(f"/dashboard/registrations/{registration.id}").get_data(as_text=True)
    assert "Which topics interest you?" in page and "E-services" in page and "Municipal staff" in page
    csv = client.get(f"/dashboard/events/{shaped.event.id}/registrations.csv").get_data().decode("utf-8-sig")
    assert "E-services" in csv and "ელექტრონული სერვისები" not in csv


def test_each_translated_option_stays_with_its_original_when_the_options_change(app, shaped):
    save_translation(shaped.event, "ka", georgian(shaped))
    db.session.commit()
    topics = shaped.topics
    translated = dict(zip(TOPICS, GEORGIAN_TOPICS, strict=True))
    # The coordinators reorder the options and add one after the translation was made.
    reordered = [*reversed(TOPICS), "Cybersecurity"]
    services.save_question(
        shaped.event, services.QuestionData("multiple_choice", topics.label, options=reordered), topics
    )
    db.session.commit()
    with app.test_request_context(), in_language("ka"):
        assert topics.local_label == "რომელი თემები გაინტერესებთ?"
        # Ticking a translated option still sends the original it translates; the new one reads as written.
        assert topics.option_labels == [(option, translated.get(option, option)) for option in reordered]
        assert topics.option_labels[-1] == ("Cybersecurity", "Cybersecurity")
        assert shaped.speakers.local_name == "მომხსენებლები"
        assert shaped.speakers.local_description == ""
    with app.test_request_context(), in_language("de"):
        assert topics.local_label == topics.label and shaped.staff.local_name == "Municipal staff"


def test_the_invitation_email_names_the_category_in_the_event_language(app, desks):
    event = make_event(desks.tbilisi, title="Digital Municipalities", language="ka")
    speakers = services.save_category(event, services.CategoryData("Speakers", invitation_only=True))
    save_translation(event, "ka", TranslationData(category_texts={speakers.id: {"name": "მომხსენებლები"}}))
    services.invite(event, speakers, services.parse_people("Nino Beridze, nino@example.org"))
    db.session.commit()
    [message] = messages_to("nino@example.org", "registration_invitation")
    assert "მომხსენებლები" in message.text_body and "Speakers" not in message.text_body


def test_the_translation_page_gives_a_line_per_option_in_the_current_order(client, login, shaped, tbilisi_coordinator):
    save_translation(shaped.event, "ka", georgian(shaped))
    topics = shaped.topics
    reordered = [*reversed(TOPICS), "Cybersecurity"]
    services.save_question(
        shaped.event, services.QuestionData("multiple_choice", topics.label, options=reordered), topics
    )
    db.session.commit()
    login(tbilisi_coordinator)
    page = client.get(f"/dashboard/events/{shaped.event.id}/translations/ka").get_data(as_text=True)
    translated = dict(zip(TOPICS, GEORGIAN_TOPICS, strict=True))
    lines = "\n".join(translated.get(option, option) for option in reordered)
    assert f">\n{lines}</textarea>" in page.replace("\r\n", "\n")


def test_removing_a_question_or_category_removes_its_translated_texts(app, shaped):
    translation = save_translation(shaped.event, "ka", georgian(shaped))
    db.session.commit()
    services.delete_question(shaped.talk)
    services.delete_category(shaped.speakers)
    db.session.commit()
    db.session.expire_all()
    assert set(translation.question_texts) == {str(shaped.topics.id)}
    assert set(translation.category_texts) == {str(shaped.staff.id)}
