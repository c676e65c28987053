"""Participants' side of registration: sign-up, email confirmation, their own page, their data."""

import functools
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from app import signals
from app.desks.services import route_person
from app.events.models import Event, EventSession
from app.events.services import registration_state
from app.extensions import db
from app.i18n import _, _l
from app.locales import LANGUAGES, current_language
from app.mail import services as mail
from app.registrations import tokens
from app.registrations.models import (
    ACTIVE_STATUSES,
    CONFIRMED,
    EXPIRED,
    INVITATION_REGISTERED,
    PENDING_APPROVAL,
    PENDING_VERIFICATION,
    TOKEN_JOIN,
    TOKEN_MANAGE,
    TOKEN_VERIFY,
    Category,
    ChosenSession,
    Invitation,
    InvitationCode,
    Registration,
    RegistrationTransition,
    is_active_status,
)
from app.registrations.services import invitations, questions
from app.registrations.services.categories import check_limits, organisation_key
from app.registrations.services.common import RegistrationError, fresh, hold_event, lock_event, transition
from app.registrations.services.decisions import cancel
from app.registrations.services.notifications import send, send_already_registered, send_confirmation_request
from app.registrations.services.seats import (
    SeatBook,
    chosen_session_ids,
    fill_seats,
    rules_for,
    seat_or_waitlist,
    waitlist_position,
)
from app.registrations.services.signup import SignUpParts, read_parts
from app.rows import insert_unless_taken, loaded
from app.text import clean_name
from app.types import utcnow
from app.web import external_url_for

# Why the form is closed, by registration_state().
REGISTRATION_CLOSED = {
    "not_yet_open": _l("Registration for this event has not opened yet."),
    "closed": _l("Registration for this event is closed."),
    "past": _l("This event is over."),
    "cancelled": _l("This event has been cancelled."),
    "draft": _l("This event is not published."),
}


@dataclass
class RegistrationData:
    name: str
    email: str
    country: str
    expert_type: str
    timezone: str
    organisation: str = ""
    position: str = ""
    message: str = ""
    consent: bool = False
    category_id: int | None = None
    # Question id -> the values sent (several for a multiple choice).
    answers: dict[int, list[str]] = field(default_factory=dict)
    session_ids: list[int] = field(default_factory=list)
    invitation_token: str = ""
    code: str = ""
    list_in_directory: bool = False


def find_active(event: Event, email: str) -> Registration | None:
    # The id first, read from the table: most sign-ups find none, and the read then builds no registration.
    # A statement on the table does not flush the session as a query of the model would: flushed here.
    db.session.flush()
    found = db.session.execute(_ACTIVE_ID, {"event_id": event.id, "email": email.strip().lower()}).scalar()
    return db.session.get(Registration, found) if found is not None else None


_registrations = Registration.__table__
_INSERT_TRANSITION = sa.insert(RegistrationTransition.__table__)
_ACTIVE_ID = sa.select(_registrations.c.id).where(
    _registrations.c.event_id == sa.bindparam("event_id"),
    _registrations.c.email_normalized == sa.bindparam("email"),
    is_active_status(_registrations.c.status),
)


@functools.cache
def _insert_unless_active(_dialect: str) -> sa.Insert:
    return insert_unless_taken(
        _registrations,
        [_registrations.c.event_id, _registrations.c.email_normalized],
        is_active_status(_registrations.c.status),
    )


def _decided(columns: tuple[str, ...]) -> list[str]:
    """The columns of a new registration whose values the insert does not give (its id, the defaults): the
    only ones it returns. The others are the values given, as stored."""
    return [column.name for column in _registrations.c if column.name not in columns]


# A new registration's first step in its history: the person signed up, the address to be confirmed.
_FIRST_STEP = {"from_status": None, "actor": "participant", "message": ""}


