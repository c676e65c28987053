"""event page change notices: PostgreSQL announces committed changes to what event pages show (LISTEN/NOTIFY)

Revision ID: 5d3a7c9e2b14
Revises: 4b8e2d6f1a57
Create Date: 2026-11-30 00:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5d3a7c9e2b14'
down_revision = '4b8e2d6f1a57'
branch_labels = None
depends_on = None

CHANNEL = 'eventdesk_event_page'
FUNCTION = f"""
CREATE OR REPLACE FUNCTION eventdesk_event_page_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM pg_notify('{CHANNEL}', '*');
  ELSIF TG_TABLE_NAME = 'events' THEN
    PERFORM pg_notify('{CHANNEL}', (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)::text);
  ELSIF TG_TABLE_NAME = 'event_sessions' THEN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      PERFORM pg_notify('{CHANNEL}', OLD.event_id::text);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.event_id <> OLD.event_id) THEN
      PERFORM pg_notify('{CHANNEL}', NEW.event_id::text);
    END IF;
  ELSE
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'confirmed'
       AND (TG_OP = 'DELETE' OR NEW.status <> 'confirmed' OR NEW.event_id <> OLD.event_id) THEN
      PERFORM pg_notify('{CHANNEL}', OLD.event_id::text);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'confirmed'
       AND (TG_OP = 'INSERT' OR OLD.status <> 'confirmed' OR NEW.event_id <> OLD.event_id) THEN
      PERFORM pg_notify('{CHANNEL}', NEW.event_id::text);
    END IF;
  END IF;
  RETURN NULL;
END $$
"""
ROW_TRIGGERS = {
    'events': 'INSERT OR UPDATE OR DELETE',
    'event_sessions': 'INSERT OR UPDATE OR DELETE',
    'registrations': 'INSERT OR UPDATE OF status, event_id OR DELETE',
}


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return  # one SQLite file serves one host: its processes read the facts on every request
    op.execute(FUNCTION)
    for table, events in ROW_TRIGGERS.items():
        op.execute(
            f'CREATE TRIGGER event_page_changed AFTER {events} ON {table} '
            'FOR EACH ROW EXECUTE FUNCTION eventdesk_event_page_changed()'
        )
        op.execute(
            f'CREATE TRIGGER event_page_truncated AFTER TRUNCATE ON {table} '
            'FOR EACH STATEMENT EXECUTE FUNCTION eventdesk_event_page_changed()'
        )


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in ROW_TRIGGERS:
        op.execute(f'DROP TRIGGER IF EXISTS event_page_changed ON {table}')
        op.execute(f'DROP TRIGGER IF EXISTS event_page_truncated ON {table}')
    op.execute('DROP FUNCTION IF EXISTS eventdesk_event_page_changed()')
