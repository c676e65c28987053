"""Personal invitations (a link bound to one address) and shareable invitation codes.

Either one opens an invitation-only category and lets the person skip the coordinators' approval.
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from app.events.models import Event
from app.extensions import db
from app.i18n import _
from app.mail.services import queue_email
from app.registrations.models import (
    DECLINED,
    INVITATION_REGISTERED,
    INVITED,
    Category,
    Invitation,
    InvitationCode,
    Registration,
    is_active_status,
)
from app.registrations.services.common import RegistrationError
from app.tokens import hash_token, new_token
from app.types import utcnow
from app.web import external_url_for

MAX_INVITATIONS = 500
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{3,39}$")
_ANGLE = re.compile(r"^(?P<name>.*?)\s*<(?P<email>[^<>]+)>\s*$")


@dataclass(frozen=True)
class Invitee:
    name: str
    email: str


def parse_people(text: str) -> list[Invitee]:
    """People from pasted lines or a CSV file: "Name, address", "Name <address>" or "address" per line.

    A header line naming an email column is skipped. RegistrationError (field ``people``) lists the lines
    that are not understood; nothing is invited then.
    """
    people, problems, seen = [], [], set()
    rows = list(csv.reader(io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"))))
    for number, row in enumerate(rows, 1):
        cells = [unicodedata.normalize("NFC", c).strip() for c in row if c and c.strip()]
        if not cells:
            continue
        if number == 1 and any(c.lower() in ("email", "e-mail", "address", "email address") for c in cells):
            continue
        match = _ANGLE.match(cells[0]) if len(cells) == 1 else None
        if match:
            name, email = match["name"].strip(" \"'"), match["email"]
        elif len(cells) == 1:
            name, email = "", cells[0]
        else:
            at = [c for c in cells if "@" in c]
            email = at[0] if at else cells[-1]
            name = " ".join(c for c in cells if c != email)
        try:
            email = validate_email(email, check_deliverability=False, allow_smtputf8=False).normalized
        except EmailNotValidError:
            problems.append(str(number))
            continue
        if any(ord(ch) < 32 for ch in name) or len(name) > 200:
            problems.append(str(number))
            continue
        if email.lower() in seen:
            continue
        seen.add(email.lower())
        people.append(Invitee(name or email.split("@")[0], email))
    if problems:
        raise RegistrationError(
            _("These lines have no valid email address: %(lines)s.", lines=", ".join(problems[:20])),
            field="people",
            code="invitation_list_invalid",
        )
    if not people:
        raise RegistrationError(_("Give at least one name and address."), field="people", code="invitation_list_empty")
    if len(people) > MAX_INVITATIONS:
        raise RegistrationError(
            _("Invite at most %(count)s people at a time.", count=MAX_INVITATIONS), field="people", code="too_many"
        )
    return people


def invite(event: Event, category: Category | None, people: list[Invitee], coordinator=None) -> tuple[int, int]:
    """Send each person an invitation with a link bound to their address; people already invited or
    registered are skipped. Returns (invited, skipped)."""
    if category is not None and category.event_id != event.id:
        raise RegistrationError(_("Choose a category of this event."), field="category_id")
    invited = skipped = 0
    for person in people:
        normalized = person.email.lower()
        known = db.session.scalar(
            sa.select(Invitation.id).where(Invitation.event_id == event.id, Invitation.email_normalized == normalized)
        )
        registered = db.session.scalar(
            sa.select(Registration.id).where(
                Registration.event_id == event.id,
                Registration.email_normalized == normalized,
                is_active_status(Registration.status),
            )
        )
        if known or registered:
            skipped += 1
            continue
        raw, digest = new_token()
        invitation = Invitation(
            event_id=event.id,
            category=category,
            name=person.name,
            email=person.email,
            email_normalized=normalized,
            token_hash=digest,
            status=INVITED,
            invited_by_id=coordinator.id if coordinator is not None else None,
        )
        db.session.add(invitation)
        db.session.flush()
        queue_email(
            kind="registration_invitation",
            to=person.email,
            to_name=person.name,
            template="invitation",
            context={
                "event": event,
                # Nothing tells the invited person's zone yet: times in the event's zone.
                "reader_zone": event.timezone,
                "name": person.name,
                "category": category,
                "invitation_url": external_url_for("registrations.invitation", token=raw),
            },
            dedup_key=f"invitation:{invitation.id}",
            desk=event.desk,
            # Nothing tells the invited person's language yet: the event's, as its page would choose.
            language=event.language,
        )
        invited += 1
    return invited, skipped


def invitation_by_token(raw: str | None) -> Invitation | None:
    """The invitation behind a link, or None (unknown or tampered)."""
    if not raw or len(raw) > 200:
        return None
    return db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == hash_token(raw)))


def decline(invitation: Invitation) -> None:
    """The invited person says no (only while they have not registered)."""
    if invitation.status == INVITED:
        invitation.status = DECLINED
        invitation.answered_at = utcnow()
        db.session.flush()


def invitations_for(event: Event) -> list[Invitation]:
    return list(
        db.session.scalars(sa.select(Invitation).where(Invitation.event_id == event.id).order_by(Invitation.id))
    )


def invitation_counts(event: Event) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(Invitation.status, sa.func.count()).where(Invitation.event_id == event.id).group_by(Invitation.status)
    )
    counts = {INVITED: 0, INVITATION_REGISTERED: 0, DECLINED: 0}
    counts.update(dict(rows.all()))
    return counts


def use_invitation(event: Event, raw: str, email: str) -> Invitation:
    """The invitation a registration comes with; refused for another address or another event."""
    invitation = invitation_by_token(raw)
    if invitation is None or invitation.event_id != event.id:
        raise RegistrationError(_("This invitation link is not valid."), field="email", code="invitation_invalid")
    if invitation.email_normalized != email.strip().lower():
        raise RegistrationError(
            _("This invitation is for another email address. Register with the address it was sent to."),
            field="email",
            code="invitation_other_address",
            status=422,
        )
    return invitation


# --- codes --------------------------------------------------------------------------------------------


def create_code(
    event: Event, category: Category | None, code: str, max_uses: int | None, expires_at: datetime | None
) -> InvitationCode:
    """A shareable code; it stops working after ``max_uses`` registrations or at ``expires_at``."""
    errors = {}
    code = (code or "").strip()
    if not CODE_PATTERN.match(code):
        errors["code"] = _("Use 4 to 40 letters, digits, hyphens or underscores.")
    elif db.session.scalar(
        sa.select(InvitationCode.id).where(
            InvitationCode.event_id == event.id, sa.func.lower(InvitationCode.code) == code.lower()
        )
    ):
        errors["code"] = _("The event already has this code.")
    if max_uses is not None and not 1 <= max_uses <= 100_000:
        errors["max_uses"] = _("Give a number of at least 1, or leave it empty for no limit.")
    if expires_at is not None and expires_at <= utcnow():
        errors["expires_local"] = _("Choose a time in the future.")
    if category is not None and category.event_id != event.id:
        errors["category_id"] = _("Choose a category of this event.")
    if errors:
        raise RegistrationError(_("The code could not be saved."), fields=errors, code="code_invalid")
    row = InvitationCode(event_id=event.id, category=category, code=code, max_uses=max_uses, expires_at=expires_at)
    db.session.add(row)
    db.session.flush()
    return row


def codes_for(event: Event) -> list[InvitationCode]:
    return list(
        db.session.scalars(
            sa.select(InvitationCode).where(InvitationCode.event_id == event.id).order_by(InvitationCode.id)
        )
    )


def usable_code(event: Event, text: str, now: datetime | None = None) -> InvitationCode:
    """The code, refused when unknown, expired or used up. Under the event lock, the caller counts the use
    (``uses += 1``) once the registration it opens is stored, so the limit holds under concurrency."""
    now = now or utcnow()
    row = db.session.scalar(
        sa.select(InvitationCode)
        .where(InvitationCode.event_id == event.id, sa.func.lower(InvitationCode.code) == text.strip().lower())
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise RegistrationError(_("This code is not valid for this event."), field="code", code="code_unknown")
    if row.expires_at is not None and row.expires_at <= now:
        raise RegistrationError(_("This code has expired."), field="code", code="code_expired", status=410)
    if row.max_uses is not None and row.uses >= row.max_uses:
        raise RegistrationError(_("This code has been used up."), field="code", code="code_used_up", status=410)
    return row
