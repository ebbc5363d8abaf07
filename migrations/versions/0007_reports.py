"""Reports: submitted half-year report versions [R8] with their frozen files, and the
report builder's saved definitions.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 14:15:26.771000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# A submitted version is frozen: a correction is a new version, never an edit.
FROZEN = """
CREATE FUNCTION {table}_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{table} is frozen once submitted: % is not allowed', TG_OP;
END;
$$;
CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_frozen();
"""
FROZEN_TABLES = ("half_year_report", "half_year_report_file")


def upgrade():
    op.create_table('half_year_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('half', sa.SmallInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('figures', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('correction_reason', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('half IN (1, 2)', name=op.f('ck_half_year_report_half_known')),
    sa.CheckConstraint('version = 1 OR correction_reason IS NOT NULL', name=op.f('ck_half_year_report_correction_has_reason')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_half_year_report_version_positive')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_half_year_report_region_code_region')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_half_year_report_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_half_year_report')),
    sa.UniqueConstraint('region_code', 'year', 'half', 'version', name=op.f('uq_half_year_report_region_code'))
    )
    op.create_index(op.f('ix_half_year_report_region_code'), 'half_year_report', ['region_code'], unique=False)
    op.create_table('report_definition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('dataset', sa.String(length=40), nullable=False),
    sa.Column('filters', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('group_by', sa.String(length=40), nullable=False),
    sa.Column('group_by_second', sa.String(length=40), nullable=True),
    sa.Column('measure', sa.String(length=20), nullable=False),
    sa.Column('chart', sa.String(length=10), nullable=False),
    sa.Column('region_code', sa.String(length=2), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("chart IN ('table', 'bar', 'line')", name=op.f('ck_report_definition_chart_known')),
    sa.CheckConstraint("measure IN ('count', 'median_days', 'share_on_time')", name=op.f('ck_report_definition_measure_known')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_report_definition_owner_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_report_definition_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_definition'))
    )
    op.create_index(op.f('ix_report_definition_region_code'), 'report_definition', ['region_code'], unique=False)
    op.create_table('half_year_report_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=4), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("format IN ('xlsx', 'pdf')", name=op.f('ck_half_year_report_file_format_known')),
    sa.CheckConstraint("language IN ('kk', 'ru')", name=op.f('ck_half_year_report_file_language_known')),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], name=op.f('fk_half_year_report_file_file_id_stored_file')),
    sa.ForeignKeyConstraint(['report_id'], ['half_year_report.id'], name=op.f('fk_half_year_report_file_report_id_half_year_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_half_year_report_file')),
    sa.UniqueConstraint('report_id', 'format', 'language', name=op.f('uq_half_year_report_file_report_id'))
    )
    op.create_index(op.f('ix_half_year_report_file_report_id'), 'half_year_report_file', ['report_id'], unique=False)
    for table in FROZEN_TABLES:
        op.execute(FROZEN.format(table=table))


def downgrade():
    for table in FROZEN_TABLES:
        op.execute(f"DROP TRIGGER {table}_frozen ON {table}")
        op.execute(f"DROP FUNCTION {table}_frozen()")
    op.drop_index(op.f('ix_half_year_report_file_report_id'), table_name='half_year_report_file')
    op.drop_table('half_year_report_file')
    op.drop_index(op.f('ix_report_definition_region_code'), table_name='report_definition')
    op.drop_table('report_definition')
    op.drop_index(op.f('ix_half_year_report_region_code'), table_name='half_year_report')
    op.drop_table('half_year_report')
