"""SMTP delivery through smtplib, configured with the ``MAIL_*`` settings Flask-Mail made familiar.

Messages are built with the ``email`` package and handed to ``smtplib`` directly (Flask-Mail is not used):
Flask-Mail's ``Message`` cannot express a ``text/calendar; method=...`` part inside ``multipart/alternative``,
and its ``Connection`` opens sockets without a timeout (a stalled relay would hold a message past its lease),
starts TLS without verifying the server's certificate, reads the settings once at start-up and drops every
message while ``TESTING`` is on. The setting names stay those of Flask-Mail (``MAIL_SERVER``, ``MAIL_PORT``,
``MAIL_USE_TLS``, ``MAIL_USE_SSL``, ``MAIL_USERNAME``, ``MAIL_PASSWORD``, ``MAIL_MAX_EMAILS``) plus
``MAIL_TIMEOUT``.
"""

import logging
import select
import smtplib
import ssl
import time
from collections.abc import Mapping
from email.message import EmailMessage
from typing import NoReturn

log = logging.getLogger(__name__)

# A connection unused for longer than this is asked (NOOP) whether it still answers before the next message;
# one used more recently is only checked for a close or a "421" the relay sent meanwhile, without a round trip.
IDLE_CHECK_SECONDS = 5.0


class DeliveryError(Exception):
    """The relay did not take the message; ``permanent`` says whether trying again can help."""

    def __init__(self, reason: str, *, permanent: bool):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class RelayUnavailable(DeliveryError):
    """No usable connection to the relay (refused, timed out, TLS or login failed): nothing was sent."""

    def __init__(self, reason: str):
        super().__init__(reason, permanent=False)


def describe(error: BaseException) -> str:
    """A one-line account of an SMTP or socket error, with the server's reply when there is one."""
    if isinstance(error, smtplib.SMTPResponseException):
        return _reply(error.smtp_code, error.smtp_error)
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {' '.join(text.split())}".strip()


def _reply_error(code: int, reply: bytes | str) -> DeliveryError:
    # RFC 5321: 4yz is a transient negative reply, 5yz a permanent one. Anything else (smtplib uses -1 for a
    # reply it could not read) is treated as transient.
    return DeliveryError(_reply(code, reply), permanent=500 <= code <= 599)


class _TrackedMail:
    """smtplib's client, noting whether the relay took the sender (MAIL FROM) of the message being sent: until
    it has, nothing of the message was handed over."""

    sender_taken = False

    def mail(self, sender, options=()):
        self.sender_taken = False
        reply = super().mail(sender, options)
        self.sender_taken = reply[0] == 250
        return reply


class _SMTP(_TrackedMail, smtplib.SMTP):
    pass


class _SMTP_SSL(_TrackedMail, smtplib.SMTP_SSL):  # noqa: N801 - smtplib's name, with the marker
    pass


def _closed_before_sending(smtp: smtplib.SMTP, error: BaseException) -> bool:
    """Whether the relay closed the connection (or said "421", closing) before it took this message's sender."""
    if getattr(smtp, "sender_taken", True):
        return False
    if isinstance(error, smtplib.SMTPSenderRefused):
        return error.smtp_code == 421
    return isinstance(error, (smtplib.SMTPServerDisconnected, OSError))


