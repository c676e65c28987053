"""The coordinators' digest from the command line, and as a periodic job of the mail worker."""

import click
from flask.cli import AppGroup

from app.dashboard import digest
from app.extensions import db
from app.i18n import ngettext
from app.mail import worker

digest_cli = AppGroup("digest", help="Coordinators' digest of waiting work.")


@digest_cli.command("send")
def send():
    """Queue the digests that are due now; safe to run often."""
    count = digest.send_digests()
    db.session.commit()
    click.echo(ngettext("Queued %(num)d digest.", "Queued %(num)d digests.", count))


def digest_job() -> None:
    if digest.send_digests():
        db.session.commit()


if digest_job not in worker.PERIODIC_JOBS:
    worker.PERIODIC_JOBS.append(digest_job)

COMMANDS = (digest_cli,)
