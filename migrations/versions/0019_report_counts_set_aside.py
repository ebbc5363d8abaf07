"""The half-year report counts conversations and measures done late and set aside [R8]:
the index of items done carries their due time, and items set aside get an index of their
own. Built CONCURRENTLY, outside the migration's transaction, so intake goes on.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 11:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

COLUMNS = ['region_code', 'rule', 'done_at']


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index('ix_checklist_item_region_done_due', 'checklist_item', COLUMNS, unique=False,
                        postgresql_include=['due_at'], postgresql_where=sa.text("status = 'done'"),
                        postgresql_concurrently=True)
        op.create_index('ix_checklist_item_region_set_aside', 'checklist_item', COLUMNS, unique=False,
                        postgresql_where=sa.text("status = 'not_applicable'"), postgresql_concurrently=True)
        op.drop_index('ix_checklist_item_region_done', table_name='checklist_item', postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        op.create_index('ix_checklist_item_region_done', 'checklist_item', COLUMNS, unique=False,
                        postgresql_where=sa.text("status = 'done'"), postgresql_concurrently=True)
        op.drop_index('ix_checklist_item_region_set_aside', table_name='checklist_item',
                      postgresql_concurrently=True)
        op.drop_index('ix_checklist_item_region_done_due', table_name='checklist_item',
                      postgresql_concurrently=True)
