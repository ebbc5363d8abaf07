"""[R6.4] a recommendation on legislation is sent to the Commissioner from the software and
answered there: its state (draft, sent, answered), who sent it, the answer's outcome (taken
into account, partly, not) and who answered. Rows entered before keep their story: with a
date of sending they are sent, with a date of answer answered.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

TABLE = 'legislative_recommendation'


def upgrade():
    op.add_column(TABLE, sa.Column('state', sa.String(length=20), server_default='draft', nullable=False))
    op.add_column(TABLE, sa.Column('sent_by_id', sa.Integer(), nullable=True))
    op.add_column(TABLE, sa.Column('outcome', sa.String(length=20), nullable=True))
    op.add_column(TABLE, sa.Column('answered_by_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('fk_legislative_recommendation_sent_by_id_users'), TABLE, 'users',
                          ['sent_by_id'], ['id'], ondelete='SET NULL')
    op.create_foreign_key(op.f('fk_legislative_recommendation_answered_by_id_users'), TABLE, 'users',
                          ['answered_by_id'], ['id'], ondelete='SET NULL')
    op.execute(f"UPDATE {TABLE} SET state = CASE WHEN response_on IS NOT NULL THEN 'answered' "
               "WHEN submitted_on IS NOT NULL THEN 'sent' ELSE 'draft' END")
    op.create_check_constraint(op.f('ck_legislative_recommendation_state_known'), TABLE,
                               "state IN ('draft', 'sent', 'answered')")
    op.create_check_constraint(op.f('ck_legislative_recommendation_outcome_known'), TABLE,
                               "outcome IS NULL OR outcome IN ('taken', 'partly', 'not_taken')")


def downgrade():
    op.drop_constraint(op.f('ck_legislative_recommendation_outcome_known'), TABLE, type_='check')
    op.drop_constraint(op.f('ck_legislative_recommendation_state_known'), TABLE, type_='check')
    op.drop_constraint(op.f('fk_legislative_recommendation_answered_by_id_users'), TABLE, type_='foreignkey')
    op.drop_constraint(op.f('fk_legislative_recommendation_sent_by_id_users'), TABLE, type_='foreignkey')
    for column in ('answered_by_id', 'outcome', 'sent_by_id', 'state'):
        op.drop_column(TABLE, column)
