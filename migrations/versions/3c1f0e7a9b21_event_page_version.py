"""events.page_version: grows with every change to what an event's public page shows

Revision ID: 3c1f0e7a9b21
Revises: 27932baa2669
Create Date: 2026-11-29 14:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c1f0e7a9b21'
down_revision = '27932baa2669'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('page_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('page_version')