@functools.cache
def _insert_with_first_step(columns: tuple[str, ...]) -> sa.Select:
    """PostgreSQL: the registration (unless its address has an active one) and its first step, in one
    statement: a data-modifying WITH whose second INSERT takes the first's row, and inserts nothing when the
    first inserted nothing. ``columns``: the values given (the others take their defaults and are returned)."""
    inserted = (
        _insert_unless_active("postgresql")
        .values({name: sa.bindparam(name) for name in columns})
        .returning(*_registrations.c)
        .cte("inserted")
    )
    history = RegistrationTransition.__table__
    first_step = sa.insert(history).from_select(
        ["registration_id", "from_status", "to_status", "actor", "message", "created_at"],
        sa.select(
            inserted.c.id,
            sa.literal(_FIRST_STEP["from_status"], sa.String),
            inserted.c.status,
            sa.literal(_FIRST_STEP["actor"], sa.String),
            sa.literal(_FIRST_STEP["message"], sa.String),
            inserted.c.created_at,
        ),
    )
    return sa.select(*(inserted.c[name] for name in _decided(columns))).add_cte(first_step.cte("first_step"))


@functools.cache
def _insert_returning_decided(dialect: str, columns: tuple[str, ...]) -> sa.Insert:
    return _insert_unless_active(dialect).returning(*(_registrations.c[name] for name in _decided(columns)))


def _stored_unless_active(**values) -> Registration | None:
    """Insert a registration unless its address already has an active one for the event, with the first step
    of its history; the new registration, in the session as if it had been loaded, or None.

    The unique index on active registrations decides, whatever the concurrency: a submission with the same
    address may commit between a look for it and this insert. One statement (INSERT ... ON CONFLICT DO
    NOTHING RETURNING, with the history's row on PostgreSQL) does what a savepoint, a flush and a release did
    in four round trips. Column defaults apply as in any insert, and the registration's collections start
    empty, known without a query. The statement returns only what the values do not give (its id, the
    defaults): a row of every column cost the driver and SQLAlchemy a fifth of the sign-up's statement."""
    db.session.flush()  # the index sees the session's changes (an earlier registration expired just now)
    dialect = db.engine.dialect.name
    columns = tuple(values)
    if dialect == "postgresql":
        row = db.session.execute(_insert_with_first_step(columns), values).first()
    else:
        row = db.session.execute(_insert_returning_decided(dialect, columns), values).first()
    if row is None:
        return None
    stored = {**values, **row._mapping}
    if dialect != "postgresql":
        db.session.execute(
            _INSERT_TRANSITION,
            {
                "registration_id": row.id,
                "to_status": stored["status"],
                "created_at": stored["created_at"],
                **_FIRST_STEP,
            },
        )
    registration = loaded(Registration, stored)
    # Its transitions are inserted as rows of their own (read when asked for); answers and chosen sessions
    # are added to these collections.
    for collection in ("answers", "chosen"):
        so.attributes.set_committed_value(registration, collection, [])
    return registration


