"""question translations: event translations carry the texts of the registration form's questions and
categories

Revision ID: 4b8e2d6f1a57
Revises: 7c1e4b2a9d10
Create Date: 2026-11-29 20:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4b8e2d6f1a57'
down_revision = '7c1e4b2a9d10'
branch_labels = None
depends_on = None


def upgrade():
    # Translations made so far translate none of the form: empty objects.
    with op.batch_alter_table('event_translations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('question_texts', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('category_texts', sa.JSON(), server_default='{}', nullable=False))


def downgrade():
    with op.batch_alter_table('event_translations', schema=None) as batch_op:
        batch_op.drop_column('category_texts')
        batch_op.drop_column('question_texts')
