"""trust fixes: outbox messages know their registration or contact request; the relay's last outage;
revocable coordinator sessions and remember tokens

Revision ID: 7c1e4f2a9b30
Revises: da6502154096
Create Date: 2026-11-29 14:30:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e4f2a9b30'
down_revision = 'da6502154096'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('coordinators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), server_default='', nullable=False))
    # Every account gets a token of its own; sessions made before this revision (plain ids) end here.
    coordinators = sa.table('coordinators', sa.column('id', sa.Integer()), sa.column('session_token', sa.String()))
    bind = op.get_bind()
    for (coordinator_id,) in bind.execute(sa.select(coordinators.c.id)).fetchall():
        bind.execute(
            coordinators.update()
            .where(coordinators.c.id == coordinator_id)
            .values(session_token=secrets.token_urlsafe(24))
        )

    op.create_table('remember_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coordinator_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coordinator_id'], ['coordinators.id'], name=op.f('fk_remember_tokens_coordinator_id_coordinators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remember_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_remember_tokens_token_hash'))
    )
    with op.batch_alter_table('remember_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remember_tokens_coordinator_id'), ['coordinator_id'], unique=False)

    op.create_table('mail_relay_status',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('down_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_relay_status'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('contact_request_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('scrub_after_send', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('scrubbed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('unreachable_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index(batch_op.f('ix_outbox_messages_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_contact_request_id'), ['contact_request_id'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_messages_contact_request_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_messages_registration_id'))
        batch_op.drop_column('unreachable_attempts')
        batch_op.drop_column('scrubbed_at')
        batch_op.drop_column('scrub_after_send')
        batch_op.drop_column('contact_request_id')
        batch_op.drop_column('registration_id')

    op.drop_table('mail_relay_status')

    with op.batch_alter_table('remember_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remember_tokens_coordinator_id'))
    op.drop_table('remember_tokens')

    with op.batch_alter_table('coordinators', schema=None) as batch_op:
        batch_op.drop_column('session_token')
