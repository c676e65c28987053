"""languages: the language of registrations, contact requests and coordinators; event translations

Revision ID: 7c1e4b2a9d10
Revises: 5110edca78cb
Create Date: 2026-11-30 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e4b2a9d10'
down_revision = '5110edca78cb'
branch_labels = None
depends_on = None


def upgrade():
    # Everything written so far was English.
    with op.batch_alter_table('coordinators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), server_default='en', nullable=False))
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), server_default='en', nullable=False))
    with op.batch_alter_table('contact_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), server_default='en', nullable=False))

    op.create_table('event_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('session_titles', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_translations_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_translations')),
    sa.UniqueConstraint('event_id', 'language', name=op.f('uq_event_translations_event_id'))
    )
    with op.batch_alter_table('event_translations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_translations_event_id'), ['event_id'], unique=False)


def downgrade():
    with op.batch_alter_table('event_translations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_translations_event_id'))
    op.drop_table('event_translations')
    with op.batch_alter_table('contact_requests', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('coordinators', schema=None) as batch_op:
        batch_op.drop_column('language')
