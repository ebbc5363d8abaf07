"""One thread from [R11.1] to [R13]: a publication may cite the cases it is about (without
identities) and the briefing [R6.10] it reported; an [R11.1] item (informing the media) is
done by the publication that did it.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'publication_case',
        sa.Column('publication_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['publication_id'], ['publication.id'],
                                name=op.f('fk_publication_case_publication_id_publication'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_publication_case_case_id_cases'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('publication_id', 'case_id', name=op.f('pk_publication_case')),
    )
    op.add_column('publication', sa.Column('briefing_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('fk_publication_briefing_id_briefing'), 'publication', 'briefing',
                          ['briefing_id'], ['id'], ondelete='SET NULL')
    op.add_column('checklist_item', sa.Column('publication_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('fk_checklist_item_publication_id_publication'), 'checklist_item', 'publication',
                          ['publication_id'], ['id'], ondelete='SET NULL')


def downgrade():
    op.drop_constraint(op.f('fk_checklist_item_publication_id_publication'), 'checklist_item', type_='foreignkey')
    op.drop_column('checklist_item', 'publication_id')
    op.drop_constraint(op.f('fk_publication_briefing_id_briefing'), 'publication', type_='foreignkey')
    op.drop_column('publication', 'briefing_id')
    op.drop_table('publication_case')
