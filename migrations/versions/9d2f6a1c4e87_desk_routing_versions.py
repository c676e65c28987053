"""desk routing versions: a counter that grows with every change to a desk, by which processes keep the
desks for routing

Revision ID: 9d2f6a1c4e87
Revises: 8e4b1c2d7f35
Create Date: 2026-11-30 05:20:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '9d2f6a1c4e87'
down_revision = '8e4b1c2d7f35'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'desk_routing_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_routing_versions')),
    )
    op.bulk_insert(table, [{'id': 1, 'version': 0}])


def downgrade():
    op.drop_table('desk_routing_versions')
