from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.events.models import EventSession
from app.extensions import db
from app.i18n import _l
from app.locales import current_language
from app.types import UTCDateTime, utcnow

PENDING_VERIFICATION = "pending_verification"
PENDING_APPROVAL = "pending_approval"
CONFIRMED = "confirmed"
WAITLISTED = "waitlisted"
REJECTED = "rejected"
CANCELLED = "cancelled"
EXPIRED = "expired"
ACTIVE_STATUSES = (PENDING_VERIFICATION, PENDING_APPROVAL, CONFIRMED, WAITLISTED)
STATUS_LABELS = {
    PENDING_VERIFICATION: _l("Email not yet confirmed"),
    PENDING_APPROVAL: _l("Awaiting approval"),
    CONFIRMED: _l("Confirmed"),
    WAITLISTED: _l("On the waitlist"),
    REJECTED: _l("Not approved"),
    CANCELLED: _l("Cancelled"),
    EXPIRED: _l("Expired (email never confirmed)"),
}

TOKEN_VERIFY = "verify"
TOKEN_MANAGE = "manage"
TOKEN_JOIN = "join"

_active_list = ", ".join(f"'{s}'" for s in ACTIVE_STATUSES)


def is_active_status(column: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    """SQL: ``column`` holds an active status.

    The statuses are written into the statement rather than bound: PostgreSQL then matches the partial unique
    index on active registrations also when the driver runs the statement prepared (a generic plan cannot prove
    bound values to be the index's statuses and reads every registration of the event instead). They are
    written when the statement is compiled, once, not at each execution.
    """
    return column.in_([sa.literal_column(f"'{status}'", sa.String) for status in ACTIVE_STATUSES])


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        # One active registration per event and address, whatever the concurrency.
        sa.Index(
            "uq_registrations_active_email",
            "event_id",
            "email_normalized",
            unique=True,
            sqlite_where=sa.text(f"status IN ({_active_list})"),
            postgresql_where=sa.text(f"status IN ({_active_list})"),
        ),
        sa.Index("ix_registrations_event_status", "event_id", "status"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    desk_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("desks.id"), index=True)
    routing_reason: so.Mapped[str] = so.mapped_column(sa.String(500))
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    email_normalized: so.Mapped[str] = so.mapped_column(sa.String(254))
    organisation: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    country: so.Mapped[str] = so.mapped_column(sa.String(2), default="")
    position: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    expert_type: so.Mapped[str] = so.mapped_column(sa.String(20))
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64))
    # The language the registration was made in (the page's), changeable on the personal page: every
    # email and invite to the participant is written in it.
    language: so.Mapped[str] = so.mapped_column(sa.String(16), default=current_language, server_default="en")
    message: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    consent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    status: so.Mapped[str] = so.mapped_column(sa.String(30), default=PENDING_VERIFICATION)
    verified_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # Stable base of the calendar UIDs of this participant's invites (one per session).
    calendar_uid: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # Raised with every change of the participant's own session choice, added to the event's SEQUENCE in
    # their invites, so a session chosen again after a cancellation replaces the cancelled entry.
    calendar_offset: so.Mapped[int] = so.mapped_column(default=0)
    category_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("registration_categories.id"), index=True)
    # Organisation as the per-organisation limit compares it: case and spaces ignored.
    organisation_key: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    # Place in the waitlist (lower goes first); set when waitlisted, changed by coordinators.
    waitlist_rank: so.Mapped[int | None] = so.mapped_column()
    invitation_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("invitations.id", ondelete="SET NULL"))
    code_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("invitation_codes.id", ondelete="SET NULL"))
    anonymised_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    event: so.Mapped["Event"] = so.relationship()  # noqa: F821
    desk: so.Mapped["Desk"] = so.relationship()  # noqa: F821
    category: so.Mapped["Category | None"] = so.relationship()
    answers: so.Mapped[list["Answer"]] = so.relationship(
        back_populates="registration", order_by="Answer.id", cascade="all, delete-orphan"
    )
    chosen: so.Mapped[list["ChosenSession"]] = so.relationship(cascade="all, delete-orphan")
    transitions: so.Mapped[list["RegistrationTransition"]] = so.relationship(
        back_populates="registration",
        order_by="RegistrationTransition.id",
        cascade="all, delete-orphan",
    )

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status}>"


class RegistrationTransition(db.Model):
    """The audit trail: who moved a registration from which status to which, when, and why."""

    __tablename__ = "registration_transitions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    registration_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    from_status: so.Mapped[str | None] = so.mapped_column(sa.String(30))
    to_status: so.Mapped[str] = so.mapped_column(sa.String(30))
    coordinator_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("coordinators.id", ondelete="SET NULL"))
    actor: so.Mapped[str] = so.mapped_column(sa.String(30))  # participant, coordinator, system
    message: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    registration: so.Mapped[Registration] = so.relationship(back_populates="transitions")
    coordinator: so.Mapped["Coordinator | None"] = so.relationship()  # noqa: F821


class AccessToken(db.Model):
    """A link token sent to a participant; only its SHA-256 is stored."""

    __tablename__ = "access_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    registration_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    purpose: so.Mapped[str] = so.mapped_column(sa.String(20))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    expires_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    registration: so.Mapped[Registration] = so.relationship()


# --- How organisers shape registration: rules, categories, questions, invitations ----------------------

OVER_LIMIT_REFUSE = "refuse"
OVER_LIMIT_WAITLIST = "waitlist"


