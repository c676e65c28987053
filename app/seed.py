"""`flask seed-demo`: a realistic demo for trying the service on a fresh machine."""

import uuid
from datetime import date, datetime, time, timedelta

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app.accounts import services as accounts
from app.contact.demo import seed_contact_requests
from app.desks.models import EXPERT_GERMAN, EXPERT_INTERNATIONAL, Desk
from app.desks.services import route_person
from app.events import services as events
from app.events.models import Event, EventTranslation
from app.extensions import db
from app.participation.demo import seed_participation
from app.programme.demo import seed_programme
from app.registrations.demo import seed_working_group_2027
from app.registrations.models import (
    CONFIRMED,
    PENDING_APPROVAL,
    PENDING_VERIFICATION,
    WAITLISTED,
    Registration,
    RegistrationTransition,
)
from app.types import utcnow

SEE_COUNTRIES = ["AL", "AM", "AZ", "BA", "GE", "MD", "ME", "MK", "RS", "UA", "XK"]

DEMO_ACCOUNTS = (
    # email, name, position, desk names, admin, password
    ("admin@eventdesk.example", "Ada Admin", "Platform administrator", (), True, "demo-admin-2026"),
    (
        "nino.beridze@eventdesk.example",
        "Nino Beridze",
        "Regional network coordinator",
        ("Southeast Europe and Caucasus (Tbilisi)",),
        False,
        "demo-tbilisi-2026",
    ),
    ("jurgen.gross@eventdesk.example", "Jürgen Groß", "Project manager", ("Germany",), False, "demo-germany-2026"),
)

DESCRIPTION_CONFERENCE = """Municipalities across Southeast Europe and the Caucasus are moving their services online:
building permits, social support, public transport tickets, participatory budgets.

This online conference brings together **20 municipalities from 13 countries** to compare what worked, what did not,
and what they would do differently.

* Opening and keynote: digital services people actually use
* Panel: three cities, three e-service portals
* Breakout rooms by topic, then a short plenary

The conference is held in English."""

DESCRIPTION_WORKING_GROUP = """The Digitalisation Working Group meets in four online workshops of four hours each.
Together the members move from ideas to concrete proposals for their municipalities:

1. **Ideation**: collecting challenges and ideas
2. **Consolidation**: grouping them into shared themes
3. **Solutions**: working out solutions with experts
4. **Opportunities**: funding, partners and next steps

One registration covers all four workshops."""

