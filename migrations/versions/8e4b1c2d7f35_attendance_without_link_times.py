"""attendance without link times: rows made for a mark by hand or a platform report had the moment they were
made as their access-link join times; they never joined by the link

Revision ID: 8e4b1c2d7f35
Revises: 5d3a7c9e2b14
Create Date: 2026-11-30 01:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8e4b1c2d7f35'
down_revision = '5d3a7c9e2b14'
branch_labels = None
depends_on = None


def upgrade():
    op.execute('UPDATE attendances SET first_joined_at = NULL, last_joined_at = NULL WHERE joins = 0')


def downgrade():
    pass  # the times removed were never join times
