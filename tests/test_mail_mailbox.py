"""The development mailbox: what the SMTP sink received, readable in the browser, only in development."""

import re
from pathlib import Path

import pytest
from flask import current_app

from app.extensions import db
from app.locales import LANGUAGE_COOKIE
from app.mail import services, sink, worker
from app.mail.mailbox import linkify
from tests.factories import free_port

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Eventdesk//Tests//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:invite-1@eventdesk.test\r\nSEQUENCE:0\r\nDTSTAMP:20301001T090000Z\r\n"
    "DTSTART:20301007T110000Z\r\nDTEND:20301007T133000Z\r\nSUMMARY:Workshop I\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.fixture
def sink_server(app):
    """The development sink on a free port, storing into MAILBOX_DIR; the app sends to it."""
    port = free_port()
    controller = sink.start_sink(Path(app.config["MAILBOX_DIR"]), port=port)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield controller
    controller.stop()


def deliver_invite() -> str:
    """Queue an invite with a calendar part, send it through the sink, and return the stored key."""
    services.queue_email(
        kind="invite",
        to="tamar@example.org",
        to_name="Tamar Lomidze",
        template="test_message",
        context={"requested_by": "Nino Beridze"},
        calendar=services.CalendarPart("REQUEST", ICS),
    )
    db.session.commit()
    assert [o.status for o in worker.drain().outcomes] == ["sent"]
    return keys_in_mailbox()[0]


def keys_in_mailbox() -> list[str]:
    messages, _total = sink.list_messages(sink.mailbox_dir(current_app))
    return [m.key for m in messages]


@pytest.mark.app_config(DEV_MAILBOX=True)
def test_mailbox_lists_and_shows_a_delivered_message(app, client, sink_server):
    key = deliver_invite()

    listing = client.get("/dev/mailbox/")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    assert "Test message from Eventdesk" in page
    assert "Tamar Lomidze &lt;tamar@example.org&gt;" in page
    assert "Eventdesk &lt;events@eventdesk.localhost&gt;" in page
    assert f'href="/dev/mailbox/{key}"' in page

    shown = client.get(f"/dev/mailbox/{key}")
    assert shown.status_code == 200
    assert shown.headers["Referrer-Policy"] == "no-referrer"
    page = shown.get_data(as_text=True)
    assert "Message-ID" in page and "Auto-Submitted" in page and "auto-generated" in page
    assert "requested by Nino Beridze" in page
    assert f'src="/dev/mailbox/{key}/html" sandbox="allow-popups allow-popups-to-escape-sandbox"' in page
    assert "<script" not in page.replace('<script src="/static/js/site.js" defer></script>', "")
    assert 'style="' not in page
    assert "invite.ics" in page
    assert "text/calendar; method=REQUEST" in page

    html = client.get(f"/dev/mailbox/{key}/html")
    assert html.status_code == 200
    assert html.mimetype == "text/html"
    assert "<p>Hello,</p>" in html.get_data(as_text=True)
    csp = html.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "frame-ancestors 'self'" in csp
    assert "script-src" not in csp
    assert html.headers["X-Frame-Options"] == "SAMEORIGIN"

    downloads = dict(re.findall(r'href="(/dev/mailbox/[^"]+/parts/\d+)">([^<]+)</a>', page))
    assert sorted(downloads.values()) == ["invite.ics", "part-4.ics"]
    for url in downloads:
        part = client.get(url)
        assert part.status_code == 200
        assert part.headers["Content-Disposition"].startswith("attachment")
        assert part.get_data(as_text=True) == ICS
    by_name = {name: url for url, name in downloads.items()}
    assert client.get(by_name["part-4.ics"]).mimetype == "text/calendar"
    assert client.get(by_name["invite.ics"]).mimetype == "application/ics"

    raw = client.get(f"/dev/mailbox/{key}/message.eml")
    assert raw.mimetype == "message/rfc822"
    assert b"X-Envelope-To: tamar@example.org" in raw.data


@pytest.mark.app_config(DEV_MAILBOX=True)
def test_mailbox_names_headers_in_the_readers_language(app, client, sink_server):
    key = deliver_invite()
    client.set_cookie(LANGUAGE_COOKIE, "de")

    page = client.get(f"/dev/mailbox/{key}").get_data(as_text=True)
    rows = re.findall(r'<th scope="row">([^<]+)</th>', page)
    assert {"Betreff", "Von", "An", "Datum", "Message-ID"} <= set(rows)
    assert not {"Subject", "From", "To", "Date"} & set(rows)
    assert "Auto-Submitted" in rows  # no words of the interface for it: as the message names it


@pytest.mark.app_config(DEV_MAILBOX=True)
def test_mailbox_is_linked_from_every_page_and_starts_empty(app, client):
    assert 'href="/dev/mailbox/"' in client.get("/login").get_data(as_text=True)
    assert "No messages yet" in client.get("/dev/mailbox/").get_data(as_text=True)


@pytest.mark.app_config(DEV_MAILBOX=True)
@pytest.mark.parametrize(
    "path",
    ["/dev/mailbox/..%2F..%2Fetc%2Fpasswd", "/dev/mailbox/1700000000000000000-deadbeef", "/dev/mailbox/x/html"],
)
def test_unknown_or_crafted_message_keys_are_404(app, client, path):
    assert client.get(path).status_code == 404


@pytest.mark.app_config(DEV_MAILBOX=True)
def test_a_part_number_that_does_not_exist_is_404(app, client, sink_server):
    key = deliver_invite()
    assert client.get(f"/dev/mailbox/{key}/parts/99").status_code == 404
    assert client.get(f"/dev/mailbox/{key}/parts/0").status_code == 404  # the multipart container


@pytest.mark.app_config(DEV_MAILBOX=True)
def test_clearing_the_mailbox(app, client, sink_server):
    deliver_invite()

    response = client.post("/dev/mailbox/clear")

    assert response.status_code == 302
    assert keys_in_mailbox() == []
    assert client.get("/dev/mailbox/clear").status_code in (404, 405)


def test_mailbox_routes_do_not_exist_without_dev_mailbox(app, client):
    assert app.config["DEV_MAILBOX"] is False
    assert not [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/dev/")]
    assert client.get("/dev/mailbox/").status_code == 404
    assert "Mailbox (dev)" not in client.get("/login").get_data(as_text=True)


def test_production_config_has_no_mailbox():
    from config import ProductionConfig

    assert ProductionConfig.DEV_MAILBOX is False


def test_linkify_escapes_text_and_links_urls():
    text = 'Confirm: https://eventdesk.example/r/abc?x=1&y=2. <b>not bold</b> "http://a.example/x"'
    html = str(linkify(text))
    assert '<a href="https://eventdesk.example/r/abc?x=1&amp;y=2" rel="noopener noreferrer">' in html
    assert "</a>. &lt;b&gt;not bold&lt;/b&gt;" in html
    assert '&#34;<a href="http://a.example/x"' in html
