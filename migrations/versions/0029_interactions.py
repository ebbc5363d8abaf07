"""[R7] letters and requests exchanged with the bodies of the region (and [R11.6]
recommendations to restore a child's rights among them): a registry like the others, with
the cases each concerns and the answer awaited.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'interaction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=2), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('dated_on', sa.Date(), nullable=False),
        sa.Column('direction', sa.String(length=10), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('body', sa.String(length=300), nullable=False),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('answer_due', sa.Date(), nullable=True),
        sa.Column('answered_on', sa.Date(), nullable=True),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.CheckConstraint("direction IN ('outgoing', 'incoming')", name=op.f('ck_interaction_direction_known')),
        sa.CheckConstraint("kind IN ('request', 'letter', 'answer', 'recommendation', 'information')",
                           name=op.f('ck_interaction_kind_known')),
        sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_interaction_region_code_region')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_interaction_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_interaction')),
    )
    op.create_index(op.f('ix_interaction_region_code'), 'interaction', ['region_code'])
    op.create_table(
        'interaction_case',
        sa.Column('interaction_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'],
                                name=op.f('fk_interaction_case_interaction_id_interaction'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_interaction_case_case_id_cases'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('interaction_id', 'case_id', name=op.f('pk_interaction_case')),
    )


def downgrade():
    op.drop_table('interaction_case')
    op.drop_table('interaction')
