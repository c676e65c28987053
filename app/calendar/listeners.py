"""How participants' calendars follow registrations and events (announced through app.signals)."""

from app import signals
from app.calendar import invites
from app.events.models import PUBLISHED


@signals.seat_confirmed.connect
def send_access_link_and_invites(registration, promoted: bool = False, message: str = "", **_ignored) -> None:
    """A seat was given: the confirmation with the access link, and one invite per session."""
    invites.send_confirmation(registration, promoted=promoted, message=message)


@signals.seat_withdrawn.connect
def withdraw_invites(registration, reason: str = "", **_ignored) -> None:
    """A seat was given up (cancelled, rejected, event cancelled): the calendar entries are withdrawn."""
    invites.send_cancellations(registration, reason)


@signals.event_changed.connect
def send_calendar_updates(event, change, **_ignored) -> None:
    """A change calendars show: every confirmed participant gets an update with the same UIDs."""
    if change.calendar_changed and event.status == PUBLISHED:
        invites.send_updates(event, change)


@signals.sessions_changed.connect
def invites_for_chosen_sessions(registration, added=(), removed=(), **_ignored) -> None:
    """A participant changed their sessions: invites for the new ones, cancellations for the dropped ones."""
    invites.send_session_changes(registration, list(added), list(removed))
