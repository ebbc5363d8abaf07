"""[R7] the partner API: tokens of partner organizations, the idempotency keys of the cases
they send, the token a case came by, and webhooks in the outbox.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None

ALERT_CHANNELS = "('email', 'sms', 'telegram')"
OUTBOX_CHANNELS = "('email', 'sms', 'telegram', 'webhook')"


def upgrade():
    op.create_table(
        'api_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=100), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=12), nullable=False),
        sa.Column('scopes', postgresql.ARRAY(sa.String(length=20)), nullable=False),
        sa.Column('region_codes', postgresql.ARRAY(sa.String(length=2)), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('rate_limit_per_minute', sa.Integer(), nullable=True),
        sa.Column('webhook_url', sa.String(length=500), nullable=True),
        sa.Column('webhook_secret', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("scopes <@ ARRAY['cases:create', 'cases:read', 'reports:read']::varchar[]",
                           name=op.f('ck_api_token_scopes_known')),
        sa.CheckConstraint('rate_limit_per_minute IS NULL OR rate_limit_per_minute > 0',
                           name=op.f('ck_api_token_rate_limit_positive')),
        sa.CheckConstraint("webhook_url IS NULL OR webhook_url LIKE 'https://%'",
                           name=op.f('ck_api_token_webhook_https')),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                                name=op.f('fk_api_token_organization_id_organization')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_api_token_created_by_id_users')),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_api_token_revoked_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash')),
    )
    op.create_index(op.f('ix_api_token_organization_id'), 'api_token', ['organization_id'])
    op.create_table(
        'api_idempotency_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('request_digest', sa.String(length=64), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['token_id'], ['api_token.id'], name=op.f('fk_api_idempotency_key_token_id_api_token')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE',
                                name=op.f('fk_api_idempotency_key_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotency_key')),
        sa.UniqueConstraint('token_id', 'key', name=op.f('uq_api_idempotency_key_token_id')),
    )
    op.add_column('cases', sa.Column('api_token_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('fk_cases_api_token_id_api_token'), 'cases', 'api_token', ['api_token_id'], ['id'])
    op.create_index(op.f('ix_cases_api_token_id'), 'cases', ['api_token_id'])
    op.drop_constraint(op.f('ck_outbox_message_channel_known'), 'outbox_message')
    op.create_check_constraint(op.f('ck_outbox_message_channel_known'), 'outbox_message',
                               f"channel IN {OUTBOX_CHANNELS}")


def downgrade():
    op.execute("DELETE FROM outbox_attempt WHERE message_id IN "
               "(SELECT id FROM outbox_message WHERE channel = 'webhook')")
    op.execute("DELETE FROM outbox_message WHERE channel = 'webhook'")
    op.drop_constraint(op.f('ck_outbox_message_channel_known'), 'outbox_message')
    op.create_check_constraint(op.f('ck_outbox_message_channel_known'), 'outbox_message',
                               f"channel IN {ALERT_CHANNELS}")
    op.drop_index(op.f('ix_cases_api_token_id'), table_name='cases')
    op.drop_constraint(op.f('fk_cases_api_token_id_api_token'), 'cases', type_='foreignkey')
    op.drop_column('cases', 'api_token_id')
    op.drop_table('api_idempotency_key')
    op.drop_index(op.f('ix_api_token_organization_id'), table_name='api_token')
    op.drop_table('api_token')
