import click
from flask.cli import AppGroup

from app.calendar import reminders
from app.extensions import db

reminders_cli = AppGroup("reminders", help="Session reminders by email.")


@reminders_cli.command("send")
def send():
    """Queue the reminders due now (24 hours and 1 hour before each session); safe to run often."""
    count = reminders.send_due_reminders()
    db.session.commit()
    click.echo(f"Queued {count} reminder{'s' if count != 1 else ''}.")


def reminders_job() -> None:
    """Run by the mail worker on every loop: queue due reminders and commit them."""
    if reminders.send_due_reminders():
        db.session.commit()


COMMANDS = (reminders_cli,)
