"""Demo of what follows the sessions, for `flask seed-demo`: the 2021 working group's attendance (a Zoom report
for Workshop I, marks by hand for Workshop II, access links for Workshop III), its closed feedback survey with
answers, certificates issued under a "3 of 4 workshops" rule, and a few directory entries.

Workshop IV is left without attendance: docs/samples/teams-attendance-workshop-iv.csv is its Teams report, for
trying the upload; afterwards three more participants (one of them ირაკლი სამხარაძე) meet the rule.
Written through the same services as the pages; no email is queued.
"""

import uuid
from datetime import timedelta

import sqlalchemy as sa

from app import timezones
from app.calendar import access, attendance
from app.events.models import Event
from app.extensions import db
from app.participation import certificates, directory, feedback
from app.participation.models import AFTER_LAST_SESSION, QUESTION_RATING, QUESTION_TEXT, RULE_SESSIONS, SURVEY_CLOSED
from app.registrations.models import CONFIRMED, Registration, RegistrationTransition
from app.types import utcnow

# The demo's extra participant, so that a certificate with a Georgian name is there from the start.
NINO = ("ნინო ქავთარაძე", "nino.kavtaradze@rustavi.example.ge", "Rustavi City Hall", "GE", "Digital services lead")

# Who attended which workshop, by the working group's demo participants' emails (and NINO).
WORKSHOP_I = (
    "irakli.samkharadze@tbilisi.example.ge",
    "olena.kovalenko@lviv.example.ua",
    "milica.jovanovic@novisad.example.rs",
    "arben.celik@tirana.example.al",
    "ion.rusu@chisinau.example.md",
    "leyla.mammadova@ganja.example.az",
    "juergen.groess@leipzig.example.de",
    "amra.hodzic@sarajevo.example.ba",
    "elena.stojanovska@skopje.example.mk",
    "k.weber@giz-partner.example.de",
    NINO[1],
)
WORKSHOP_II = (
    "irakli.samkharadze@tbilisi.example.ge",
    "olena.kovalenko@lviv.example.ua",
    "milica.jovanovic@novisad.example.rs",
    "arben.celik@tirana.example.al",
    "ion.rusu@chisinau.example.md",
    "juergen.groess@leipzig.example.de",
    "amra.hodzic@sarajevo.example.ba",
    NINO[1],
)
WORKSHOP_III = (
    "olena.kovalenko@lviv.example.ua",
    "milica.jovanovic@novisad.example.rs",
    "ion.rusu@chisinau.example.md",
    "leyla.mammadova@ganja.example.az",
    "juergen.groess@leipzig.example.de",
    "elena.stojanovska@skopje.example.mk",
    NINO[1],
)

# (email, rating, what worked, what to improve, answer to "What will you take home?", breakout rating)
FEEDBACK = (
    (
        "olena.kovalenko@lviv.example.ua",
        5,
        "Hearing how Tbilisi runs its e-services desk.",
        "",
        "The service catalogue",
        "5",
    ),
    (
        "milica.jovanovic@novisad.example.rs",
        4,
        "The peer reviews of our proposals.",
        "More time between workshops.",
        "",
        "4",
    ),
    (
        "ion.rusu@chisinau.example.md",
        4,
        "Small groups.",
        "Share the slides before the session.",
        "Open data checklist",
        "4",
    ),
    ("juergen.groess@leipzig.example.de", 5, "Very concrete cases.", "", "", "5"),
    ("leyla.mammadova@ganja.example.az", 3, "", "Interpretation into Russian would help.", "", "3"),
    ("amra.hodzic@sarajevo.example.ba", 4, "The ideation method.", "Shorter first day.", "", "4"),
    (NINO[1], 5, "A network of peers I can call.", "", "Contacts in Chișinău and Novi Sad", "5"),
)


