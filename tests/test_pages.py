"""Every page of the demo, public and the dashboard's: element ids are unique and every label names a field.

A duplicate id makes a label focus another form's field and leaves the second field without an accessible
name (an event page once carried the registration and the contact form with the same ids).
"""

from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest

from app.extensions import db
from app.seed import DEMO_ACCOUNTS, seed
from tests.factories import personal_pages

MAX_PAGES = 400
SKIPPED_SUFFIXES = (".ics", ".json", ".csv", ".png", ".jpg", ".css", ".js")


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.label_targets: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id") is not None:
            self.ids.append(attributes["id"])
        if tag == "label" and attributes.get("for"):
            self.label_targets.append(attributes["for"])
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])


def problems_of(html: str) -> tuple[list[str], list[str]]:
    parser = PageParser()
    parser.feed(html)
    ids = Counter(parser.ids)
    duplicates = sorted(name for name, count in ids.items() if count > 1)
    broken = [f"label for={target!r}" for target in parser.label_targets if target not in ids]
    duplicates += [f"two labels for {t!r}" for t, n in Counter(parser.label_targets).items() if n > 1]
    return duplicates, broken, parser.links


def crawl(client, starts: list[str], *, inside: str = "/") -> dict[str, list[str]]:
    """GET every same-site page reachable from ``starts`` under ``inside``; return the problems by page."""
    seen, queue, problems, pages = set(), deque(starts), {}, 0
    while queue and pages < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code >= 500:
            problems[path] = [f"status {response.status_code}"]
            continue
        if not response.content_type.startswith("text/html"):
            continue
        pages += 1
        duplicates, broken, links = problems_of(response.get_data(as_text=True))
        if duplicates or broken:
            problems[path] = duplicates + broken
        for link in links:
            target = urldefrag(link)[0]
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not target.startswith(inside) or target in seen:
                continue
            if parts.path.endswith(SKIPPED_SUFFIXES) or parts.path in ("/logout",):
                continue
            queue.append(target)
    assert pages > 5, f"only {pages} pages crawled from {starts}"
    return problems


@pytest.fixture
def demo(app):
    created = seed()
    db.session.commit()
    return created


def test_every_public_page_of_the_demo_has_unique_ids(app, client, demo):
    starts = ["/", "/contact", "/calendar", "/privacy", "/login", *personal_pages(demo["roundtable"])]
    problems = crawl(client, starts)
    # Pages answering a form with its errors: the registration form on the event page, and the contact form.
    for path, response in (
        (f"/events/{demo['roundtable'].slug}/register", client.post(f"/events/{demo['roundtable'].slug}/register")),
        ("/contact", client.post("/contact", data={"name": "x"})),
    ):
        assert response.status_code in (400, 422), path
        duplicates, broken, _ = problems_of(response.get_data(as_text=True))
        if duplicates or broken:
            problems[f"POST {path}"] = duplicates + broken
    assert problems == {}


def test_every_dashboard_page_of_the_demo_has_unique_ids(app, client, demo):
    email, _name, _position, _desks, _admin, password = next(a for a in DEMO_ACCOUNTS if a[4])
    assert client.post("/login", data={"email": email, "password": password}).status_code == 302
    problems = crawl(client, ["/dashboard/"], inside="/dashboard")
    # The edit page's "check before saving" step, with its message field.
    event = demo["roundtable"]
    edit = client.get(f"/dashboard/events/{event.id}/edit").get_data(as_text=True)
    duplicates, broken, _ = problems_of(edit)
    assert "sessions-0-local_start" in edit
    assert problems == {} and not duplicates and not broken
