"""Receivers of app.signals: what a registration's end or its data's deletion does to participation."""

from app import signals
from app.participation import certificates, directory, feedback


@signals.seat_withdrawn.connect
def leave_directory_when_seat_ends(registration, **_kwargs) -> None:
    # A cancelled or removed participant is no longer listed, not merely hidden.
    directory.leave(registration)


@signals.personal_data_deleted.connect
def forget_participation(registration, **_kwargs) -> None:
    directory.leave(registration)
    feedback.forget_answers(registration)
    certificates.forget(registration)