def _zoom_report(event: Event, people: dict[str, Registration]) -> bytes:
    """Workshop I's participants report as Zoom exports it (one person left and came back)."""
    start = event.sessions[0].starts_at
    lines = ["Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent"]
    for number, email in enumerate(WORKSHOP_I):
        person = people[email]
        joined = start + timedelta(minutes=number % 4)
        stays = [(joined, 240 - number % 4)] if number != 2 else [(joined, 95), (joined + timedelta(minutes=110), 120)]
        for at, minutes in stays:
            local = at.astimezone(timezones.zone(event.timezone))
            leave = (at + timedelta(minutes=minutes)).astimezone(timezones.zone(event.timezone))
            lines.append(
                f"{person.name},{email},{local:%m/%d/%Y %I:%M:%S %p},{leave:%m/%d/%Y %I:%M:%S %p},{minutes},Yes,Y"
            )
    lines.append(f"Guest 7,,{start.astimezone(timezones.zone(event.timezone)):%m/%d/%Y %I:%M:%S %p},,12,Yes,")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _extra_participant(event: Event) -> Registration:
    name, email, organisation, country, role = NINO
    registration = Registration(
        event=event,
        desk_id=event.desk_id,
        routing_reason="Country GE is covered by this desk.",
        name=name,
        email=email,
        email_normalized=email,
        organisation=organisation,
        country=country,
        position=role,
        expert_type="international",
        timezone="Asia/Tbilisi",
        language="ka",
        consent_at=utcnow() - timedelta(hours=20),
        verified_at=utcnow() - timedelta(hours=20),
        status=CONFIRMED,
        calendar_uid=uuid.uuid4().hex,
        created_at=utcnow() - timedelta(hours=20),
    )
    db.session.add(registration)
    db.session.add(RegistrationTransition(registration=registration, to_status=CONFIRMED, actor="participant"))
    db.session.flush()
    return registration


def seed_participation(event: Event) -> None:
    """Attendance, feedback, certificates and directory entries for the demo's 2021 working group."""
    _extra_participant(event)
    people = {
        r.email_normalized: r
        for r in db.session.scalars(sa.select(Registration).where(Registration.event_id == event.id))
    }
    first, second, third, _fourth = event.sessions

    report = attendance.start_import(first, _zoom_report(event, people), "zoom-participants-workshop-i.csv", None)
    attendance.apply_import(report, set(), None)
    attendance.mark_session(second, {people[e].id for e in WORKSHOP_II}, None)
    for number, email in enumerate(WORKSHOP_III):
        access.record_attendance(people[email], third, now=third.starts_at - timedelta(minutes=5 - number))

    survey = feedback.save_survey(
        event,
        timing=AFTER_LAST_SESSION,
        anonymous_results=False,
        intro="Four workshops, one network: tell us what worked.",
        questions=[
            ("What will you take home to your municipality?", QUESTION_TEXT),
            ("How useful were the breakout groups?", QUESTION_RATING),
        ],
    )
    survey.status = "open"
    take_home, breakouts = survey.questions
    last = event.sessions[-1]
    for email, rating, worked, improve, answer, breakout in FEEDBACK:
        feedback.submit_response(
            survey,
            people[email],
            last,
            rating=rating,
            worked=worked,
            improve=improve,
            answers={take_home.id: answer, breakouts.id: breakout},
        )
    survey.status = SURVEY_CLOSED

    certificates.save_rule(
        event,
        kind=RULE_SESSIONS,
        minimum=3,
        text="For contributing to the Digitalisation Working Group and its network of peers.",
        organiser="Southeast Europe and Caucasus network coordination (Tbilisi)",
        signatory="Nino Beridze, Regional network coordinator",
    )
    certificates.issue_certificates(event, notify=False)

    for email, introduction, topics in (
        ("olena.kovalenko@lviv.example.ua", "Digital transformation in Lviv: e-services and open data.", "e-services"),
        ("milica.jovanovic@novisad.example.rs", "Urban planner; participatory budgeting platform.", "participation"),
        (NINO[1], "Runs Rustavi's digital services team.", "service design, open data"),
    ):
        directory.join(people[email], scope="series", introduction=introduction, topics=topics)
    db.session.flush()
