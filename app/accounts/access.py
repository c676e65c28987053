"""Who may see what: admins see every desk, coordinators only their own."""

from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user, login_required


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def visible_desk_ids(user) -> set[int] | None:
    """The desks whose registrations and requests ``user`` may see; None means all (admin)."""
    if user.is_admin:
        return None
    return user.desk_ids


def can_see_desk(user, desk_id: int | None) -> bool:
    ids = visible_desk_ids(user)
    return ids is None or desk_id in ids


def desk_filter(column, user):
    """A WHERE clause limiting ``column`` (a desk_id column) to the user's desks."""
    return within_desks(column, visible_desk_ids(user))


def within_desks(column, desk_ids: set[int] | None):
    """A WHERE clause limiting ``column`` (a desk_id column) to ``desk_ids``: None is every desk (an admin's
    view), an empty set none (a coordinator without a desk sees nothing)."""
    if desk_ids is None:
        return sa.true()
    return column.in_(desk_ids or {-1})
