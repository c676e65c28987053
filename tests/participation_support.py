"""A past four-workshop working group with confirmed participants, for the attendance and participation tests."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.events.models import Event
from app.registrations.models import CANCELLED, Registration
from tests import factories
from tests.calendar_support import make_registration

FIXTURES = Path(__file__).parent / "fixtures"

WORKSHOPS = (
    (datetime(2021, 9, 21, 9, 0), datetime(2021, 9, 21, 13, 0), "Workshop I: Ideation"),
    (datetime(2021, 10, 5, 9, 0), datetime(2021, 10, 5, 13, 0), "Workshop II: Consolidation"),
    (datetime(2021, 10, 19, 9, 0), datetime(2021, 10, 19, 13, 0), "Workshop III: Solutions"),
    (datetime(2021, 10, 28, 9, 0), datetime(2021, 10, 28, 13, 0), "Workshop IV: Opportunities"),
)


@dataclass
class Group:
    event: Event
    tamar: Registration
    irakli: Registration
    olena: Registration
    jurgen: Registration
    cancelled: Registration


def working_group(desks) -> Group:
    event = factories.make_event(
        desks.tbilisi,
        title="Digitalisation Working Group 2021",
        zone="Europe/Belgrade",
        sessions=WORKSHOPS,
        programme="Digitalisation Working Group",
        meeting_url="https://meet.example.org/wg",
    )
    return Group(
        event=event,
        tamar=make_registration(event, name="Tamar Lomidze", email="tamar@example.org", desk=desks.tbilisi),
        irakli=make_registration(event, name="ირაკლი სამხარაძე", email="irakli@example.ge", desk=desks.tbilisi),
        olena=make_registration(event, name="Олена Коваленко", email="olena@example.org", desk=desks.tbilisi),
        jurgen=make_registration(event, name="Jürgen Größ", email="jurgen@example.org", desk=desks.germany),
        cancelled=make_registration(
            event, name="Ana Cancelled", email="ana@example.org", desk=desks.tbilisi, status=CANCELLED
        ),
    )


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
