"""Setting a checklist item aside with a reason the rules allow [R10.2], [R11]: the reason's
code, and the case in which it was already done. Items set aside before keep their text
as "another reason".

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

REASONS = ('reporter', 'unreachable', 'done_elsewhere', 'other')


def upgrade():
    op.add_column('checklist_item', sa.Column('set_aside_reason', sa.String(length=20), nullable=True))
    op.add_column('checklist_item', sa.Column('linked_case_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('fk_checklist_item_linked_case_id_cases'), 'checklist_item', 'cases',
                          ['linked_case_id'], ['id'])
    op.execute("UPDATE checklist_item SET set_aside_reason = 'other' WHERE status = 'not_applicable'")
    op.drop_constraint(op.f('ck_checklist_item_not_applicable_needs_reason'), 'checklist_item', type_='check')
    op.create_check_constraint('set_aside_reason_known', 'checklist_item',
                               f"set_aside_reason IS NULL OR set_aside_reason IN {REASONS!r}")
    op.create_check_constraint('set_aside_has_reason', 'checklist_item',
                               "status <> 'not_applicable' OR set_aside_reason IS NOT NULL")


def downgrade():
    """Required items set aside go back to open: the old rule let only optional ones be."""
    op.drop_constraint(op.f('ck_checklist_item_set_aside_has_reason'), 'checklist_item', type_='check')
    op.drop_constraint(op.f('ck_checklist_item_set_aside_reason_known'), 'checklist_item', type_='check')
    op.execute("UPDATE checklist_item SET status = 'open', done_at = NULL WHERE status = 'not_applicable' "
               "AND required")
    op.execute("UPDATE checklist_item SET na_reason = coalesce(na_reason, set_aside_reason) "
               "WHERE status = 'not_applicable'")
    op.create_check_constraint('not_applicable_needs_reason', 'checklist_item',
                               "status <> 'not_applicable' OR (NOT required AND na_reason IS NOT NULL)")
    op.drop_constraint(op.f('fk_checklist_item_linked_case_id_cases'), 'checklist_item', type_='foreignkey')
    op.drop_column('checklist_item', 'linked_case_id')
    op.drop_column('checklist_item', 'set_aside_reason')
