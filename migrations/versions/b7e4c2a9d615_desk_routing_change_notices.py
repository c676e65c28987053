"""desk routing change notices: a change of the desks' routing version is announced to the listening processes

Revision ID: b7e4c2a9d615
Revises: 9d2f6a1c4e87
Create Date: 2026-11-30 14:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7e4c2a9d615'
down_revision = '9d2f6a1c4e87'
branch_labels = None
depends_on = None

CHANNEL = 'eventdesk_event_page'
FUNCTION = f"""
CREATE OR REPLACE FUNCTION eventdesk_desk_routing_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('{CHANNEL}', '*');
  RETURN NULL;
END $$
"""


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(FUNCTION)
    op.execute(
        'CREATE TRIGGER desk_routing_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON desk_routing_versions '
        'FOR EACH STATEMENT EXECUTE FUNCTION eventdesk_desk_routing_changed()'
    )


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP TRIGGER IF EXISTS desk_routing_changed ON desk_routing_versions')
    op.execute('DROP FUNCTION IF EXISTS eventdesk_desk_routing_changed()')