PEOPLE = (
    # name, email, organisation, country, role, expert type, time zone
    (
        "ირაკლი სამხარაძე",
        "irakli.samkharadze@tbilisi.example.ge",
        "Tbilisi City Hall",
        "GE",
        "Head of e-services",
        EXPERT_INTERNATIONAL,
        "Asia/Tbilisi",
    ),
    (
        "Олена Коваленко",
        "olena.kovalenko@lviv.example.ua",
        "Lviv City Council",
        "UA",
        "Digital transformation officer",
        EXPERT_INTERNATIONAL,
        "Europe/Kyiv",
    ),
    (
        "Milica Jovanović",
        "milica.jovanovic@novisad.example.rs",
        "City of Novi Sad",
        "RS",
        "Urban planner",
        EXPERT_INTERNATIONAL,
        "Europe/Belgrade",
    ),
    (
        "Arben Çelik",
        "arben.celik@tirana.example.al",
        "Municipality of Tirana",
        "AL",
        "IT department lead",
        EXPERT_INTERNATIONAL,
        "Europe/Tirane",
    ),
    (
        "Ion Rusu",
        "ion.rusu@chisinau.example.md",
        "Chișinău City Hall",
        "MD",
        "Open data coordinator",
        EXPERT_INTERNATIONAL,
        "Europe/Chisinau",
    ),
    (
        "Anahit Grigoryan",
        "anahit.grigoryan@gyumri.example.am",
        "Gyumri Municipality",
        "AM",
        "Deputy mayor",
        EXPERT_INTERNATIONAL,
        "Asia/Yerevan",
    ),
    (
        "Leyla Mammadova",
        "leyla.mammadova@ganja.example.az",
        "Ganja City Executive Power",
        "AZ",
        "Project officer",
        EXPERT_INTERNATIONAL,
        "Asia/Baku",
    ),
    (
        "Jürgen Größ",
        "juergen.groess@leipzig.example.de",
        "Stadt Leipzig",
        "DE",
        "Smart city expert",
        EXPERT_GERMAN,
        "Europe/Berlin",
    ),
    (
        "Amra Hodžić",
        "amra.hodzic@sarajevo.example.ba",
        "City of Sarajevo",
        "BA",
        "E-government adviser",
        EXPERT_INTERNATIONAL,
        "Europe/Sarajevo",
    ),
    (
        "Marko Petrović",
        "marko.petrovic@podgorica.example.me",
        "Capital City Podgorica",
        "ME",
        "Digital services officer",
        EXPERT_INTERNATIONAL,
        "Europe/Podgorica",
    ),
    (
        "Elena Stojanovska",
        "elena.stojanovska@skopje.example.mk",
        "City of Skopje",
        "MK",
        "Policy analyst",
        EXPERT_INTERNATIONAL,
        "Europe/Skopje",
    ),
    (
        "Katharina Weber",
        "k.weber@giz-partner.example.de",
        "Deutscher Städtetag (partner)",
        "GE",
        "Peer adviser",
        EXPERT_GERMAN,
        "Europe/Berlin",
    ),
    (
        "Dren Krasniqi",
        "dren.krasniqi@prishtina.example.xk",
        "Municipality of Prishtina",
        "XK",
        "Innovation lab lead",
        EXPERT_INTERNATIONAL,
        "Europe/Belgrade",
    ),
)


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def _desks() -> dict[str, Desk]:
    tbilisi = Desk(name="Southeast Europe and Caucasus (Tbilisi)", city="Tbilisi", is_default=True)
    tbilisi.countries = SEE_COUNTRIES
    germany = Desk(name="Germany", city="Bonn", is_german=True)
    germany.countries = ["DE"]
    db.session.add_all([tbilisi, germany])
    db.session.flush()
    return {"tbilisi": tbilisi, "germany": germany}


def _event(desk: Desk, title: str, zone: str, sessions, **fields) -> Event:
    data = events.EventData(
        title=title,
        timezone=zone,
        desk_id=desk.id,
        sessions=[events.SessionData(local_start=s, local_end=e, title=t) for t, s, e in sessions],
        **fields,
    )
    event = events.create_event(data)
    events.publish_event(event)
    return event


# The language a demo participant registered in, by their country: their emails are written in it.
DEMO_LANGUAGES = {
    "GE": "ka",
    "UA": "uk",
    "RS": "sr_Latn",
    "BA": "sr_Latn",
    "ME": "sr_Latn",
    "AL": "sq",
    "XK": "sq",
    "MK": "mk",
    "AM": "hy",
    "AZ": "az",
    "MD": "ro",
    "DE": "de",
}


def _registration(event: Event, person, status: str, minutes_ago: int) -> Registration:
    """A demo registration written directly, with its history (demo data sends no email)."""

    name, email, organisation, country, role, expert, zone = person
    chosen = route_person(country, expert)
    created = utcnow() - timedelta(minutes=minutes_ago + 30)
    registration = Registration(
        event=event,
        desk_id=chosen.desk.id,
        routing_reason=chosen.reason,
        name=name,
        email=email,
        email_normalized=email.lower(),
        organisation=organisation,
        country=country,
        position=role,
        expert_type=expert,
        timezone=zone,
        language=DEMO_LANGUAGES.get(country, "en"),
        consent_at=created,
        status=PENDING_VERIFICATION,
        calendar_uid=uuid.uuid4().hex,
        created_at=created,
    )
    db.session.add(registration)
    history = [(None, PENDING_VERIFICATION, created)]
    if status != PENDING_VERIFICATION:
        registration.verified_at = created + timedelta(minutes=5)
        if event.approval_required:
            history.append((PENDING_VERIFICATION, PENDING_APPROVAL, registration.verified_at))
        if status != PENDING_APPROVAL:
            history.append((history[-1][1], status, utcnow() - timedelta(minutes=minutes_ago)))
    for from_status, to_status, at in history:
        db.session.add(
            RegistrationTransition(
                registration=registration,
                from_status=from_status,
                to_status=to_status,
                created_at=at,
                actor="coordinator" if from_status == PENDING_APPROVAL else "participant",
            )
        )
    registration.status = status
    registration.waitlist_rank = 100_000 - minutes_ago if status == WAITLISTED else None  # earlier first
    return registration


