"""Certificates of participation: the coordinator's rule (at least N sessions, or at least N minutes in the
platform reports) decides who gets one; each has a public verification code, and can be revoked."""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale

from app.accounts.access import within_desks
from app.actions import Action
from app.calendar.attendance import AttendanceSummary, summarise
from app.errors import DomainError, NotAllowed
from app.events.models import Event
from app.extensions import db
from app.i18n import _
from app.mail.services import queue_email
from app.participation.models import RULE_MINUTES, RULE_SESSIONS, Certificate, CertificateRule
from app.registrations.links import manage_link
from app.registrations.models import CONFIRMED, Registration
from app.types import utcnow
from app.web import external_url_for

# Crockford's base32 without look-alikes: 16 characters, 80 random bits, read aloud or typed without doubt.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16


class CertificateError(DomainError):
    code = "certificate_invalid"
    status = 422


def rule_for(event: Event) -> CertificateRule | None:
    return db.session.scalar(sa.select(CertificateRule).where(CertificateRule.event_id == event.id))


def save_rule(
    event: Event, *, kind: str, minimum: int | None, text: str = "", organiser: str = "", signatory: str = ""
) -> CertificateRule:
    """Set who earns a certificate of ``event`` and what it says."""
    if kind not in (RULE_SESSIONS, RULE_MINUTES):
        raise CertificateError(_("Choose sessions or minutes."), field="kind")
    sessions = len(event.sessions)
    if minimum is None or minimum < 1:
        raise CertificateError(_("Enter a number of at least 1."), field="minimum")
    if kind == RULE_SESSIONS and minimum > sessions:
        raise CertificateError(
            _("The event has %(count)s sessions: nobody could attend %(minimum)s.", count=sessions, minimum=minimum),
            field="minimum",
        )
    if kind == RULE_MINUTES and minimum > 100_000:
        raise CertificateError(_("Enter a number of minutes below 100000."), field="minimum")
    rule = rule_for(event)
    if rule is None:
        rule = CertificateRule(event=event)
        db.session.add(rule)
    rule.kind = kind
    rule.minimum = minimum
    rule.text = text.strip()
    rule.organiser = organiser.strip() or event.desk.name
    rule.signatory = signatory.strip()
    db.session.flush()
    return rule


def rule_text(rule: CertificateRule) -> str:
    if rule.kind == RULE_MINUTES:
        return _(
            "At least %(minimum)s minutes in the sessions, as the platform reports measured.", minimum=rule.minimum
        )
    return _("At least %(minimum)s of the %(count)s sessions.", minimum=rule.minimum, count=len(rule.event.sessions))


def meets(rule: CertificateRule, summary: AttendanceSummary) -> bool:
    """Whether an attendance meets the rule."""
    if rule.kind == RULE_MINUTES:
        return summary.minutes >= rule.minimum
    return summary.sessions >= rule.minimum


@dataclass
class Standing:
    registration: Registration
    summary: AttendanceSummary
    eligible: bool
    certificate: Certificate | None


def standings(event: Event, desk_ids: set[int] | None = None) -> list[Standing]:
    """Every confirmed participant with their attendance, whether they meet the rule and their certificate."""
    rule = rule_for(event)
    query = (
        sa.select(Registration)
        .where(
            Registration.event_id == event.id, Registration.status == CONFIRMED, Registration.anonymised_at.is_(None)
        )
        .order_by(sa.func.lower(Registration.name), Registration.id)
    )
    query = query.where(within_desks(Registration.desk_id, desk_ids))
    certificates = {
        c.registration_id: c for c in db.session.scalars(sa.select(Certificate).where(Certificate.event_id == event.id))
    }
    result = []
    for registration in db.session.scalars(query):
        summary = summarise(event, registration)
        result.append(
            Standing(
                registration,
                summary,
                rule is not None and meets(rule, summary),
                certificates.get(registration.id),
            )
        )
    return result


