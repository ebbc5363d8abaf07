"""Staff intake as it arrives: a case's incoming number (e-Otinish, a letter's registration
number) and the body that sent it on.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('cases', sa.Column('incoming_number', sa.String(length=100), nullable=True))
    op.add_column('cases', sa.Column('sender', sa.String(length=300), nullable=True))


def downgrade():
    op.drop_column('cases', 'sender')
    op.drop_column('cases', 'incoming_number')
