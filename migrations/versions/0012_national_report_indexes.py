"""Indexes for the national roll-up of the half-year reports [R8]: cases by the time they
were received, registered, answered and closed, for all regions at once.

Built CONCURRENTLY, outside the migration's transaction: cases keep coming in meanwhile.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 16:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_cases_received': 'received_at',
    'ix_cases_registered': 'registered_at',
    'ix_cases_answered': 'answered_at',
    'ix_cases_closed': 'closed_at',
}


def upgrade():
    with op.get_context().autocommit_block():
        for name, column in INDEXES.items():
            op.create_index(name, 'cases', [column], postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        for name in INDEXES:
            op.drop_index(name, table_name='cases', postgresql_concurrently=True)
