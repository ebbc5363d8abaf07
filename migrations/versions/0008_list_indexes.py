"""Indexes for the case list at a million cases: its default order (urgent first, newest
first), the order by due date and the filter by state, each for one region and for all;
full-text search of the description; search of children by IIN.

Built CONCURRENTLY, outside the migration's transaction, so that a live database keeps
taking cases while a big table is indexed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 14:23:16.205362

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

CASE_INDEXES = {
    'ix_cases_region_urgent_received': ['region_code', 'urgent', 'received_at'],
    'ix_cases_urgent_received': ['urgent', 'received_at'],
    'ix_cases_region_due': ['region_code', 'due_on'],
    'ix_cases_due': ['due_on'],
    'ix_cases_region_state_urgent_received': ['region_code', 'state', 'urgent', 'received_at'],
    'ix_cases_state_urgent_received': ['state', 'urgent', 'received_at'],
}


def upgrade():
    with op.get_context().autocommit_block():
        for name, columns in CASE_INDEXES.items():
            op.create_index(name, 'cases', columns, unique=False, postgresql_concurrently=True)
        op.create_index('ix_cases_description_fts', 'cases',
                        [sa.literal_column("to_tsvector('simple'::regconfig, description)")],
                        unique=False, postgresql_using='gin', postgresql_concurrently=True)
        op.create_index('ix_case_child_iin', 'case_child', ['iin'], unique=False,
                        postgresql_where=sa.text('iin IS NOT NULL'), postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index('ix_case_child_iin', table_name='case_child', postgresql_concurrently=True)
        op.drop_index('ix_cases_description_fts', table_name='cases', postgresql_concurrently=True)
        for name in reversed(CASE_INDEXES):
            op.drop_index(name, table_name='cases', postgresql_concurrently=True)
