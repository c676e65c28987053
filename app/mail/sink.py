"""Development SMTP sink: accept every message on localhost and keep it as an .eml file for the dev mailbox."""

import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller
from flask import Flask

from app.mail.services import header_safe

# Stored names are "<nanoseconds since the epoch>-<random>": they sort by arrival and are safe in URLs.
_KEY = re.compile(r"^\d{19,20}-[0-9a-f]{8}$")
SUFFIX = ".eml"


@dataclass(frozen=True)
class StoredMessage:
    key: str
    received_at: datetime
    sender: str
    recipients: str
    subject: str


def mailbox_dir(app: Flask) -> Path:
    return Path(app.config.get("MAILBOX_DIR") or os.path.join(app.instance_path, "mailbox"))


def is_key(key: str) -> bool:
    return bool(_KEY.match(key))


def save_message(directory: Path, data: bytes, mail_from: str, rcpt_tos: list[str]) -> str:
    """Store one received message, with its envelope in X-Envelope-* headers, and return its key."""
    directory.mkdir(parents=True, exist_ok=True)
    key = f"{time.time_ns():020d}-{secrets.token_hex(4)}"
    envelope = (
        f"X-Envelope-From: <{header_safe(mail_from)}>\r\n"
        f"X-Envelope-To: {', '.join(header_safe(r) for r in rcpt_tos)}\r\n"
    ).encode("utf-8", "replace")
    # Written to a temporary file and renamed, so the mailbox never lists a half-written message.
    fd, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
    with os.fdopen(fd, "wb") as file:
        file.write(envelope + data)
    os.replace(temporary, directory / f"{key}{SUFFIX}")
    return key


def list_messages(directory: Path, limit: int = 200) -> tuple[list[StoredMessage], int]:
    """The newest ``limit`` messages, newest first, and how many there are in all."""
    if not directory.is_dir():
        return [], 0
    keys = sorted((p.stem for p in directory.glob(f"*{SUFFIX}") if is_key(p.stem)), reverse=True)
    summaries = []
    for key in keys[:limit]:
        path = directory / f"{key}{SUFFIX}"
        try:
            with path.open("rb") as file:
                headers = BytesParser(policy=policy.default).parse(file, headersonly=True)
        except OSError:
            continue  # removed while we were listing
        summaries.append(
            StoredMessage(
                key=key,
                received_at=received_at(key),
                sender=str(headers.get("From", "")),
                recipients=str(headers.get("To", "")),
                subject=str(headers.get("Subject", "")),
            )
        )
    return summaries, len(keys)


def received_at(key: str) -> datetime:
    return datetime.fromtimestamp(int(key.partition("-")[0]) / 1e9, UTC)


def raw_message(directory: Path, key: str) -> bytes | None:
    if not is_key(key):
        return None
    try:
        return (directory / f"{key}{SUFFIX}").read_bytes()
    except FileNotFoundError:
        return None


def load_message(directory: Path, key: str) -> EmailMessage | None:
    data = raw_message(directory, key)
    return None if data is None else BytesParser(policy=policy.default).parsebytes(data)


def clear_mailbox(directory: Path) -> int:
    """Delete every stored message; returns how many were deleted."""
    removed = 0
    for path in directory.glob(f"*{SUFFIX}") if directory.is_dir() else ():
        if is_key(path.stem):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


class MailboxHandler:
    """aiosmtpd handler that accepts every message and stores it."""

    def __init__(self, directory: Path):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        save_message(self.directory, data, envelope.mail_from, envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def start_sink(directory: Path, *, host: str = "127.0.0.1", port: int = 8025) -> Controller:
    """Start the sink in a background thread; call ``.stop()`` on the result to end it."""
    controller = Controller(MailboxHandler(directory), hostname=host, port=port, enable_SMTPUTF8=True)
    controller.start()
    return controller
