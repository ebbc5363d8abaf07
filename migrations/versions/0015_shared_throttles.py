"""Shared throttles: the counted attempts (failed logins, wrong codes, public reports,
password-reset requests) live in Postgres when there is no Redis, so every web worker sees
the same counts. UNLOGGED: no WAL for them; a crash empties the table.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('throttle_hit',
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    prefixes=['UNLOGGED']
    )
    op.create_index('ix_throttle_hit_key_expires_at', 'throttle_hit', ['key', 'expires_at'], unique=False)


def downgrade():
    op.drop_index('ix_throttle_hit_key_expires_at', table_name='throttle_hit')
    op.drop_table('throttle_hit')
