"""A new report's receipt code held for the browser that sent it, until the reporter says it
is saved (issue 19): the token's hash, the code sealed under a key derived from the token.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'receipt_hold',
        sa.Column('token_hash', sa.String(length=64), primary_key=True),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id', ondelete='CASCADE'), nullable=False),
        sa.Column('sealed_code', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    )
    op.create_index('ix_receipt_hold_case_id', 'receipt_hold', ['case_id'])
    op.create_index('ix_receipt_hold_created_at', 'receipt_hold', ['created_at'])


def downgrade():
    op.drop_table('receipt_hold')