def seed() -> dict[str, Event]:
    """Create the demo desks, accounts, events, registrations and contact requests."""
    desks = _desks()
    by_name = {d.name: d for d in desks.values()}
    for email, name, position, desk_names, admin, password in DEMO_ACCOUNTS:
        accounts.save_coordinator(
            email=email,
            name=name,
            position=position,
            desks=[by_name[n] for n in desk_names],
            admin=admin,
            password=password,
        )

    today = utcnow().date()
    created = {
        "conference": _event(
            desks["germany"],
            "Digitalisation of Municipal Services in Southeast Europe (SEE) and the Caucasus",
            "Europe/Berlin",
            [("Online conference", _local(date(2020, 10, 7), 13), _local(date(2020, 10, 7), 15, 30))],
            slug="digitalisation-municipal-services-see-caucasus-2020",
            summary="A 2.5-hour online conference for 20 municipalities from 13 countries on digital public services.",
            description=DESCRIPTION_CONFERENCE,
            language="en",
            capacity=120,
            photo_credit="City of Tbilisi",
        ),
        "working_group": _event(
            desks["tbilisi"],
            "Digitalisation Working Group 2021",
            "Europe/Belgrade",
            [
                ("Workshop I: Ideation", _local(date(2021, 9, 21), 9), _local(date(2021, 9, 21), 13)),
                ("Workshop II: Consolidation", _local(date(2021, 10, 5), 9), _local(date(2021, 10, 5), 13)),
                ("Workshop III: Solutions", _local(date(2021, 10, 19), 9), _local(date(2021, 10, 19), 13)),
                ("Workshop IV: Opportunities", _local(date(2021, 10, 28), 9), _local(date(2021, 10, 28), 13)),
            ],
            slug="digitalisation-working-group-2021",
            programme="Digitalisation Working Group",
            summary="Four 4-hour online workshops: from ideas to proposals for digital municipal services.",
            description=DESCRIPTION_WORKING_GROUP,
            language="en",
            capacity=30,
            approval_required=True,
        ),
        "peer_exchange": _event(
            desks["tbilisi"],
            "Smart Mobility Peer Exchange",
            "Europe/Berlin",
            [("Peer exchange", _local(today + timedelta(days=21), 10), _local(today + timedelta(days=21), 12, 30))],
            slug="smart-mobility-peer-exchange",
            programme="Peer exchanges",
            summary="A small-group exchange on digital ticketing and mobility data. Eight seats; coordinators approve.",
            description="Eight practitioners compare how their cities publish mobility data and sell tickets online. "
            "Seats are limited, so the coordinators approve every registration.",
            language="en",
            capacity=8,
            approval_required=True,
        ),
        # The event for the README's "Try it": approval required and free seats, so an approved
        # registration gets a seat, the access link and the invite.
        "clinic": _event(
            desks["tbilisi"],
            "Digital Public Services Clinic",
            "Europe/Chisinau",
            [("Clinic", _local(today + timedelta(days=14), 14), _local(today + timedelta(days=14), 16))],
            slug="digital-public-services-clinic",
            programme="Clinics",
            summary="Bring a digital service your municipality is planning; peers and experts review it with you. "
            "Coordinators approve each registration.",
            description="Two hours, four cases: each municipality presents a planned online service for ten "
            "minutes, then peers and experts discuss it. The coordinators approve every registration so that "
            "the cases fit together.",
            language="en",
            capacity=25,
            approval_required=True,
            meeting_url="https://meet.jit.si/eventdesk-digital-services-clinic",
        ),
        "roundtable": _event(
            desks["tbilisi"],
            "Open Data for Municipalities: Caucasus Roundtable",
            "Asia/Tbilisi",
            [("Roundtable", _local(today + timedelta(days=35), 11), _local(today + timedelta(days=35), 13))],
            slug="open-data-caucasus-roundtable",
            summary="How municipalities in Georgia, Armenia and Azerbaijan open their data, "
            "and what citizens do with it.",
            description="A two-hour roundtable with short inputs from three cities and an open discussion.",
            language="en",
            capacity=60,
            meeting_url="https://meet.jit.si/eventdesk-open-data-roundtable",
        ),
    }
    draft = events.create_event(
        events.EventData(
            title="Climate Adaptation Planning Clinic",
            timezone="Europe/Kyiv",
            desk_id=desks["tbilisi"].id,
            sessions=[
                events.SessionData(
                    local_start=_local(today + timedelta(days=60), 14), local_end=_local(today + timedelta(days=60), 16)
                )
            ],
            summary="Draft: not visible to the public yet.",
        )
    )
    created["draft"] = draft

    # The German project manager works in German; the roundtable speaks to the Caucasus in its languages.
    german = accounts.find_coordinator("jurgen.gross@eventdesk.example")
    accounts.set_language(german, "de")
    roundtable = created["roundtable"]
    roundtable.translations += [
        EventTranslation(
            language=language,
            title=title,
            summary=summary,
            description=description,
            session_titles={str(roundtable.sessions[0].id): session_title},
        )
        for language, (title, summary, description, session_title) in ROUNDTABLE_TRANSLATIONS.items()
    ]

    # The full event: 8 of 8 seats taken, three on the waitlist, two awaiting approval.
    peer = created["peer_exchange"]
    for i, person in enumerate(PEOPLE[:8]):
        _registration(peer, person, CONFIRMED, minutes_ago=600 - i * 10)
    for i, person in enumerate(PEOPLE[8:11]):
        _registration(peer, person, WAITLISTED, minutes_ago=300 - i * 10)
    for i, person in enumerate(PEOPLE[11:13]):
        _registration(peer, person, PENDING_APPROVAL, minutes_ago=100 - i * 10)
    for i, person in enumerate(PEOPLE[:5]):
        _registration(created["roundtable"], person, CONFIRMED, minutes_ago=900 - i * 10)
    for i, person in enumerate(PEOPLE[:3]):
        _registration(created["clinic"], person, CONFIRMED, minutes_ago=800 - i * 10)
    _registration(created["clinic"], PEOPLE[3], PENDING_APPROVAL, minutes_ago=60)
    for i, person in enumerate(PEOPLE[:12]):
        _registration(created["working_group"], person, CONFIRMED, minutes_ago=1000 - i * 10)
    db.session.flush()

    seed_contact_requests([created["peer_exchange"], created["roundtable"], created["working_group"]])
    created["working_group_2027"] = seed_working_group_2027(desks["tbilisi"].id)
    # Participation first: it adds a participant, who then gets the programme's follow-up message too.
    seed_participation(created["working_group"])
    seed_programme(created["working_group"])
    return created


