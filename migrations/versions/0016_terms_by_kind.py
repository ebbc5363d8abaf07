"""Terms by kind of case (services.terms): the kinds staff file besides appeals and
complaints, the day by which a case outside competence is forwarded, details of a case step
(a recomputed deadline), and the cut-off as a time of day (18:30) instead of an hour.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 09:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

KINDS = ('appeal', 'complaint', 'request_information', 'proposal', 'message', 'response', 'media_request')


def _kinds(kinds):
    op.drop_constraint(op.f('ck_cases_kind_known'), 'cases', type_='check')
    op.create_check_constraint('kind_known', 'cases', f"kind IN {kinds!r}")


def upgrade():
    _kinds(KINDS)
    op.add_column('cases', sa.Column('forward_due_on', sa.Date(), nullable=True))
    op.add_column('case_step', sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.execute("UPDATE setting SET key = 'workday_cutoff', value = lpad(value, 2, '0') || ':' || '00' "
               "WHERE key = 'workday_cutoff_hour' AND value ~ '^[0-9]{1,2}$'")


def downgrade():
    """Cases of the new kinds must be gone first: the old constraint admits two kinds."""
    op.execute("UPDATE setting SET key = 'workday_cutoff_hour', value = split_part(value, ':', 1)::int::text "
               "WHERE key = 'workday_cutoff'")
    op.drop_column('case_step', 'details')
    op.drop_column('cases', 'forward_due_on')
    _kinds(KINDS[:2])
