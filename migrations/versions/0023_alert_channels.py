"""Alerts by SMS and Telegram as well as e-mail [R10.1]: each outbox message has its channel
(one address per SMS or Telegram message); staff accounts and directory organizations have a
mobile number, a Telegram chat and the channel they prefer for ordinary alerts; a staff
member links their Telegram chat with a one-time code (its hash and expiry are kept).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

CHANNELS = "('email', 'sms', 'telegram')"


def _contact_columns(table):
    op.add_column(table, sa.Column('telegram_chat_id', sa.String(length=64), nullable=True))
    op.add_column(table, sa.Column('alert_channel', sa.String(length=10), nullable=False,
                                   server_default='email'))
    op.create_check_constraint(op.f(f'ck_{table}_alert_channel_known'), table,
                               f'alert_channel IN {CHANNELS}')


def upgrade():
    op.add_column('outbox_message', sa.Column('channel', sa.String(length=10), nullable=False,
                                              server_default='email'))
    op.create_check_constraint(op.f('ck_outbox_message_channel_known'), 'outbox_message',
                               f'channel IN {CHANNELS}')
    op.alter_column('outbox_attempt', 'transport', type_=sa.String(length=20))
    _contact_columns('users')
    _contact_columns('organization')
    op.add_column('users', sa.Column('phone', sa.String(length=20), nullable=True))
    op.add_column('users', sa.Column('telegram_code_hash', sa.String(length=64), nullable=True))
    op.add_column('users', sa.Column('telegram_code_expires_at', sa.DateTime(timezone=True),
                                     nullable=True))


def downgrade():
    for column in ('telegram_code_expires_at', 'telegram_code_hash', 'phone'):
        op.drop_column('users', column)
    for table in ('organization', 'users'):
        op.drop_constraint(op.f(f'ck_{table}_alert_channel_known'), table)
        op.drop_column(table, 'alert_channel')
        op.drop_column(table, 'telegram_chat_id')
    op.alter_column('outbox_attempt', 'transport', type_=sa.String(length=10))
    op.drop_constraint(op.f('ck_outbox_message_channel_known'), 'outbox_message')
    op.drop_column('outbox_message', 'channel')