# The roundtable in every language of the service: (title, summary, description, its session's title).
ROUNDTABLE_TRANSLATIONS = {
    "de": (
        "Offene Daten für Kommunen: Runder Tisch Kaukasus",
        "Wie Kommunen in Georgien, Armenien und Aserbaidschan ihre Daten öffnen und was Bürgerinnen und Bürger "
        "damit machen.",
        "Ein zweistündiger runder Tisch mit kurzen Impulsen aus drei Städten und einer offenen Diskussion.",
        "Runder Tisch",
    ),
    "ka": (
        "ღია მონაცემები მუნიციპალიტეტებისთვის: კავკასიის მრგვალი მაგიდა",
        "როგორ ხსნიან მონაცემებს მუნიციპალიტეტები საქართველოში, სომხეთსა და აზერბაიჯანში და რას აკეთებენ "
        "მათთან მოქალაქეები.",
        "ორსაათიანი მრგვალი მაგიდა სამი ქალაქის მოკლე გამოსვლებითა და ღია დისკუსიით.",
        "მრგვალი მაგიდა",
    ),
    "uk": (
        "Відкриті дані для муніципалітетів: круглий стіл щодо Кавказу",
        "Як муніципалітети Грузії, Вірменії та Азербайджану відкривають свої дані і що з ними роблять громадяни.",
        "Двогодинний круглий стіл із короткими виступами представників трьох міст і відкритою дискусією.",
        "Круглий стіл",
    ),
    "ru": (
        "Открытые данные для муниципалитетов: круглый стол по Кавказу",
        "Как муниципалитеты Грузии, Армении и Азербайджана открывают свои данные и что с ними делают граждане.",
        "Двухчасовой круглый стол с короткими выступлениями представителей трёх городов и открытой дискуссией.",
        "Круглый стол",
    ),
    "ro": (
        "Date deschise pentru municipalități: masă rotundă despre Caucaz",
        "Cum își deschid datele municipalitățile din Georgia, Armenia și Azerbaidjan și ce fac cetățenii cu ele.",
        "O masă rotundă de două ore, cu scurte prezentări din trei orașe și o discuție deschisă.",
        "Masă rotundă",
    ),
    "sq": (
        "Të dhëna të hapura për bashkitë: tryezë e rrumbullakët për Kaukazin",
        "Si i hapin të dhënat e tyre bashkitë në Gjeorgji, Armeni dhe Azerbajxhan dhe çfarë bëjnë qytetarët me to.",
        "Një tryezë e rrumbullakët dyorëshe me prezantime të shkurtra nga tre qytete dhe një diskutim të hapur.",
        "Tryezë e rrumbullakët",
    ),
    "mk": (
        "Отворени податоци за општините: тркалезна маса за Кавказ",
        "Како општините во Грузија, Ерменија и Азербејџан ги отвораат своите податоци и што прават граѓаните со нив.",
        "Двочасовна тркалезна маса со кратки излагања од три града и отворена дискусија.",
        "Тркалезна маса",
    ),
    "sr_Latn": (
        "Otvoreni podaci za opštine: okrugli sto o Kavkazu",
        "Kako opštine u Gruziji, Jermeniji i Azerbejdžanu otvaraju svoje podatke i šta građani rade s njima.",
        "Dvočasovni okrugli sto sa kratkim izlaganjima iz tri grada i otvorenom diskusijom.",
        "Okrugli sto",
    ),
    "hy": (
        "Բաց տվյալներ համայնքների համար՝ Կովկասյան կլոր սեղան",
        "Ինչպես են Վրաստանի, Հայաստանի և Ադրբեջանի համայնքները բացում իրենց տվյալները, և ինչ են դրանցով անում "
        "քաղաքացիները։",
        "Երկժամյա կլոր սեղան՝ երեք քաղաքների կարճ ելույթներով և բաց քննարկմամբ։",
        "Կլոր սեղան",
    ),
    "az": (
        "Bələdiyyələr üçün açıq məlumatlar: Qafqaz dəyirmi masası",
        "Gürcüstan, Ermənistan və Azərbaycanda bələdiyyələr məlumatlarını necə açır və vətəndaşlar onlardan necə "
        "istifadə edir.",
        "Üç şəhərdən qısa çıxışlar və açıq müzakirə ilə iki saatlıq dəyirmi masa.",
        "Dəyirmi masa",
    ),
}


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has events or desks.")
@with_appcontext
def seed_demo(if_empty: bool):
    """Fill the database with the demo: desks, coordinators, events, registrations, contact requests."""
    has_data = db.session.scalar(sa.select(sa.func.count()).select_from(Desk)) or db.session.scalar(
        sa.select(sa.func.count()).select_from(Event)
    )
    if has_data and if_empty:
        click.echo("The database already has data; the demo was not added again.")
    elif has_data:
        raise click.ClickException("The database already has data. Use a fresh database for the demo.")
    else:
        seed()
        db.session.commit()
        click.echo("Demo data created.")
    click.echo("Demo logins (development only):")
    for email, name, position, desk_names, _admin, password in DEMO_ACCOUNTS:
        where = ", ".join(desk_names) or "all desks"
        click.echo(f"  {email:34} password {password:18} {name}, {position} ({where})")


COMMANDS = (seed_demo,)
