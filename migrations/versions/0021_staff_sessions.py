"""Sessions that end: a server-side record of each staff session (the hash of its cookie's
token), ended at logout, password change or by an administrator; and the start tokens of
public forms already sent, so a form is sent once.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_reason', sa.String(length=30), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_session_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_session_token_hash'))
    )
    op.create_index('ix_staff_session_user_live', 'staff_session', ['user_id'], unique=False,
                    postgresql_where=sa.text('ended_at IS NULL'))
    op.create_table('used_form_token',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_used_form_token'))
    )
    op.create_index('ix_used_form_token_used_at', 'used_form_token', ['used_at'], unique=False)


def downgrade():
    op.drop_index('ix_used_form_token_used_at', table_name='used_form_token')
    op.drop_table('used_form_token')
    op.drop_index('ix_staff_session_user_live', table_name='staff_session')
    op.drop_table('staff_session')