def certificate_actions(event: Event) -> list[Action]:
    rule = rule_for(event)
    ended = event.ends_at is not None and event.ends_at <= utcnow()
    return [
        Action(
            "issue",
            _("Issue certificates"),
            rule is not None and ended,
            _("Set the rule first; certificates are issued once the last session has ended.")
            if rule is None
            else _("Certificates are issued once the last session has ended."),
        )
    ]


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normal_code(text: str | None) -> str:
    """A code as typed (lower case, spaces, O for 0...) in its stored form, or "" when it cannot be one."""
    raw = "".join((text or "").upper().split()).replace("-", "").replace("O", "0").replace("I", "1").replace("L", "1")
    if len(raw) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in raw):
        return ""
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def issue_certificates(
    event: Event, desk_ids: set[int] | None = None, now: datetime | None = None, *, notify: bool = True
) -> int:
    """Issue a certificate to every confirmed participant who meets the rule and has none yet, and tell
    them by email (unless ``notify`` is off, as for the demo); returns how many were issued."""
    if not certificate_actions(event)[0].allowed:
        raise NotAllowed(certificate_actions(event)[0].reason, code="issue_not_allowed")
    now = now or utcnow()
    count = 0
    for standing in standings(event, desk_ids):
        if not standing.eligible or standing.certificate is not None:
            continue
        registration = standing.registration
        records = standing.summary
        certificate = Certificate(
            code=new_code(),
            event_id=event.id,
            registration_id=registration.id,
            name=registration.name,
            organisation=registration.organisation,
            sessions=[
                {
                    "title": session.title or "",
                    "number": event.sessions.index(session) + 1,
                    "starts_at": session.starts_at.isoformat(),
                }
                for session in records.attended
            ],
            minutes=records.minutes,
            issued_at=now,
        )
        db.session.add(certificate)
        db.session.flush()
        count += 1
        if not notify:
            continue
        queue_email(
            kind="certificate_ready",
            to=registration.email,
            to_name=registration.name,
            template="certificate_ready",
            context={
                "registration": registration,
                "event": event,
                "certificate": certificate,
                "link": manage_link(registration),
                "verify_url": verification_url(certificate),
            },
            dedup_key=f"certificate-ready:{certificate.id}",
            desk=event.desk,
        )
    db.session.flush()
    return count


def revoke(certificate: Certificate, reason: str = "", now: datetime | None = None) -> None:
    """Withdraw a certificate: its verification page says it was revoked, and it can no longer be downloaded."""
    if certificate.is_revoked:
        raise NotAllowed(_("This certificate is revoked already."), code="certificate_revoked")
    certificate.revoked_at = now or utcnow()
    certificate.revoked_reason = reason.strip()[:500]
    db.session.flush()


def certificate_for(registration: Registration) -> Certificate | None:
    return db.session.scalar(
        sa.select(Certificate).where(
            Certificate.registration_id == registration.id, Certificate.event_id == registration.event_id
        )
    )


def by_code(text: str | None) -> Certificate | None:
    code = normal_code(text)
    if not code:
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.code == code))


def verification_url(certificate: Certificate) -> str:
    return external_url_for("participation.verify", code=certificate.code)


def certificate_locale(registration: Registration | None) -> str:
    """The language a participant's certificate is written in.

    Registrations do not carry a language yet: until they do, the certificate is written in the language of
    the request (the interface's current locale). Change only this function when they do.
    """
    language = getattr(registration, "language", None) if registration is not None else None
    if language:
        return language
    locale = get_locale()
    return str(locale) if locale else current_app.config.get("BABEL_DEFAULT_LOCALE", "en")


def session_dates(certificate: Certificate) -> list[tuple[str, datetime]]:
    """The certified sessions as (title, start in UTC), for the PDF and the verification page."""
    result = []
    for item in certificate.sessions:
        start = datetime.fromisoformat(item["starts_at"]).astimezone(UTC)
        title = item.get("title") or _("Session %(number)s", number=item.get("number", ""))
        result.append((title, start))
    return result


def forget(registration: Registration) -> None:
    """A participant deleted their data: their certificates are revoked and lose the name."""
    for certificate in db.session.scalars(sa.select(Certificate).where(Certificate.registration_id == registration.id)):
        if not certificate.is_revoked:
            certificate.revoked_at = utcnow()
        certificate.revoked_reason = "The participant deleted their personal data."
        certificate.name = "Deleted participant"
        certificate.organisation = ""
    db.session.flush()
