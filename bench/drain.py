"""Outbox drain, timed in a process of its own: ``python -m bench.drain project [COUNT]`` or
``python -m bench.drain reference [START COUNT]``.

project:   the mail worker's own drain (``app.mail.worker.drain``), as ``flask mail worker`` runs it: COUNT
           messages (all that are due without it).
reference: the least a sender of the same rows needs: one SELECT of the rows (COUNT of them from the START-th,
           by id; all without them), the same MIME builder (app.mail.message.build_message) for each, and plain
           smtplib over one connection. No claims, leases, retries or status updates.

The app's settings (DATABASE_URL, MAIL_SERVER, MAIL_PORT ...) come from the environment. Prints one JSON line.
"""

import json
import smtplib
import sys
import time

import sqlalchemy as sa


def project(count: int | None = None) -> dict:
    from app import create_app
    from app.mail import worker

    app = create_app()
    with app.app_context():
        due = worker.count_due()
        started = time.perf_counter()
        report = worker.drain(limit=count)
        seconds = time.perf_counter() - started
    return {
        "due": due,
        "sent": len(report.sent),
        "failed": len(report.failed),
        "retrying": len(report.retrying),
        "seconds": seconds,
    }


def reference(start: int = 0, count: int | None = None) -> dict:
    from app import create_app
    from app.extensions import db
    from app.mail.message import OutgoingMail, build_message, envelope_addresses
    from app.mail.models import OutboxMessage
    from app.types import utcnow

    app = create_app()
    with app.app_context():
        config = app.config
        started = time.perf_counter()
        rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id).offset(start).limit(count)).all()
        mails = [OutgoingMail.from_row(row) for row in rows]
        db.session.rollback()
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            for mail in mails:
                message = build_message(mail, date=utcnow())
                sender, recipients = envelope_addresses(message)
                smtp.send_message(message, sender, recipients)
        seconds = time.perf_counter() - started
    return {"due": len(mails), "sent": len(mails), "failed": 0, "retrying": 0, "seconds": seconds}


if __name__ == "__main__":
    numbers = [int(argument) for argument in sys.argv[2:]]
    if sys.argv[1] == "project":
        print(json.dumps(project(*numbers)), flush=True)
    else:
        print(json.dumps(reference(*numbers)), flush=True)
