"""[R8] the Commissioner's office accepts a submitted half-year report or returns it with
remarks; a decision, like a version, is never changed (the same trigger as the versions).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 15:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

FROZEN = """
CREATE FUNCTION half_year_review_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'half_year_review is frozen once decided: % is not allowed', TG_OP;
END;
$$;
CREATE TRIGGER half_year_review_frozen BEFORE UPDATE OR DELETE ON half_year_review
    FOR EACH ROW EXECUTE FUNCTION half_year_review_frozen();
"""


def upgrade():
    op.create_table(
        'half_year_review',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('decision', sa.String(length=10), nullable=False),
        sa.Column('remarks', sa.Text(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("decision IN ('accepted', 'returned')", name=op.f('ck_half_year_review_decision_known')),
        sa.CheckConstraint("decision = 'accepted' OR remarks IS NOT NULL",
                           name=op.f('ck_half_year_review_return_has_remarks')),
        sa.ForeignKeyConstraint(['report_id'], ['half_year_report.id'],
                                name=op.f('fk_half_year_review_report_id_half_year_report')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_half_year_review_decided_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_half_year_review')),
        sa.UniqueConstraint('report_id', name=op.f('uq_half_year_review_report_id')),
    )
    op.execute(FROZEN)


def downgrade():
    op.execute("DROP TRIGGER half_year_review_frozen ON half_year_review")
    op.execute("DROP FUNCTION half_year_review_frozen()")
    op.drop_table('half_year_review')
