"""programme: agendas, speakers, materials, follow-ups, pictures

Revision ID: a26b1a737a38
Revises: 29465bdc70fc
Create Date: 2026-11-29 14:49:02.665471

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a26b1a737a38'
down_revision = '29465bdc70fc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stored_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('path', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_files'))
    )
    op.create_table('event_pictures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('alt_text', sa.String(length=300), nullable=False),
    sa.Column('caption', sa.String(length=500), nullable=False),
    sa.Column('credit', sa.String(length=300), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_pictures_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_pictures'))
    )
    with op.batch_alter_table('event_pictures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_pictures_event_id'), ['event_id'], unique=False)

    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.String(length=20), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('recipient_count', sa.Integer(), nullable=False),
    sa.Column('coordinator_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coordinator_id'], ['coordinators.id'], name=op.f('fk_follow_ups_coordinator_id_coordinators'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_follow_ups_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['event_sessions.id'], name=op.f('fk_follow_ups_session_id_event_sessions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_ups_event_id'), ['event_id'], unique=False)

    op.create_table('materials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('visibility', sa.String(length=20), nullable=False),
    sa.Column('coordinator_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coordinator_id'], ['coordinators.id'], name=op.f('fk_materials_coordinator_id_coordinators'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_materials_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_materials_file_id_stored_files'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['event_sessions.id'], name=op.f('fk_materials_session_id_event_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_materials'))
    )
    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_materials_event_id'), ['event_id'], unique=False)

    op.create_table('picture_renditions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('picture_id', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_picture_renditions_file_id_stored_files'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['picture_id'], ['event_pictures.id'], name=op.f('fk_picture_renditions_picture_id_event_pictures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_picture_renditions'))
    )
    with op.batch_alter_table('picture_renditions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_picture_renditions_picture_id'), ['picture_id'], unique=False)

    op.create_table('session_speakers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=200), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('photo_file_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['photo_file_id'], ['stored_files.id'], name=op.f('fk_session_speakers_photo_file_id_stored_files'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['event_sessions.id'], name=op.f('fk_session_speakers_session_id_event_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_speakers'))
    )
    with op.batch_alter_table('session_speakers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_speakers_session_id'), ['session_id'], unique=False)

    with op.batch_alter_table('event_sessions', schema=None) as batch_op:
        # Existing sessions get an empty agenda and no meeting link of their own (the event's applies).
        batch_op.add_column(sa.Column('agenda', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('meeting_url', sa.String(length=500), nullable=False, server_default=''))



def downgrade():
    with op.batch_alter_table('event_sessions', schema=None) as batch_op:
        batch_op.drop_column('meeting_url')
        batch_op.drop_column('agenda')

    with op.batch_alter_table('session_speakers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_speakers_session_id'))

    op.drop_table('session_speakers')
    with op.batch_alter_table('picture_renditions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_picture_renditions_picture_id'))

    op.drop_table('picture_renditions')
    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_materials_event_id'))

    op.drop_table('materials')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_event_id'))

    op.drop_table('follow_ups')
    with op.batch_alter_table('event_pictures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_pictures_event_id'))

    op.drop_table('event_pictures')
    op.drop_table('stored_files')
