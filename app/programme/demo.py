"""Demo programme of the 2021 working group: agendas and speakers for each workshop, a recording link and
slides for Workshop I for its participants, a cover and an impressions gallery with credits, and a
follow-up message to every participant. Pictures and slides are drawn here with Pillow."""

import io
import math

from PIL import Image, ImageDraw

from app.events.models import Event
from app.programme import services
from app.programme.models import AUDIENCE_CONFIRMED, PARTICIPANTS, PUBLIC

AGENDAS = (
    (
        "**Ideation.** Members bring the challenges of their municipalities' services and collect ideas.\n\n"
        "* 09:00 Welcome and round of introductions\n"
        "* 09:30 Input: digital services people actually use\n"
        "* 10:30 Breakout rooms: challenges by service area\n"
        "* 12:15 Plenary: the ideas we take forward",
        (
            ("Nino Beridze", "Eventdesk network", "Regional network coordinator", "Moderates the working group."),
            (
                "Milica Jovanović",
                "City of Novi Sad",
                "Urban planner",
                "Led Novi Sad's move to online building permits.",
            ),
        ),
    ),
    (
        "**Consolidation.** The ideas of Workshop I are grouped into shared themes.\n\n"
        "* Good practice: Tbilisi's e-service portal\n"
        "* Clustering the ideas in small groups\n"
        "* Choosing three themes for the rest of the series",
        (("ირაკლი სამხარაძე", "Tbilisi City Hall", "Head of e-services", "Presents Tbilisi's service portal."),),
    ),
    (
        "**Solutions.** Experts work out solutions for each theme with the members.\n\n"
        "* Expert clinics: open data, e-payments, participation platforms\n"
        "* Peer feedback on the draft solutions",
        (
            ("Jürgen Größ", "Stadt Leipzig", "Smart city expert", "Advises on open data and e-payments."),
            ("Олена Коваленко", "Lviv City Council", "Digital transformation officer", ""),
        ),
    ),
    (
        "**Opportunities.** Funding, partners and next steps for every municipality.\n\n"
        "* Funding programmes and how to apply\n"
        "* Matching municipalities with partners\n"
        "* Closing: what each member takes home",
        (("Katharina Weber", "Deutscher Städtetag (partner)", "Peer adviser", "Knows the funding landscape."),),
    ),
)

GALLERY = (
    ("Participants' faces in a video call grid during Workshop I", "Breakout room on building permits", 205),
    ("A shared whiteboard with sticky notes grouped into three themes", "The themes of Workshop II", 28),
    ("Slides of a presentation on open data shown in the meeting", "Expert clinic on open data", 140),
)
CREDIT = "Eventdesk network"


def _picture(hue: int, seed: int, width: int = 1400, height: int = 900) -> bytes:
    """A JPEG of soft bands and circles in one hue, standing in for a photo."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 6):
        shade = 0.35 + 0.5 * y / height
        draw.rectangle((0, y, width, y + 6), fill=_colour(hue, shade))
    for i in range(9):
        x = int(width * (0.1 + 0.8 * ((seed * 37 + i * 53) % 100) / 100))
        y = int(height * (0.15 + 0.7 * ((seed * 11 + i * 29) % 100) / 100))
        r = 40 + (i * 17 + seed) % 90
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_colour((hue + 20 * i) % 360, 0.85))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _colour(hue: int, light: float) -> tuple[int, int, int]:
    def channel(offset: float) -> int:
        return int(255 * light * (0.6 + 0.4 * math.cos(math.radians(hue + offset))))

    return channel(0), channel(120), channel(240)


def _slides(title: str) -> bytes:
    """A three-page PDF of plain slides."""
    pages = []
    for number, line in enumerate((title, "Challenges we heard", "Ideas we take forward"), 1):
        page = Image.new("RGB", (1280, 720), "white")
        draw = ImageDraw.Draw(page)
        draw.rectangle((0, 0, 1280, 90), fill=(13, 36, 56))
        draw.text((40, 30), "Digitalisation Working Group 2021", fill="white")
        draw.text((40, 300), line, fill=(13, 36, 56))
        draw.text((1180, 680), f"{number}/3", fill=(90, 100, 110))
        pages.append(page)
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:])
    return buffer.getvalue()


def seed_programme(event: Event) -> None:
    """Fill the working group's programme and send its follow-up (queued in the outbox)."""
    for session, (agenda, speakers) in zip(event.sessions, AGENDAS, strict=False):
        services.save_session_programme(session, agenda, "")
        for name, organisation, role, bio in speakers:
            services.add_speaker(session, services.SpeakerData(name, organisation, role, bio))
    first = event.sessions[0]
    services.add_link(
        event,
        title="Recording of Workshop I",
        url="https://video.example.org/digitalisation-working-group-2021/workshop-1",
        visibility=PARTICIPANTS,
        session_id=first.id,
    )
    services.add_file(
        event,
        title="Slides of Workshop I",
        data=_slides("Workshop I: Ideation"),
        filename="Workshop I – Ideation (slides).pdf",
        visibility=PARTICIPANTS,
        session_id=first.id,
    )
    services.add_link(
        event,
        title="Explanatory video about the workshops",
        url="https://video.example.org/digitalisation-working-group-2021/about",
        visibility=PUBLIC,
    )
    services.set_cover(
        event,
        services.PictureData(
            _picture(210, 1), "Abstract blue shapes: the working group's cover", credit="bank215 | adobe stock"
        ),
    )
    for seed, (alt, caption, hue) in enumerate(GALLERY, 2):
        services.add_gallery_picture(event, services.PictureData(_picture(hue, seed), alt, caption, CREDIT))
    draft = services.materials_draft(event)
    services.send_follow_up(event, services.Audience(AUDIENCE_CONFIRMED), draft.subject, draft.body)
