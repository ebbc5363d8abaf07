"""Settings that administrators change in the admin.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 12:09:25.330465

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('setting',
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_setting_updated_by_id_users')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_setting'))
    )


def downgrade():
    op.drop_table('setting')
