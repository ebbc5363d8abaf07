"""[R9] The ombudsman's membership of the akimat's two commissions (on minors' affairs and on
women's affairs and family-demographic policy): the akimat's decision (number and date), from
a day and, unless open-ended, until one. A registry like the others (models/registry_specs.py).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('commission_membership',
    sa.Column('commission', sa.String(length=20), nullable=False),
    sa.Column('decision_number', sa.String(length=100), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=False),
    sa.Column('member_from', sa.Date(), nullable=False),
    sa.Column('member_to', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("commission IN ('kdn', 'women_family')",
                       name=op.f('ck_commission_membership_commission_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_commission_membership_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'],
                            name=op.f('fk_commission_membership_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commission_membership'))
    )
    op.create_index(op.f('ix_commission_membership_region_code'), 'commission_membership', ['region_code'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_commission_membership_region_code'), table_name='commission_membership')
    op.drop_table('commission_membership')
