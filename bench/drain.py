"""Outbox drain, timed in a process of its own: ``python -m bench.drain project|reference``.

project:   the mail worker's own drain (``app.mail.worker.drain``), as ``flask mail worker`` runs it.
reference: plain smtplib over one connection, sending the same messages: the rows are read and built into
           MIME messages before the clock starts, so only the sending is timed.

The app's settings (DATABASE_URL, MAIL_SERVER, MAIL_PORT ...) come from the environment. Prints one JSON line.
"""

import json
import smtplib
import sys
import time

import sqlalchemy as sa


def project() -> dict:
    from app import create_app
    from app.mail import worker

    app = create_app()
    with app.app_context():
        due = worker.count_due()
        started = time.perf_counter()
        report = worker.drain()
        seconds = time.perf_counter() - started
    return {
        "due": due,
        "sent": len(report.sent),
        "failed": len(report.failed),
        "retrying": len(report.retrying),
        "seconds": seconds,
    }


def reference() -> dict:
    from app import create_app
    from app.extensions import db
    from app.mail.message import OutgoingMail, build_message, envelope_addresses
    from app.mail.models import OutboxMessage
    from app.types import utcnow

    app = create_app()
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        now = utcnow()
        messages = []
        for row in rows:
            message = build_message(OutgoingMail.from_row(row), date=now)
            sender, recipients = envelope_addresses(message)
            messages.append((sender, recipients, message.as_bytes()))
        config = app.config
        started = time.perf_counter()
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            for sender, recipients, data in messages:
                smtp.sendmail(sender, recipients, data)
        seconds = time.perf_counter() - started
    return {"due": len(messages), "sent": len(messages), "failed": 0, "retrying": 0, "seconds": seconds}


if __name__ == "__main__":
    print(json.dumps({"project": project, "reference": reference}[sys.argv[1]]()), flush=True)
