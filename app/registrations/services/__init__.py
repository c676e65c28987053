"""Registration business rules, by section: seats and the waitlist, coordinators' decisions, participants'
actions, notifications and coordinators' lists.

Every function runs inside the caller's transaction and flushes; the request (or command) commits.
"""

from app.registrations.services.common import RegistrationError, lock_event
from app.registrations.services.decisions import (
    DECISIONS,
    ConfirmationNeeded,
    Outcome,
    cancel_for_event,
    decide,
    decide_many,
    registration_actions,
)
from app.registrations.services.participants import (
    RegistrationData,
    anonymise,
    awaiting_confirmation,
    cancel_by_participant,
    change_timezone,
    expire_unverified,
    find_active,
    new_manage_token,
    participant_by_token,
    personal_data,
    register,
    remove_old_personal_data,
    verify,
)
from app.registrations.services.queries import (
    emails_for,
    registrations_for_decision,
    search,
    status_counts,
    with_failed_email,
)
from app.registrations.services.seats import confirmed_count, fill_seats, has_free_seat, seats_left

__all__ = [
    "DECISIONS",
    "ConfirmationNeeded",
    "Outcome",
    "RegistrationData",
    "RegistrationError",
    "anonymise",
    "awaiting_confirmation",
    "cancel_by_participant",
    "cancel_for_event",
    "change_timezone",
    "confirmed_count",
    "decide",
    "decide_many",
    "emails_for",
    "expire_unverified",
    "fill_seats",
    "find_active",
    "has_free_seat",
    "lock_event",
    "new_manage_token",
    "participant_by_token",
    "personal_data",
    "register",
    "registration_actions",
    "registrations_for_decision",
    "remove_old_personal_data",
    "search",
    "seats_left",
    "status_counts",
    "verify",
    "with_failed_email",
]
