"""`flask mail ...`: send the outbox, run a worker, run the development SMTP sink, queue a test email."""

import contextlib
import logging
import signal
import threading
from email.header import decode_header, make_header

import click
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.i18n import ngettext
from app.mail import services, sink, worker

mail_cli = AppGroup("mail", help="Send the outbox and work with email.")

# Below this many messages a progress bar is more noise than help.
PROGRESS_THRESHOLD = 20


@contextlib.contextmanager
def _stop_on_signals():
    """An Event set by the first SIGTERM or SIGINT; a second one acts as it normally would."""
    stop = threading.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.getsignal(sig) for sig in signals}

    def handle(signum, _frame):
        # Event.set() takes the event's lock, which the interrupted main thread may hold inside stop.wait():
        # set it from another thread, or the handler can wait for that lock forever.
        threading.Thread(target=stop.set, daemon=True).start()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        click.echo(f"{signal.Signals(signum).name} received: stopping after the current message.", err=True)

    for sig in signals:
        # A signal ignored at start stays ignored: `make run` starts the sink and the worker as background
        # jobs, which ignore Ctrl+C's SIGINT, and stops them with one SIGTERM once the server is down.
        if previous[sig] is not signal.SIG_IGN:
            signal.signal(sig, handle)
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _echo_outcomes(report: worker.DrainReport) -> None:
    for outcome in report.outcomes:
        recipient = str(make_header(decode_header(outcome.recipient)))
        line = f"#{outcome.id} {outcome.kind} to {recipient}: {outcome.subject}"
        if outcome.status == worker.OUTCOME_SENT:
            click.echo(f"sent        {line}")
        elif outcome.status == worker.OUTCOME_RETRY:
            when = f"{outcome.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC"
            click.echo(f"will retry  {line}\n            at {when}: {outcome.error}")
        elif outcome.status == worker.OUTCOME_FAILED:
            click.echo(f"failed      {line}\n            {outcome.error}")
        else:
            click.echo(f"taken over  {line} (its lease ran out; another worker has it)")


def _echo_summary(report: worker.DrainReport) -> None:
    click.echo(f"Sent {len(report.sent)}, will retry {len(report.retrying)}, failed {len(report.failed)}.")
    if report.relay_error:
        click.echo(f"Stopped: the SMTP server is unavailable ({report.relay_error}).", err=True)


@mail_cli.command("send")
@click.option("--limit", type=click.IntRange(min=1), help="Send at most this many messages.")
def send_command(limit: int | None) -> None:
    """Send every message that is due now, once, and report what happened."""
    due = worker.count_due()
    if due == 0:
        click.echo("Nothing to send.")
        return
    limit = min(limit or due, due)
    if limit >= PROGRESS_THRESHOLD:
        with click.progressbar(length=limit, label=f"Sending {limit} messages") as bar:
            report = worker.drain(limit=limit, on_outcome=lambda _outcome: bar.update(1))
    else:
        report = worker.drain(limit=limit)
    _echo_outcomes(report)
    _echo_summary(report)
    if report.relay_error:
        raise SystemExit(1)


@mail_cli.command("worker")
@click.option("--poll", type=click.FloatRange(min=0.1), help="Seconds between rounds (default: MAIL_POLL_SECONDS).")
def worker_command(poll: float | None) -> None:
    """Send the outbox continuously and run the periodic jobs; stops cleanly on SIGTERM or Ctrl+C."""
    config = current_app.config
    poll = poll or config["MAIL_POLL_SECONDS"]
    click.echo(
        f"Mail worker: SMTP {config['MAIL_SERVER']}:{config['MAIL_PORT']}, every {poll:g} s, "
        + ngettext("%(num)d periodic job.", "%(num)d periodic jobs.", len(worker.PERIODIC_JOBS))
        + " Ctrl+C stops."
    )

    def report(drained: worker.DrainReport) -> None:
        if drained.outcomes or drained.relay_error:
            _echo_outcomes(drained)
            if drained.relay_error:
                click.echo(f"The SMTP server is unavailable ({drained.relay_error}); trying again.", err=True)

    with _stop_on_signals() as stop:
        worker.run(stop, poll_seconds=poll, on_report=report)
    click.echo("Mail worker stopped.")


@mail_cli.command("sink")
@click.option("--port", type=click.IntRange(1, 65535), help="Port to listen on (default: MAIL_SINK_PORT).")
def sink_command(port: int | None) -> None:
    """Development SMTP server on 127.0.0.1 that keeps every message for the dev mailbox."""
    port = port or current_app.config["MAIL_SINK_PORT"]
    directory = sink.mailbox_dir(current_app)
    # aiosmtpd logs every SMTP command at INFO; the saved messages say all that matters here.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    try:
        controller = sink.start_sink(directory, port=port)
    except (OSError, RuntimeError) as error:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {error}") from error
    click.echo(f"SMTP sink on 127.0.0.1:{port}, saving messages to {directory}. Ctrl+C stops.")
    try:
        with _stop_on_signals() as stop:
            # A bounded wait, so the signal handler gets to run promptly on every platform.
            while not stop.wait(1):
                pass
    finally:
        controller.stop()
    click.echo("SMTP sink stopped.")


@mail_cli.command("test")
@click.argument("address")
@click.option("--send", "send_now", is_flag=True, help="Send it right away instead of leaving it to a worker.")
def test_command(address: str, send_now: bool) -> None:
    """Queue a test email to ADDRESS."""
    try:
        address = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="ADDRESS") from error
    message = services.queue_test_message(address, requested_by="the command line")
    db.session.commit()
    click.echo(f"Queued test message #{message.id} to {address} ({message.message_id}).")
    if not send_now:
        click.echo("A running `flask mail worker` sends it; or run `flask mail send`.")
        return
    report = worker.drain(only_id=message.id)
    _echo_outcomes(report)
    if not report.sent:
        raise SystemExit(1)


COMMANDS = (mail_cli,)
