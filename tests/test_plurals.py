"""Counts read right in English: "1 seat left", "1 confirmed participant", never "1 ... participants"."""

import re
from datetime import timedelta
from pathlib import Path

from app.calendar.access import countdown_text
from tests.factories import make_event

ROOT = Path(__file__).resolve().parent.parent
# An "s" glued on by a condition, or "(s)": both give "1 participants" or "1 job(s)" in some case, and
# neither can be translated. Counts go through ngettext (app.i18n) or {% trans count=... %}.
HAND_MADE_PLURAL = re.compile(r"""['"]s['"] if |\w\(s\)""")


def test_no_hand_made_plurals_in_code_or_templates():
    offenders = []
    for path in [*ROOT.joinpath("app").rglob("*.py"), *ROOT.joinpath("templates").rglob("*.*")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if HAND_MADE_PLURAL.search(line) and "http(s)" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_countdown_uses_singular_and_plural(app):
    assert countdown_text(timedelta(days=1, hours=1)) == "1 day 1 hour"
    assert countdown_text(timedelta(days=2, hours=3)) == "2 days 3 hours"
    assert countdown_text(timedelta(hours=1, minutes=1)) == "1 hour 1 minute"


def test_one_seat_left_is_singular(client, desks):
    event = make_event(desks.tbilisi, capacity=1)
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "1 seat left." in page and "1 seats" not in page