def register(
    event: Event, data: RegistrationData, now: datetime | None = None, *, parts: SignUpParts | None = None
) -> Registration:
    """Sign someone up (pending email confirmation) and email them the confirmation link.

    Signing up again with an address that already has an active registration changes nothing and
    emails that address a link to its personal page instead, so the form never tells whether an
    address is registered.

    ``parts``: the event's categories and questions when the caller has them (signup_parts); else read now.
    """
    now = now or utcnow()
    parts = parts or read_parts(event)
    state = registration_state(event, now)
    if state != "open":
        raise RegistrationError(
            REGISTRATION_CLOSED.get(state, REGISTRATION_CLOSED["closed"]), code=f"registration_{state}"
        )
    if not data.consent:
        raise RegistrationError(_("Consent is needed to register."), field="consent")
    name = clean_name(data.name)
    if not name:
        raise RegistrationError(_("Please write a name with visible letters."), field="name")
    rules = parts.rules
    counted = bool(rules.organisation_limit or rules.country_limit)
    plain = not (counted or data.invitation_token or data.code.strip())
    if not plain:
        # Sign-ups that count something (limits, code uses, an invitation) queue here: counted, then taken.
        # Others take no seat and count nothing: they need no turn, and the unique index keeps one active
        # registration per address.
        hold_event(event)
        if sa.inspect(rules).persistent:
            db.session.refresh(rules)  # as they are now that it is our turn: a coordinator may have changed them
    invitation = invitations.use_invitation(event, data.invitation_token, data.email) if data.invitation_token else None
    category = _category(parts.categories, data.category_id, opened=_opened_category(event, invitation, data.code))
    answers = questions.check_answers(event, category.id if category else None, data.answers, parts.questions)
    session_ids = _chosen_sessions(event, data.session_ids, now)
    if counted:
        expire_unverified(now, event=event)  # addresses never confirmed in time no longer count
    # A sign-up that uses or counts nothing goes straight to the insert, where the unique index tells of an
    # earlier registration of the address. Others look first: a repeat must not use a code or meet a limit.
    existing = None if plain else _active_for(event, data.email, now)
    if existing is not None:
        send_already_registered(existing, now)
        return existing
    code = invitations.usable_code(event, data.code, now) if data.code.strip() else None
    if code is not None and code.category_id and category is not None and code.category_id != category.id:
        category_errors = {"category_id": _("Your code is for the category %(name)s.", name=code.category.local_name)}
        raise RegistrationError(category_errors["category_id"], fields=category_errors, code="code_other_category")
    check_limits(event, data.organisation, data.country)

    chosen = route_person(data.country, data.expert_type, routing_version=parts.routing_version)
    values = {
        "event_id": event.id,
        "desk_id": chosen.desk.id,
        "routing_reason": chosen.reason,
        "name": name,
        "email": data.email.strip(),
        "email_normalized": data.email.strip().lower(),
        "organisation": clean_name(data.organisation),
        "country": data.country.upper(),
        "position": clean_name(data.position),
        "expert_type": data.expert_type,
        "timezone": data.timezone,
        # The page's language when they registered: their emails and invites are written in it.
        "language": current_language(),
        "message": data.message.strip(),
        "consent_at": now,
        "status": PENDING_VERIFICATION,
        "calendar_uid": uuid.uuid4().hex,
        "category_id": category.id if category else None,
        "organisation_key": organisation_key(data.organisation),
        "invitation_id": invitation.id if invitation else None,
        "code_id": code.id if code else None,
    }
    for _attempt in range(3):
        registration = _stored_unless_active(**values)
        if registration is not None:
            break
        # The address has an active registration (made earlier, or by a concurrent submission since our
        # look): handled like any repeat.
        existing = _active_for(event, data.email, now)
        if existing is not None:
            send_already_registered(existing, now)
            return existing
        # The registration that held the address ended (or expired just now): the address is free again.
    else:
        raise RegistrationError(_("Please go back and try again."), code="registration_conflict", status=409)
    questions.store_answers(registration, answers)
    if session_ids:
        registration.chosen = [ChosenSession(session_id=session_id) for session_id in session_ids]
    if code is not None:
        code.uses += 1
    if invitation is not None:
        invitation.status = INVITATION_REGISTERED
        invitation.answered_at = now
    send_confirmation_request(registration, now, every_session=not rules.session_choice)
    # Only a new registration takes the directory opt-in: a repeat never changes someone's existing one.
    signals.signed_up.send(registration, list_in_directory=data.list_in_directory)
    return registration


def _opened_category(event: Event, invitation: Invitation | None, code_text: str) -> int | None:
    """The invitation-only category an invitation or a code (not yet counted) opens, if any."""
    if invitation is not None:
        return invitation.category_id or -1
    if code_text.strip():
        row = db.session.scalar(
            sa.select(InvitationCode).where(
                InvitationCode.event_id == event.id, sa.func.lower(InvitationCode.code) == code_text.strip().lower()
            )
        )
        if row is not None:
            return row.category_id or -1
    return None