class SMTPRelay:
    """One SMTP connection, opened on the first message and reused until an error or ``close()``."""

    def __init__(self, config: Mapping):
        self.host = config.get("MAIL_SERVER") or "127.0.0.1"
        self.port = int(config.get("MAIL_PORT") or 25)
        self.use_ssl = bool(config.get("MAIL_USE_SSL"))
        self.use_tls = bool(config.get("MAIL_USE_TLS")) and not self.use_ssl
        self.username = config.get("MAIL_USERNAME")
        self.password = config.get("MAIL_PASSWORD")
        self.timeout = float(config.get("MAIL_TIMEOUT") or 30)
        self.max_per_connection = config.get("MAIL_MAX_EMAILS") or None
        self._smtp: smtplib.SMTP | None = None
        self._sent_on_connection = 0
        self._last_used = 0.0

    def __enter__(self) -> "SMTPRelay":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def send(self, message: EmailMessage, from_addr: str, to_addrs: list[str]) -> None:
        """Hand ``message`` to the relay; raises DeliveryError (or RelayUnavailable) when it is not accepted."""
        smtp = self._connection()
        reused = self._sent_on_connection > 0
        try:
            # send_message adds SMTPUTF8 by itself when an address is not ASCII.
            smtp.send_message(message, from_addr, to_addrs)
        except (smtplib.SMTPException, OSError) as error:
            if not (reused and _closed_before_sending(smtp, error)):
                self._fail(smtp, error)
            # The relay closed a connection kept from an earlier message before it took anything of this one
            # (a close the check before sending could not see yet): a new connection tries once more.
            self.close()
            smtp = self._connection()
            try:
                smtp.send_message(message, from_addr, to_addrs)
            except (smtplib.SMTPException, OSError) as retry_error:
                self._fail(smtp, retry_error)
        self._sent_on_connection += 1
        self._last_used = time.monotonic()
        if self.max_per_connection and self._sent_on_connection >= self.max_per_connection:
            self.close()

    def _fail(self, smtp: smtplib.SMTP, error: BaseException) -> NoReturn:
        """Raise the DeliveryError that ``error`` (raised while sending on ``smtp``) stands for."""
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            code, reply = next(iter(error.recipients.values()))
            # smtplib closes the socket itself on a 421 at RCPT (and resets the transaction otherwise).
            self._drop_if_closed(smtp, code)
            raise _reply_error(code, reply) from error
        if isinstance(error, smtplib.SMTPResponseException):
            self._drop_if_closed(smtp, error.smtp_code)
            raise _reply_error(error.smtp_code, error.smtp_error) from error
        if isinstance(error, smtplib.SMTPNotSupportedError):
            self._drop_if_closed(smtp, 0)
            raise DeliveryError(f"the relay cannot take this message: {error}", permanent=True) from error
        # Disconnected, reset or timed out mid-message: the relay may or may not have it; try again later.
        self.close()
        raise DeliveryError(describe(error), permanent=False) from error

    def _drop_if_closed(self, smtp: smtplib.SMTP, code: int) -> None:
        # 421 means the server is closing the channel; a socket smtplib has closed cannot be used again. The
        # next message must get a new connection, not "please run connect() first".
        if code == 421 or smtp.sock is None:
            self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        self._sent_on_connection = 0
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None and not self._alive(self._smtp):
            self.close()
        if self._smtp is None:
            self._smtp = self._connect()
        return self._smtp

    def _alive(self, smtp: smtplib.SMTP) -> bool:
        """Whether a connection kept from an earlier message still answers: a relay closes idle connections,
        and that must not count against the next message."""
        if smtp.sock is None:
            return False
        try:
            poller = select.poll()
            poller.register(smtp.sock, select.POLLIN)
            if poller.poll(0):
                # Between commands a relay says nothing: something to read is the end of the connection, or
                # a "421" announcing it.
                return False
            if time.monotonic() - self._last_used < IDLE_CHECK_SECONDS:
                return True
            return smtp.noop()[0] == 250
        except (smtplib.SMTPException, OSError, ValueError):
            return False

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        try:
            if self.use_ssl:
                smtp: smtplib.SMTP = _SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                smtp = _SMTP(self.host, self.port, timeout=self.timeout)
        except (smtplib.SMTPException, OSError) as error:
            raise RelayUnavailable(f"cannot connect to {self.address}: {describe(error)}") from error
        try:
            smtp.ehlo()
            if self.use_tls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username and self.password:
                smtp.login(self.username, self.password)
        except (smtplib.SMTPException, OSError) as error:
            smtp.close()
            # Even a 5xx here (for instance wrong credentials) says nothing about the message itself: it is a
            # relay or configuration problem, so the message waits and is tried again.
            raise RelayUnavailable(f"{self.address} refused the session: {describe(error)}") from error
        self._last_used = time.monotonic()
        return smtp
