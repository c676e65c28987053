"""An event's registration rules are read once per transaction, and never remembered wrongly."""

import sqlalchemy as sa

from app.extensions import db
from app.registrations.models import RegistrationRules
from app.registrations.services import rules_for
from tests.factories import make_event


class _Statements:
    def __init__(self):
        self.count = 0

    def __enter__(self):
        sa.event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        sa.event.remove(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, *args):
        self.count += 1


def test_absent_rules_are_remembered_past_a_released_savepoint(app, desks):
    event = make_event(desks.tbilisi)
    assert rules_for(event).session_choice is False
    with db.session.begin_nested():
        pass
    with _Statements() as statements:
        assert rules_for(event).session_choice is False
    assert statements.count == 0


def test_rules_added_in_a_released_savepoint_are_seen(app, desks):
    event = make_event(desks.tbilisi)
    assert rules_for(event).session_choice is False
    with db.session.begin_nested():
        db.session.add(RegistrationRules(event_id=event.id, over_limit="refuse", session_choice=True))
    assert rules_for(event).session_choice is True


def test_rules_deleted_in_a_rolled_back_savepoint_are_seen_again(app, desks):
    event = make_event(desks.tbilisi)
    db.session.add(RegistrationRules(event_id=event.id, over_limit="refuse", session_choice=True))
    db.session.commit()
    savepoint = db.session.begin_nested()
    db.session.delete(rules_for(event))
    db.session.flush()
    assert rules_for(event).session_choice is False
    savepoint.rollback()
    assert rules_for(event).session_choice is True


def test_a_new_transaction_reads_the_rules_afresh(app, desks):
    event = make_event(desks.tbilisi)
    assert rules_for(event).session_choice is False
    db.session.commit()
    # Written without the unit of work, as another process would: only the end of the transaction tells.
    db.session.execute(sa.insert(RegistrationRules).values(event_id=event.id, over_limit="refuse", session_choice=True))
    assert rules_for(event).session_choice is True


def test_the_defaults_are_made_once_per_transaction_and_added_like_rules(app, desks):
    event = make_event(desks.tbilisi)
    defaults = rules_for(event)
    assert rules_for(event) is defaults
    db.session.commit()
    again = rules_for(event)
    assert again is not defaults and again.session_choice is False
    # Rules are changed by adding them: the defaults, changed and added, are then the event's rules.
    again.session_choice = True
    db.session.add(again)
    db.session.commit()
    assert rules_for(event).session_choice is True
    assert db.session.get(RegistrationRules, event.id).session_choice is True
