import click
from flask.cli import AppGroup

from app.extensions import db
from app.i18n import ngettext
from app.mail import worker
from app.participation import feedback

feedback_cli = AppGroup("feedback", help="Feedback surveys.")


@feedback_cli.command("send")
def send():
    """Queue the survey invitations that are due (sessions ended, survey open); safe to run often."""
    count = feedback.send_due_invitations()
    db.session.commit()
    click.echo(ngettext("Queued %(num)d survey invitation.", "Queued %(num)d survey invitations.", count))


def feedback_job() -> None:
    """Run by the mail worker on every loop: invite participants once the sessions a survey follows end."""
    if feedback.send_due_invitations():
        db.session.commit()


if feedback_job not in worker.PERIODIC_JOBS:
    worker.PERIODIC_JOBS.append(feedback_job)

COMMANDS = (feedback_cli,)
