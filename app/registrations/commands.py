"""Registration housekeeping from the command line, and the worker's periodic expiry of unconfirmed ones."""

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from app.contact import services as contact
from app.extensions import db
from app.i18n import ngettext
from app.mail.worker import PERIODIC_JOBS
from app.registrations import services
from app.types import utcnow

registrations_cli = AppGroup("registrations", help="Registration housekeeping.")


@registrations_cli.command("expire")
def expire():
    """Expire registrations whose email address was not confirmed in time."""
    count = services.expire_unverified()
    db.session.commit()
    click.echo(
        ngettext("Expired %(num)d unconfirmed registration.", "Expired %(num)d unconfirmed registrations.", count)
    )


@registrations_cli.command("purge")
def purge():
    """Delete personal data of events that ended, and contact requests closed, over RETENTION_DAYS ago."""
    count = services.remove_old_personal_data()
    contacts = contact.remove_old_personal_data(utcnow() - timedelta(days=current_app.config["RETENTION_DAYS"]))
    db.session.commit()
    click.echo(
        ngettext(
            "Anonymised %(num)d registration of past events",
            "Anonymised %(num)d registrations of past events",
            count,
        )
        + " "
        + ngettext("and %(num)d old contact request.", "and %(num)d old contact requests.", contacts)
    )


def expire_job() -> None:
    """Run by the mail worker between drains."""
    if services.expire_unverified():
        db.session.commit()


COMMANDS = (registrations_cli,)


def register_periodic_jobs() -> None:
    if expire_job not in PERIODIC_JOBS:
        PERIODIC_JOBS.append(expire_job)


register_periodic_jobs()
