"""Issue 19, item 6: each region's ombudsman office as the public reaches it (phones, e-mail,
postal address and reception hours in kk and ru) and the data controller the privacy notice
names (the body that decides why and how personal data are processed, in kk and ru, with its
address). One row per region, added when the region's contacts are first saved.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-09 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('region_office',
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('phones', sa.String(length=300), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('address_kk', sa.String(length=500), nullable=True),
    sa.Column('address_ru', sa.String(length=500), nullable=True),
    sa.Column('hours_kk', sa.String(length=300), nullable=True),
    sa.Column('hours_ru', sa.String(length=300), nullable=True),
    sa.Column('controller_name_kk', sa.String(length=500), nullable=True),
    sa.Column('controller_name_ru', sa.String(length=500), nullable=True),
    sa.Column('controller_address_kk', sa.String(length=500), nullable=True),
    sa.Column('controller_address_ru', sa.String(length=500), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'],
                            name=op.f('fk_region_office_region_code_region')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                            name=op.f('fk_region_office_updated_by_id_users')),
    sa.PrimaryKeyConstraint('region_code', name=op.f('pk_region_office'))
    )


def downgrade():
    op.drop_table('region_office')
