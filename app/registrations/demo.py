"""Demo data of shaped registration: the upcoming working group of 2027, built as a coordinator would."""

from datetime import date, datetime, time, timedelta

from app.events import services as events
from app.events.models import Event
from app.registrations import services
from app.types import utcnow

WORKSHOPS = (
    "Workshop I: Ideation",
    "Workshop II: Consolidation",
    "Workshop III: Solutions",
    "Workshop IV: Opportunities",
)


def seed_working_group_2027(desk_id: int) -> Event:
    """Four workshops for 19 municipalities, at most two people each, who choose their workshops;
    speakers by invitation; a question about their municipality's challenges. Open without approval."""
    first = max(date(2027, 3, 2), utcnow().date() + timedelta(days=30))
    sessions = [
        events.SessionData(
            title=title,
            local_start=datetime.combine(first + timedelta(weeks=n), time(9)),
            local_end=datetime.combine(first + timedelta(weeks=n), time(13)),
        )
        for n, title in enumerate(WORKSHOPS)
    ]
    event = events.create_event(
        events.EventData(
            title=f"Digitalisation Working Group {first.year}",
            timezone="Europe/Belgrade",
            desk_id=desk_id,
            sessions=sessions,
            slug=f"digitalisation-working-group-{first.year}",
            programme="Digitalisation Working Group",
            summary="Four 4-hour online workshops for 19 municipalities: choose the workshops you attend, "
            "at most two people per municipality.",
            description="The working group meets again: practitioners from 19 municipalities turn shared "
            "challenges into proposals for digital municipal services. Register for the workshops you can "
            "attend; speakers are invited by the coordinators.",
            language="en",
            capacity=48,
        )
    )
    services.save_rules(
        event,
        services.RulesData(
            organisation_limit=2,
            session_choice=True,
            session_capacities={s.id: 38 for s in event.sessions},
        ),
    )
    services.save_category(
        event,
        services.CategoryData(
            "Municipal participant", "Staff of one of the 19 municipalities.", capacity=38, approval_required=False
        ),
    )
    services.save_category(
        event, services.CategoryData("Speaker", "Invited speakers and moderators.", capacity=10, invitation_only=True)
    )
    services.save_question(
        event,
        services.QuestionData(
            "long_text",
            "Which challenges does your municipality face?",
            help_text="A few sentences: the workshops start from them.",
            required=True,
            max_value=1500,
        ),
    )
    services.save_question(
        event,
        services.QuestionData(
            "multiple_choice",
            "Which topics interest you?",
            options=["E-services", "Open data", "Digital participation", "Cybersecurity", "Smart mobility"],
        ),
    )
    events.publish_event(event)
    return event