class RegistrationRules(db.Model):
    """An event's registration rules beyond capacity and approval (one row per event, when set)."""

    __tablename__ = "registration_rules"
    __event_page_part__ = True  # the public form follows them (session choice): a change renders the page afresh

    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    organisation_limit: so.Mapped[int | None] = so.mapped_column()
    country_limit: so.Mapped[int | None] = so.mapped_column()
    over_limit: so.Mapped[str] = so.mapped_column(sa.String(20), default=OVER_LIMIT_REFUSE)
    # False: a registration covers every session. True: participants choose sessions.
    session_choice: so.Mapped[bool] = so.mapped_column(default=False)


class SessionCapacity(db.Model):
    """Seats of one session when participants choose sessions."""

    __tablename__ = "session_capacities"
    __event_page_part__ = True

    session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    capacity: so.Mapped[int] = so.mapped_column()

    @property
    def page_event_id(self) -> int | None:
        """The event whose page shows this session's seats (app.events.page_cache)."""
        return db.session.scalar(sa.select(EventSession.event_id).where(EventSession.id == self.session_id))


class ChosenSession(db.Model):
    """A session a participant chose (only for events whose participants choose sessions)."""

    __tablename__ = "registration_sessions"

    registration_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Category(db.Model):
    """A participation category ("ticket type"): its own seats, approval rule and visibility."""

    __tablename__ = "registration_categories"
    __event_page_part__ = True

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    description: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    capacity: so.Mapped[int | None] = so.mapped_column()
    approval_required: so.Mapped[bool] = so.mapped_column(default=False)
    invitation_only: so.Mapped[bool] = so.mapped_column(default=False)
    position: so.Mapped[int] = so.mapped_column(default=0)

    event: so.Mapped["Event"] = so.relationship()  # noqa: F821

    # What participants read: the text in their language where coordinators translated it, else the original.
    @property
    def local_name(self) -> str:
        translation = self.event.translation()
        return (translation.category_text(self.id, "name") if translation else "") or self.name

    @property
    def local_description(self) -> str:
        translation = self.event.translation() if self.description else None
        return (translation.category_text(self.id, "description") if translation else "") or self.description


QUESTION_KINDS = (
    "short_text",
    "long_text",
    "single_choice",
    "multiple_choice",
    "yes_no",
    "number",
    "date",
    "country",
    "url",
)
CHOICE_KINDS = ("single_choice", "multiple_choice")


class Question(db.Model):
    """A question an event's coordinators ask in its registration form."""

    __tablename__ = "registration_questions"
    __event_page_part__ = True

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    label: so.Mapped[str] = so.mapped_column(sa.String(300))
    help_text: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    required: so.Mapped[bool] = so.mapped_column(default=False)
    options: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    # Text: length limits. Number: range. Multiple choice: how many may be ticked.
    min_value: so.Mapped[float | None] = so.mapped_column(sa.Float)
    max_value: so.Mapped[float | None] = so.mapped_column(sa.Float)
    # Asked only of these categories (empty: of everyone).
    category_ids: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)

    event: so.Mapped["Event"] = so.relationship()  # noqa: F821

    @property
    def field_name(self) -> str:
        return f"q_{self.id}"

    def _translated(self, part: str):
        translation = self.event.translation()
        return translation.question_text(self.id, part) if translation else ""

    # What participants read: the text in their language where coordinators translated it, else the original.
    @property
    def local_label(self) -> str:
        return self._translated("label") or self.label

    @property
    def local_help_text(self) -> str:
        return (self._translated("help") if self.help_text else "") or self.help_text

    @property
    def option_labels(self) -> list[tuple[str, str]]:
        """(value, text shown) of each option. The value stays the original option, whatever the language,
        so answers compare across languages; the text is its translation where there is one."""
        options = list(self.options or [])
        shown = (self._translated("options") or {}) if options else {}
        return [(option, shown.get(option) or option) for option in options]

    def option_label(self, value: str) -> str:
        return dict(self.option_labels).get(value, value)


class Answer(db.Model):
    """A participant's answer, with the question's wording when answered, so a later edit keeps it readable."""

    __tablename__ = "registration_answers"
    __table_args__ = (sa.UniqueConstraint("registration_id", "question_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    registration_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    question_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("registration_questions.id", ondelete="SET NULL"), index=True
    )
    label: so.Mapped[str] = so.mapped_column(sa.String(300))
    value: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    choices: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)

    registration: so.Mapped[Registration] = so.relationship(back_populates="answers")
    question: so.Mapped[Question | None] = so.relationship()

    @property
    def local_label(self) -> str:
        """The question as the participant reads it: translated while its wording is the one answered."""
        question = self.question
        return question.local_label if question is not None and question.label == self.label else self.label


INVITED = "invited"
INVITATION_REGISTERED = "registered"
DECLINED = "declined"


class Invitation(db.Model):
    """A personal invitation: its link works only for the address it was sent to."""

    __tablename__ = "invitations"
    __table_args__ = (sa.UniqueConstraint("event_id", "email_normalized"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    category_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("registration_categories.id", ondelete="SET NULL")
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    email_normalized: so.Mapped[str] = so.mapped_column(sa.String(254))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=INVITED)
    invited_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("coordinators.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    answered_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    category: so.Mapped[Category | None] = so.relationship()
    event: so.Mapped["Event"] = so.relationship()  # noqa: F821


class InvitationCode(db.Model):
    """A shareable code that opens a category (and skips approval), with a use limit and an expiry."""

    __tablename__ = "invitation_codes"
    __event_page_part__ = True  # the form asks for a code only where the event has codes
    __table_args__ = (sa.UniqueConstraint("event_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    category_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("registration_categories.id", ondelete="SET NULL")
    )
    code: so.Mapped[str] = so.mapped_column(sa.String(40))
    max_uses: so.Mapped[int | None] = so.mapped_column()
    uses: so.Mapped[int] = so.mapped_column(default=0)
    expires_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    category: so.Mapped[Category | None] = so.relationship()
