"""Demo contact requests for `flask seed-demo`, routed through the same service as the contact form."""

from collections.abc import Sequence

from app.contact import services
from app.contact.models import ContactRequest
from app.desks.models import EXPERT_GERMAN, EXPERT_INTERNATIONAL
from app.events.models import PUBLISHED, Event
from app.locales import in_language

# (name, email, country, expert type, organisation, message, index of the event it is about or None, the language
# of the page they wrote from: their acknowledgement is written in it)
DEMO_REQUESTS = (
    (
        "გიორგი კაპანაძე",
        "giorgi.kapanadze@kutaisi.example.ge",
        "GE",
        EXPERT_INTERNATIONAL,
        "Kutaisi City Hall",
        "Hello,\nwill the workshop be recorded? Two colleagues from our digital services team cannot attend "
        "live but would like to follow the discussion afterwards.\n\nThank you, Giorgi",
        0,
        "ka",
    ),
    (
        "Олена Коваленко",
        "o.kovalenko@lviv-rada.example.ua",
        "UA",
        EXPERT_INTERNATIONAL,
        "Lviv City Council",
        "Good afternoon,\nis simultaneous interpretation into Ukrainian planned? If not, may a colleague join "
        "with me to interpret?\n\nBest regards,\nOlena Kovalenko",
        1,
        "uk",
    ),
    (
        "Milica Jovanović",
        "milica.jovanovic@novisad.example.rs",
        "RS",
        EXPERT_INTERNATIONAL,
        "City of Novi Sad, Urban Planning Department",
        "Dear coordinators,\nwe would like to present our participatory budgeting platform at a future session. "
        "Whom should we send a short proposal to?\n\nKind regards,\nMilica",
        None,
        "sr_Latn",
    ),
    (
        "Katrin Schäfer",
        "k.schaefer@stadt-leipzig.example.de",
        "DE",
        EXPERT_GERMAN,
        "Stadt Leipzig, Amt für Digitalisierung",
        "Hallo,\nI would be glad to contribute a short input on our open data portal as a German expert. "
        "Is there still room on the programme?\n\nViele Grüße\nKatrin Schäfer",
        0,
        "de",
    ),
    (
        "Tobias Krüger",
        "tobias.krueger@difu.example.de",
        "GE",
        EXPERT_GERMAN,
        "German Institute of Urban Affairs",
        "Dear colleagues,\nI am currently working in Tbilisi and would like to take part as a German expert. "
        "Do I register like everybody else?\n\nBest wishes,\nTobias",
        None,
        "de",
    ),
)


def seed_contact_requests(events: Sequence[Event]) -> list[ContactRequest]:
    """Create a few realistic contact requests, each routed by the contact service; the caller commits."""
    published = [event for event in events if event.status == PUBLISHED]
    created = []
    for name, email, country, expert_type, organisation, message, event_index, language in DEMO_REQUESTS:
        event = published[event_index] if event_index is not None and event_index < len(published) else None
        with in_language(language):
            created.append(
                services.submit_contact_request(
                    services.ContactData(
                        name=name,
                        email=email,
                        country=country,
                        expert_type=expert_type,
                        organisation=organisation,
                        message=message,
                        event_id=event.id if event is not None else None,
                    )
                )
            )
    # One request already handled, so that the inbox shows more than one status.
    answered = created[2]
    coordinators = [c for c in answered.desk.coordinators if c.active]
    if coordinators:
        services.mark_answered(
            answered, coordinators[0], "Sent the call for proposals and the programme team's address."
        )
    return created
