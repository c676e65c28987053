"""The public "Show times in" field: a zone it does not know is an error next to the field, with matches."""

from tests.factories import make_event


def test_an_unknown_zone_is_said_next_to_the_field_with_suggestions(client, desks):
    event = make_event(desks.tbilisi)
    response = client.post("/preferences/timezone", data={"tz": "Moscow", "next": f"/events/{event.slug}"})
    assert response.status_code == 302 and response.location == f"/events/{event.slug}"
    assert "tz=" not in response.headers.get("Set-Cookie", "")
    page = client.get(response.location).get_data(as_text=True)
    assert 'aria-invalid="true"' in page and 'id="tz-error"' in page
    assert "“Moscow” is not a time zone we know. Did you mean one of these?" in page
    assert f'href="/events/{event.slug}?tz=Europe/Moscow#reader-zone">Europe/Moscow</a>' in page
    assert 'value="Moscow"' in page  # what the reader typed stays in the field
    # The suggestion shows the page in that zone.
    assert "Moscow" in client.get(f"/events/{event.slug}?tz=Europe/Moscow").get_data(as_text=True)


def test_no_match_still_explains(client, desks):
    response = client.post("/preferences/timezone", data={"tz": "qqqq", "next": "/"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "“qqqq” is not a time zone we know. Type a city and choose from the list" in page


def test_a_known_zone_is_still_remembered(client, desks):
    response = client.post("/preferences/timezone", data={"tz": "Asia/Tbilisi", "next": "/"})
    assert "tz=Asia/Tbilisi" in response.headers["Set-Cookie"]
    page = client.get("/").get_data(as_text=True)
    assert 'id="tz-error"' not in page


def test_the_error_shows_once(client, desks):
    client.post("/preferences/timezone", data={"tz": "Moscow", "next": "/"})
    assert 'id="tz-error"' in client.get("/").get_data(as_text=True)
    assert 'id="tz-error"' not in client.get("/").get_data(as_text=True)
