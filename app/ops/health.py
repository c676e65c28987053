"""Readiness checks: the database answers, its schema is at the newest migration, mail is being sent."""

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from flask import current_app

from app.extensions import db
from app.types import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def migration_heads() -> frozenset[str]:
    """The newest revisions in migrations/ (read once: the files do not change while the app runs)."""
    heads = current_app.extensions.get("eventdesk_migration_heads")
    if heads is None:
        config = AlembicConfig()
        config.set_main_option("script_location", current_app.extensions["migrate"].directory)
        heads = frozenset(ScriptDirectory.from_config(config).get_heads())
        current_app.extensions["eventdesk_migration_heads"] = heads
    return heads


def oldest_overdue_mail(now: datetime) -> datetime | None:
    """When the longest-waiting due message became due: a queued one whose time has come, or one whose
    worker's lease ran out. Messages waiting out a retry delay are not overdue, so a relay outage that
    the workers are riding out does not take the web app out of service."""
    from app.mail.models import QUEUED, SENDING, OutboxMessage

    return db.session.scalar(
        sa.select(
            sa.func.min(
                sa.case(
                    (OutboxMessage.status == SENDING, OutboxMessage.lease_expires_at),
                    else_=OutboxMessage.next_attempt_at,
                )
            )
        ).where(
            sa.or_(
                sa.and_(OutboxMessage.status == QUEUED, OutboxMessage.next_attempt_at <= now),
                sa.and_(OutboxMessage.status == SENDING, OutboxMessage.lease_expires_at < now),
            )
        )
    )


def readiness() -> list[Check]:
    """Every check, in order; after a failed database or migration check the others are not tried."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not ready"; the details go to the log only
        log.exception("readiness: the database does not answer")
        db.session.rollback()
        return [Check("database", False, "unreachable")]
    checks = [Check("database", True, "ok")]
    try:
        current = set(db.session.scalars(sa.text("SELECT version_num FROM alembic_version")))
    except sa.exc.DBAPIError:
        db.session.rollback()
        current = set()
    heads = migration_heads()
    if current != heads:
        # The other checks would read tables that may not be there yet.
        checks.append(Check("migrations", False, "the database is not at the newest migration (flask db upgrade)"))
        db.session.rollback()
        return checks
    checks.append(Check("migrations", True, "current"))
    limit = current_app.config["READY_MAIL_MAX_DELAY_SECONDS"]
    now = utcnow()
    due_since = oldest_overdue_mail(now)
    delay = (now - due_since).total_seconds() if due_since else 0.0
    if limit and delay > limit:
        checks.append(Check("mail", False, f"a message has waited {delay:.0f} s for a worker (limit {limit} s)"))
    else:
        checks.append(Check("mail", True, f"oldest due message waits {delay:.0f} s"))
    db.session.rollback()
    return checks
