"""[R8] the ombudsman's own words in the half-year report: a draft per region and half-year,
saved as it is typed, and the copy frozen with each submitted version.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'half_year_narrative',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=2), nullable=False),
        sa.Column('year', sa.SmallInteger(), nullable=False),
        sa.Column('half', sa.SmallInteger(), nullable=False),
        sa.Column('sections', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('resonant_cases', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('half IN (1, 2)', name=op.f('ck_half_year_narrative_half_known')),
        sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_half_year_narrative_region_code_region')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_half_year_narrative_updated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_half_year_narrative')),
        sa.UniqueConstraint('region_code', 'year', 'half', name=op.f('uq_half_year_narrative_region_code')),
    )
    # A column added to an append-only table: its trigger refuses UPDATE, not ALTER.
    op.add_column('half_year_report', sa.Column('narrative', postgresql.JSONB(astext_type=sa.Text()), nullable=True))


def downgrade():
    op.drop_column('half_year_report', 'narrative')
    op.drop_table('half_year_narrative')
