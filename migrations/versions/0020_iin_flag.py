"""A child whose IIN gives a birth date that makes them an adult, or another age than the one
stated, is flagged for staff ("adult", "age_mismatch"); the report is accepted all the same.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('case_child', sa.Column('iin_flag', sa.String(length=20), nullable=True))
    op.create_check_constraint('iin_flag_known', 'case_child',
                               "iin_flag IS NULL OR iin_flag IN ('adult', 'age_mismatch')")


def downgrade():
    op.drop_constraint(op.f('ck_case_child_iin_flag_known'), 'case_child', type_='check')
    op.drop_column('case_child', 'iin_flag')