def _category(options: list[Category], category_id: int | None, opened: int | None) -> Category | None:
    """The category chosen in the form: one of the event's ``options``, public or opened by an invitation or
    code.

    ``opened`` is the category an invitation or code opens (-1: one without a category of its own).
    """
    if not options:
        return None
    if category_id is None and opened and opened > 0:
        category_id = opened
    chosen = next((c for c in options if c.id == category_id), None)
    if chosen is None:
        raise RegistrationError(_("Choose how you take part."), field="category_id", code="category_missing")
    if chosen.invitation_only and opened is None:
        raise RegistrationError(
            _("This category is by invitation only: use your invitation link or code."),
            field="category_id",
            code="category_by_invitation",
        )
    if chosen.invitation_only and opened not in (-1, chosen.id):
        raise RegistrationError(
            _("Your invitation is for another category."), field="category_id", code="category_by_invitation"
        )
    return chosen


def _chosen_sessions(event: Event, session_ids: list[int], now: datetime) -> list[int]:
    """The sessions chosen in the form, when the event lets participants choose; none otherwise."""
    if not rules_for(event).session_choice:
        return []
    upcoming = [s.id for s in event.sessions if s.ends_at > now]
    chosen = [s for s in upcoming if s in set(session_ids)]
    if not chosen:
        raise RegistrationError(
            _("Choose at least one session that has not taken place yet."), field="session_ids", code="no_sessions"
        )
    return chosen


def change_sessions(registration: Registration, session_ids: list[int], now: datetime | None = None) -> bool:
    """The participant changes which sessions they attend, seats permitting. A confirmed participant gets
    the invites of added sessions and the cancellations of dropped ones; freed seats go to the waitlist.
    Sessions already over stay as they were. Returns whether anything changed."""
    now = now or utcnow()
    event = lock_event(registration.event_id)
    registration = fresh(registration)
    if not rules_for(event).session_choice or registration.status not in ACTIVE_STATUSES:
        raise RegistrationError(_("Your sessions cannot be changed."), code="sessions_fixed", status=409)
    upcoming = {s.id: s for s in event.sessions if s.ends_at > now}
    wanted = {s for s in session_ids if s in upcoming}
    current = {c.session_id for c in registration.chosen}
    if not wanted:
        raise RegistrationError(
            _("Choose at least one session. To take part in none, cancel your registration."),
            field="session_ids",
            code="no_sessions",
        )
    added = wanted - current
    removed = (current & set(upcoming)) - wanted
    if not added and not removed:
        return False
    if registration.status == CONFIRMED:
        book = SeatBook.load(event)
        left = {session_id: book.session_left(session_id) for session_id in added}
        full = [upcoming[session_id] for session_id, seats in left.items() if seats is not None and seats <= 0]
        if full:
            raise RegistrationError(
                _("%(session)s is full: keep your other choices, or try again later.", session=full[0].local_label),
                field="session_ids",
                code="session_full",
                status=409,
            )
    registration.chosen = [c for c in registration.chosen if c.session_id not in removed] + [
        ChosenSession(session_id=s) for s in sorted(added)
    ]
    registration.calendar_offset += 1
    db.session.flush()
    if registration.status == CONFIRMED:
        signals.sessions_changed.send(
            registration,
            added=[upcoming[s] for s in sorted(added)],
            removed=[upcoming[s] for s in sorted(removed)],
        )
    fill_seats(event)
    return True


def needs_approval(event: Event, registration: Registration) -> bool:
    """Invited people skip approval; otherwise their category's rule applies, or the event's."""
    if registration.invitation_id or registration.code_id:
        return False
    if registration.category is not None:
        return registration.category.approval_required
    return event.approval_required


