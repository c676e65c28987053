"""The reference: a bare Flask app that does the least each measured step needs (``bench.reference:create_app()``).

- ``GET /page``: the project's event page, as bytes held in memory.
- ``GET /events/<slug>``: the same bytes with a fresh CSRF token in the registration form.
- ``POST /events/<slug>/register``: CSRF check, one conditional UPDATE for the seat, one INSERT, commit, redirect.
- ``GET|POST /r/confirm/<token>``: a form with a CSRF token; the POST marks the registration confirmed (one
  UPDATE), commits and redirects.

Settings come from the environment: REFERENCE_DATABASE_URL, REFERENCE_PAGE (a file with the page and
``REFERENCE_TOKEN_SLOT`` where the CSRF token goes), SECRET_KEY.
"""

import os
import secrets

import sqlalchemy as sa
from flask import Flask, Response, abort, redirect, request
from flask_wtf.csrf import CSRFProtect, generate_csrf

TOKEN_SLOT = b"REFERENCE_TOKEN_SLOT"

TAKE_SEAT = sa.text("UPDATE ref_events SET taken = taken + 1 WHERE id = 1 AND taken < capacity RETURNING taken")
INSERT = sa.text(
    "INSERT INTO ref_registrations (email, name, organisation, country, timezone, token, seat, confirmed) "
    "VALUES (:email, :name, :organisation, :country, :timezone, :token, :seat, false)"
)
CONFIRM = sa.text("UPDATE ref_registrations SET confirmed = true WHERE token = :token AND NOT confirmed")
CONFIRM_PAGE = (
    "<!doctype html><title>Confirm</title><form method='post'>"
    "<input type='hidden' name='csrf_token' value='{token}'><button>Confirm my email address</button></form>"
)


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY=os.environ["SECRET_KEY"], WTF_CSRF_TIME_LIMIT=None)
    CSRFProtect(app)
    engine = sa.create_engine(os.environ["REFERENCE_DATABASE_URL"])
    with open(os.environ["REFERENCE_PAGE"], "rb") as page_file:
        page_template = page_file.read()
    static_page = page_template.replace(TOKEN_SLOT, b"static")

    @app.get("/page")
    def page():
        return Response(static_page, mimetype="text/html")

    @app.get("/events/<slug>")
    def event_page(slug: str):
        return Response(page_template.replace(TOKEN_SLOT, generate_csrf().encode()), mimetype="text/html")

    @app.post("/events/<slug>/register")
    def register(slug: str):
        form = request.form
        with engine.begin() as conn:
            seat = conn.execute(TAKE_SEAT).first() is not None
            conn.execute(
                INSERT,
                {
                    "email": form.get("email", ""),
                    "name": form.get("name", ""),
                    "organisation": form.get("organisation", ""),
                    "country": form.get("country", ""),
                    "timezone": form.get("timezone", ""),
                    "token": secrets.token_urlsafe(32),
                    "seat": seat,
                },
            )
        return redirect(f"/events/{slug}/registered")

    @app.route("/r/confirm/<token>", methods=["GET", "POST"])
    def confirm(token: str):
        if request.method == "GET":
            return CONFIRM_PAGE.format(token=generate_csrf())
        with engine.begin() as conn:
            if conn.execute(CONFIRM, {"token": token}).rowcount != 1:
                abort(404)
        return redirect("/r/done")

    return app


REFERENCE_SCHEMA = (
    "CREATE TABLE ref_events (id integer PRIMARY KEY, capacity integer NOT NULL, taken integer NOT NULL)",
    "CREATE TABLE ref_registrations (id serial PRIMARY KEY, email varchar(254), name varchar(200), "
    "organisation varchar(200), country varchar(2), timezone varchar(64), token varchar(64) UNIQUE, "
    "seat boolean NOT NULL, confirmed boolean NOT NULL)",
)
