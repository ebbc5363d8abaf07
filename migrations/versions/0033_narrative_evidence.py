"""[R8] the systemic problems of the ombudsman's words are linked to the cases and visits that
show them.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 16:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('half_year_narrative', sa.Column(
        'evidence', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False))


def downgrade():
    op.drop_column('half_year_narrative', 'evidence')