def verify(raw_token: str, now: datetime | None = None) -> Registration:
    """Confirm the email address behind a link: the registration enters approval, or gets a seat."""
    token = tokens.lookup(raw_token, TOKEN_VERIFY)
    if token is None:
        raise RegistrationError(_("This confirmation link is not valid or has expired."), status=410)
    event = lock_event(token.registration.event_id)
    registration = fresh(token.registration)
    if registration.status != PENDING_VERIFICATION:
        return registration  # confirmed already: clicking twice is harmless
    if event.status != "published":
        raise RegistrationError(_("This event is no longer open for registration."), status=410)
    registration.verified_at = now or utcnow()
    tokens.revoke(registration, TOKEN_VERIFY)
    if needs_approval(event, registration):
        transition(registration, PENDING_APPROVAL, actor="participant")
        db.session.flush()
        send(registration, "awaiting_approval")
    else:
        seat_or_waitlist(event, registration, actor="participant")
    db.session.flush()
    return registration


def awaiting_confirmation(raw_token: str) -> Registration | None:
    """The registration a confirmation link belongs to, or None (unknown, tampered or expired)."""
    token = tokens.lookup(raw_token, TOKEN_VERIFY)
    return token.registration if token is not None else None


def new_manage_token(registration: Registration) -> str:
    """A fresh token for the participant's personal page (only its hash is stored)."""
    return tokens.issue(registration, TOKEN_MANAGE)


def participant_by_token(raw_token: str) -> Registration | None:
    token = tokens.lookup(raw_token, TOKEN_MANAGE)
    if token is None or token.registration.anonymised_at is not None:
        return None
    return token.registration


def cancel_by_participant(registration: Registration) -> bool:
    """The participant withdraws; a freed seat goes to the head of the waitlist."""
    return cancel(registration, actor="participant")


def change_timezone(registration: Registration, zone_name: str) -> None:
    """Store the zone the participant reads times in (validated by the form)."""
    registration.timezone = zone_name
    db.session.flush()


def change_language(registration: Registration, language: str) -> None:
    """Store the language of the participant's later emails and invites (one of app.locales.LANGUAGES)."""
    if language not in LANGUAGES:
        raise RegistrationError(_("Please choose a language from the list."), field="language")
    registration.language = language
    db.session.flush()


def personal_data(registration: Registration) -> dict:
    """Everything stored about a participant, for the JSON download on their page."""
    chosen_session_ids(registration)
    return {
        "event": {
            "title": registration.event.title,
            "url": external_url_for("events.detail", slug=registration.event.slug),
        },
        "name": registration.name,
        "email": registration.email,
        "organisation": registration.organisation,
        "country": registration.country,
        "role": registration.position,
        "expert_type": registration.expert_type,
        "timezone": registration.timezone,
        "language": registration.language,
        "message": registration.message,
        "consent_given_at": registration.consent_at.isoformat() if registration.consent_at else None,
        "status": registration.status,
        "email_confirmed_at": registration.verified_at.isoformat() if registration.verified_at else None,
        "routed_to_desk": registration.desk.name,
        "category": registration.category.name if registration.category else None,
        "sessions": [
            s.title or s.starts_at.isoformat()
            for s in registration.event.sessions
            if s.id in chosen_session_ids(registration)
        ],
        "answers": [{"question": a.label, "answer": a.value} for a in registration.answers],
        "history": [
            {"from": t.from_status, "to": t.to_status, "at": t.created_at.isoformat(), "by": t.actor}
            for t in registration.transitions
        ],
    }


def anonymise(registration: Registration, *, reason: str = "participant") -> None:
    """Remove personal data but keep the registration for the counts; an active one is cancelled first.

    This registration's earlier emails lose their recipient and content (queued ones are not sent); the
    cancellation queued here still goes out, without a link to the personal page that is about to disappear,
    and is emptied once sent. Other registrations of the same address are not touched.
    """
    earlier = mail.messages_of(registration_id=registration.id)
    registration.anonymised_at = utcnow()
    db.session.flush()
    if registration.status in ACTIVE_STATUSES:
        cancel(registration, actor=reason)
        registration = fresh(registration)
    mail.scrub_messages(earlier)
    told = [m for m in mail.messages_of(registration_id=registration.id) if m not in earlier]
    mail.scrub_messages(told, send_queued=True)
    _remove_personal_fields(registration)


