"""The case list and the half-year report at a million cases: indexes for the list's
default order (urgent first, newest first), its order by due date and its filter by state,
each for one region and for all; the words of the description kept as a stored
``tsvector`` with a GIN index, for its search; an index on the children's IIN; and for the
report, a region's cases by id and by the time they were registered, answered and closed,
the checklist items done and the automatic alerts, and the extensions decided.

The indexes are built CONCURRENTLY, outside the migration's transaction, so that a live
database keeps taking cases meanwhile. Adding the stored column rewrites ``cases`` once
(under a lock: minutes at a million cases, a moment at today's size).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 14:23:16.205362

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


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
    'ix_cases_region_id': ['region_code', 'id'],
    'ix_cases_region_registered': ['region_code', 'registered_at'],
    'ix_cases_region_answered': ['region_code', 'answered_at'],
    'ix_cases_region_closed': ['region_code', 'closed_at'],
}


def upgrade():
    op.add_column('cases', sa.Column(
        'description_search', postgresql.TSVECTOR(),
        sa.Computed("strip(to_tsvector('simple'::regconfig, description))", persisted=True),
        nullable=True))
    with op.get_context().autocommit_block():
        for name, columns in CASE_INDEXES.items():
            op.create_index(name, 'cases', columns, unique=False, postgresql_concurrently=True)
        op.create_index('ix_cases_description_search', 'cases', ['description_search'], unique=False,
                        postgresql_using='gin', postgresql_concurrently=True)
        op.create_index('ix_case_child_iin', 'case_child', ['iin'], unique=False,
                        postgresql_where=sa.text('iin IS NOT NULL'), postgresql_concurrently=True)
        op.create_index('ix_checklist_item_done_at', 'checklist_item', ['done_at', 'rule', 'case_id'],
                        unique=False, postgresql_where=sa.text("status = 'done'"),
                        postgresql_concurrently=True)
        op.create_index('ix_checklist_item_alerts', 'checklist_item', ['case_id'], unique=False,
                        postgresql_include=['rule', 'status', 'done_at'],
                        postgresql_where=sa.text("rule IN ('R10.1', 'R10.3')"),
                        postgresql_concurrently=True)
        op.create_index('ix_case_step_extend_at', 'case_step', ['at'], unique=False,
                        postgresql_where=sa.text("action = 'extend'"), postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index('ix_case_step_extend_at', table_name='case_step', postgresql_concurrently=True)
        op.drop_index('ix_checklist_item_alerts', table_name='checklist_item', postgresql_concurrently=True)
        op.drop_index('ix_checklist_item_done_at', table_name='checklist_item', postgresql_concurrently=True)
        op.drop_index('ix_case_child_iin', table_name='case_child', postgresql_concurrently=True)
        op.drop_index('ix_cases_description_search', table_name='cases', postgresql_concurrently=True)
        for name in reversed(CASE_INDEXES):
            op.drop_index(name, table_name='cases', postgresql_concurrently=True)
    op.drop_column('cases', 'description_search')
