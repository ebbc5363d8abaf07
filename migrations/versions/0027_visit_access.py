"""[R6.5] unimpeded access: a visit records whether access was given, refused or obstructed,
by whom, what was refused and the legal basis they cited.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('visit', sa.Column('access', sa.String(length=20), server_default='granted', nullable=False))
    op.add_column('visit', sa.Column('refused_by', sa.String(length=300), nullable=True))
    op.add_column('visit', sa.Column('refused_what', sa.Text(), nullable=True))
    op.add_column('visit', sa.Column('refusal_basis', sa.Text(), nullable=True))
    op.create_check_constraint(op.f('ck_visit_access_known'), 'visit', "access IN ('granted', 'refused', 'obstructed')")


def downgrade():
    op.drop_constraint(op.f('ck_visit_access_known'), 'visit', type_='check')
    for column in ('refusal_basis', 'refused_what', 'refused_by', 'access'):
        op.drop_column('visit', column)
