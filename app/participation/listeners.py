"""Receivers of app.signals: what a sign-up, a registration's end or its data's deletion does to participation."""

from app import signals
from app.participation import certificates, directory, feedback


@signals.signed_up.connect
def list_when_asked_at_sign_up(registration, *, list_in_directory: bool, **_kwargs) -> None:
    if list_in_directory:
        directory.join(registration)


@signals.seat_withdrawn.connect
def leave_directory_when_seat_ends(registration, **_kwargs) -> None:
    # A cancelled or removed participant is no longer listed, not merely hidden.
    directory.leave(registration)


@signals.personal_data_deleted.connect
def forget_participation(registration, **_kwargs) -> None:
    directory.leave(registration)
    feedback.forget_answers(registration)
    certificates.forget(registration)