def _remove_personal_fields(registration: Registration) -> None:
    registration.name = "Deleted participant"
    registration.email = f"deleted-{registration.id}@invalid"
    registration.email_normalized = registration.email
    registration.organisation = ""
    registration.organisation_key = ""
    registration.position = ""
    registration.message = ""
    registration.answers = []
    for entry in registration.transitions:
        entry.message = ""
    for purpose in (TOKEN_VERIFY, TOKEN_MANAGE, TOKEN_JOIN):
        tokens.revoke(registration, purpose)
    db.session.flush()
    # Directory entries, survey answers and certificates of higher domains go too.
    signals.personal_data_deleted.send(registration)


def expire_unverified(now: datetime | None = None, event: Event | None = None) -> int:
    """Mark registrations whose email was never confirmed in time as expired (they held no seat)."""
    now = now or utcnow()
    query = sa.select(Registration).where(
        Registration.status == PENDING_VERIFICATION, Registration.created_at < _verification_cutoff(now)
    )
    if event is not None:
        query = query.where(Registration.event_id == event.id)
    stale = db.session.scalars(query).all()
    for registration in stale:
        _expire(registration)
    db.session.flush()
    return len(stale)


def _verification_cutoff(now: datetime) -> datetime:
    return now - timedelta(hours=current_app.config["VERIFICATION_HOURS"])


def _active_for(event: Event, email: str, now: datetime) -> Registration | None:
    """The address's active registration, unless it waited for its email confirmation too long: then it
    expires, and the address is free."""
    existing = find_active(event, email)
    if existing is not None and _unconfirmed_too_long(existing, now):
        # Expired under the event lock, read afresh: the person may be confirming it at this moment.
        hold_event(event)
        existing = fresh(existing)
        if _unconfirmed_too_long(existing, now):
            _expire(existing)
            return None
    return existing


def _unconfirmed_too_long(registration: Registration, now: datetime) -> bool:
    return registration.status == PENDING_VERIFICATION and registration.created_at < _verification_cutoff(now)


def _expire(registration: Registration) -> None:
    transition(registration, EXPIRED, actor="system", message="Email address not confirmed in time.")
    tokens.revoke(registration, TOKEN_VERIFY)


def remove_old_personal_data(now: datetime | None = None) -> int:
    """Remove the personal data of registrations of events that ended more than RETENTION_DAYS ago.

    Silent: no email, and status and counts stay as they were. Their emails are emptied (queued ones
    cancelled), as are the sent emails of registrations deleted earlier."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["RETENTION_DAYS"])
    ended = (
        sa.select(EventSession.event_id)
        .group_by(EventSession.event_id)
        .having(sa.func.max(EventSession.ends_at) < cutoff)
    )
    old = db.session.scalars(
        sa.select(Registration).where(Registration.event_id.in_(ended), Registration.anonymised_at.is_(None))
    ).all()
    for registration in old:
        registration.anonymised_at = now
        mail.scrub_messages(mail.messages_of(registration_id=registration.id))
        _remove_personal_fields(registration)
    mail.scrub_finished(registration_ids=sa.select(Registration.id).where(Registration.anonymised_at.is_not(None)))
    return len(old)


def participant_shape(registration: Registration) -> dict:
    """What the participant's page shows of their category, answers, sessions and waitlist place."""
    event = registration.event
    chooses = rules_for(event).session_choice
    book = SeatBook.load(event) if chooses else None
    return {
        "session_choice": chooses,
        "chosen_ids": chosen_session_ids(registration),
        "session_left": {s.id: book.session_left(s.id) for s in event.sessions} if book else {},
        "waitlist_place": waitlist_position(registration),
        "now": utcnow(),
        "answer_text": questions.local_answer_text,
    }
