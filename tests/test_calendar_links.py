"""Add-to-calendar links, the .ics download, the feed and its page."""

from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

from app.calendar import links, views
from app.events import services as event_services
from app.extensions import db
from tests import factories
from tests.calendar_support import events_of, parse_all

BERLIN_SESSION = ((datetime(2020, 10, 7, 13, 0), datetime(2020, 10, 7, 15, 30)),)


def test_google_link_carries_utc_times_and_the_event_zone(app, desks):
    event = factories.make_event(desks.germany, sessions=BERLIN_SESSION, summary="Open data, e-services")
    url = links.google_link(event, event.sessions[0])
    assert url.startswith("https://calendar.google.com/calendar/render?action=TEMPLATE&")
    assert "&dates=20201007T110000Z/20201007T133000Z&" in url
    query = parse_qs(urlsplit(url).query)
    assert query["text"] == ["Digitalisation of Municipal Services"]
    assert query["location"] == ["Online"]
    assert query["ctz"] == ["Europe/Berlin"]
    assert f"http://localhost/events/{event.slug}" in query["details"][0]
    assert "Open data, e-services" in query["details"][0]
    assert "+" not in url  # spaces as %20


def test_outlook_links_carry_utc_times(app, desks):
    event = factories.make_event(desks.germany, sessions=BERLIN_SESSION)
    for host in ("outlook.live.com", "outlook.office.com"):
        url = links.outlook_link(event, event.sessions[0], host=host)
        assert url.startswith(
            f"https://{host}/calendar/0/deeplink/compose?path=/calendar/action/compose&rru=addevent&subject="
        )
        assert "&startdt=2020-10-07T11:00:00Z&enddt=2020-10-07T13:30:00Z&" in url
        query = parse_qs(urlsplit(url).query)
        assert query["location"] == ["Online"]
        assert query["subject"] == ["Digitalisation of Municipal Services"]
        assert "+" not in url


def test_links_with_a_personal_access_link(app, desks):
    event = factories.make_event(desks.germany, sessions=BERLIN_SESSION)
    [item] = links.session_links(event, "http://localhost/join/tok")
    assert "http://localhost/join/tok" in parse_qs(urlsplit(item.google).query)["details"][0]
    assert "http://localhost/join/tok" in parse_qs(urlsplit(item.office365).query)["body"][0]


def test_event_page_offers_the_download_and_links_for_every_session(app, client, desks):
    event = factories.make_event(
        desks.germany,
        sessions=(
            (datetime(2030, 10, 7, 13, 0), datetime(2030, 10, 7, 15, 30), "Workshop I"),
            (datetime(2030, 10, 14, 13, 0), datetime(2030, 10, 14, 15, 30), "Workshop II"),
        ),
    )
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert f'href="/events/{event.slug}.ics"' in html
    assert html.count("https://calendar.google.com/calendar/render?action=TEMPLATE") == 2
    assert unescape(html).count("https://outlook.live.com/calendar/0/deeplink/compose?") == 2
    assert unescape(html).count("https://outlook.office.com/calendar/0/deeplink/compose?") == 2
    assert "dates=20301007T110000Z/20301007T133000Z" in unescape(html)
    assert 'href="/calendar"' in html


def test_download_is_a_publish_calendar_of_the_event(app, client, desks):
    event = factories.make_event(desks.germany)
    response = client.get(f"/events/{event.slug}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{event.slug}.ics"'
    calendar = parse_all(response.get_data(as_text=True))
    assert calendar["METHOD"] == "PUBLISH"
    assert len(events_of(calendar)) == 1


def test_drafts_have_no_download_and_stay_out_of_the_feed(app, client, desks):
    draft = factories.make_event(desks.germany, title="Secret draft", publish=False)
    assert client.get(f"/events/{draft.slug}.ics").status_code == 404
    assert client.get("/events/no-such-event.ics").status_code == 404
    assert "Secret draft" not in client.get("/calendar/feed.ics").get_data(as_text=True)


def test_feed_lists_published_and_cancelled_events(app, client, desks, monkeypatch):
    monkeypatch.setattr(views, "now", lambda: datetime(2030, 1, 1, tzinfo=UTC))
    published = factories.make_event(desks.germany, title="Published event")
    cancelled = factories.make_event(desks.tbilisi, title="Called off", zone="Asia/Tbilisi")
    event_services.cancel_event(cancelled)
    ended_long_ago = factories.make_event(
        desks.germany, title="Long ago", sessions=((datetime(2027, 5, 1, 10), datetime(2027, 5, 1, 12)),)
    )
    db.session.commit()

    response = client.get("/calendar/feed.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = parse_all(response.get_data(as_text=True))
    by_summary = {str(v["SUMMARY"]): v for v in events_of(calendar)}
    assert set(by_summary) == {"Published event", "Cancelled: Called off"}
    assert str(by_summary["Cancelled: Called off"]["STATUS"]) == "CANCELLED"
    assert str(by_summary["Published event"]["STATUS"]) == "CONFIRMED"
    assert ended_long_ago.title not in response.get_data(as_text=True)
    assert published.sessions[0].starts_at - datetime(2030, 1, 1, tzinfo=UTC) > timedelta(0)


def test_feed_page_explains_the_subscription(app, client):
    html = client.get("/calendar").get_data(as_text=True)
    assert 'href="webcal://localhost/calendar/feed.ics"' in html
    assert (
        'href="https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Flocalhost%2Fcalendar%2Ffeed.ics"' in html
    )
    assert 'for="feed-address"' in html
    assert "<script>" not in html and "style=" not in html
