import click
from flask.cli import AppGroup

from app.calendar import reminders
from app.extensions import db
from app.i18n import ngettext
from app.mail import worker

reminders_cli = AppGroup("reminders", help="Session reminders by email.")


@reminders_cli.command("send")
def send():
    """Queue the reminders due now (24 hours and 1 hour before each session); safe to run often."""
    count = reminders.send_due_reminders()
    db.session.commit()
    click.echo(ngettext("Queued %(num)d reminder.", "Queued %(num)d reminders.", count))


def reminders_job() -> None:
    """Run by the mail worker on every loop: queue due reminders and commit them."""
    if reminders.send_due_reminders():
        db.session.commit()


# Reminders go out without a scheduler of their own: every mail worker runs the job between drains.
if reminders_job not in worker.PERIODIC_JOBS:
    worker.PERIODIC_JOBS.append(reminders_job)

COMMANDS = (reminders_cli,)
