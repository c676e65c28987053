"""attendance from three sources and report imports; feedback surveys, certificates, the participant directory

Revision ID: 5110edca78cb
Revises: a26b1a737a38
Create Date: 2026-11-29 14:44:10.807524

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5110edca78cb'
down_revision = 'a26b1a737a38'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('minimum', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('organiser', sa.String(length=200), nullable=False),
    sa.Column('signatory', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_certificate_rules_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_rules')),
    sa.UniqueConstraint('event_id', name=op.f('uq_certificate_rules_event_id'))
    )
    op.create_table('feedback_surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('timing', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('anonymous_results', sa.Boolean(), nullable=False),
    sa.Column('intro', sa.Text(), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_feedback_surveys_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_surveys')),
    sa.UniqueConstraint('event_id', name=op.f('uq_feedback_surveys_event_id'))
    )
    op.create_table('attendance_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('coordinator_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('matches', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['coordinator_id'], ['coordinators.id'], name=op.f('fk_attendance_imports_coordinator_id_coordinators'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['event_sessions.id'], name=op.f('fk_attendance_imports_session_id_event_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_imports'))
    )
    with op.batch_alter_table('attendance_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_imports_session_id'), ['session_id'], unique=False)

    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('sessions', sa.JSON(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_certificates_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_certificates_registration_id_registrations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('code', name=op.f('uq_certificates_code')),
    sa.UniqueConstraint('event_id', 'registration_id', name=op.f('uq_certificates_event_id'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_registration_id'), ['registration_id'], unique=False)

    op.create_table('directory_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('introduction', sa.String(length=1000), nullable=False),
    sa.Column('topics', sa.String(length=500), nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['coordinators.id'], name=op.f('fk_directory_entries_hidden_by_id_coordinators'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_directory_entries_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_entries')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_directory_entries_registration_id'))
    )
    op.create_table('directory_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('address_revealed', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recipient_id'], ['registrations.id'], name=op.f('fk_directory_messages_recipient_id_registrations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sender_id'], ['registrations.id'], name=op.f('fk_directory_messages_sender_id_registrations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_messages'))
    )
    with op.batch_alter_table('directory_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_messages_sender_id'), ['sender_id'], unique=False)

    op.create_table('feedback_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['feedback_surveys.id'], name=op.f('fk_feedback_questions_survey_id_feedback_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_questions'))
    )
    with op.batch_alter_table('feedback_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_questions_survey_id'), ['survey_id'], unique=False)

    op.create_table('feedback_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('worked', sa.Text(), nullable=False),
    sa.Column('improve', sa.Text(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_feedback_responses_registration_id_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['event_sessions.id'], name=op.f('fk_feedback_responses_session_id_event_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['feedback_surveys.id'], name=op.f('fk_feedback_responses_survey_id_feedback_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_responses')),
    sa.UniqueConstraint('survey_id', 'registration_id', 'session_id', name=op.f('uq_feedback_responses_survey_id'))
    )
    with op.batch_alter_table('feedback_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_responses_registration_id'), ['registration_id'], unique=False)

    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marked_present', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('marked_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('report_joined_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('report_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('report_import_id', sa.Integer(), nullable=True))
        batch_op.alter_column('first_joined_at',
               existing_type=sa.DateTime(timezone=True),
               nullable=True)
        batch_op.alter_column('last_joined_at',
               existing_type=sa.DateTime(timezone=True),
               nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_attendances_marked_by_id_coordinators'), 'coordinators', ['marked_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_attendances_report_import_id_attendance_imports'), 'attendance_imports', ['report_import_id'], ['id'], ondelete='SET NULL')



def downgrade():
    # Attendance known only from marks by hand or reports has no link join time: it cannot stay.
    op.execute("DELETE FROM attendances WHERE first_joined_at IS NULL OR last_joined_at IS NULL")
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attendances_report_import_id_attendance_imports'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_attendances_marked_by_id_coordinators'), type_='foreignkey')
        batch_op.alter_column('last_joined_at',
               existing_type=sa.DateTime(timezone=True),
               nullable=False)
        batch_op.alter_column('first_joined_at',
               existing_type=sa.DateTime(timezone=True),
               nullable=False)
        batch_op.drop_column('report_import_id')
        batch_op.drop_column('report_minutes')
        batch_op.drop_column('report_joined_at')
        batch_op.drop_column('marked_by_id')
        batch_op.drop_column('marked_present')

    with op.batch_alter_table('feedback_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_responses_registration_id'))

    op.drop_table('feedback_responses')
    with op.batch_alter_table('feedback_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_questions_survey_id'))

    op.drop_table('feedback_questions')
    with op.batch_alter_table('directory_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_messages_sender_id'))

    op.drop_table('directory_messages')
    op.drop_table('directory_entries')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_registration_id'))
        batch_op.drop_index(batch_op.f('ix_certificates_event_id'))

    op.drop_table('certificates')
    with op.batch_alter_table('attendance_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_imports_session_id'))

    op.drop_table('attendance_imports')
    op.drop_table('feedback_surveys')
    op.drop_table('certificate_rules')
