"""Appointments and dismissals of regional ombudsmen [R4], and files stored in Postgres.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:02:20.225460

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


# The timeline of an appointment is append-only, like the audit log.
STEP_APPEND_ONLY = """
CREATE FUNCTION appointment_step_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'appointment_step is append-only: % is not allowed', TG_OP;
END;
$$;
CREATE TRIGGER appointment_step_append_only BEFORE UPDATE OR DELETE ON appointment_step
    FOR EACH ROW EXECUTE FUNCTION appointment_step_append_only();
"""


def upgrade():
    op.create_table('stored_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.UUID(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('region_code', sa.String(length=2), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_stored_file_region_code_region')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_stored_file_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_file')),
    sa.UniqueConstraint('key', name=op.f('uq_stored_file_key'))
    )
    op.create_index(op.f('ix_stored_file_region_code'), 'stored_file', ['region_code'], unique=False)
    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('iin', sa.String(length=12), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('workplace', sa.String(length=300), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('consent_number', sa.String(length=50), nullable=True),
    sa.Column('consent_date', sa.Date(), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.Column('order_number', sa.String(length=50), nullable=True),
    sa.Column('order_date', sa.Date(), nullable=True),
    sa.Column('dismissal_reason', sa.Text(), nullable=True),
    sa.Column('dismissal_consent_number', sa.String(length=50), nullable=True),
    sa.Column('dismissal_consent_date', sa.Date(), nullable=True),
    sa.Column('dismissal_order_number', sa.String(length=50), nullable=True),
    sa.Column('dismissal_order_date', sa.Date(), nullable=True),
    sa.Column('consent_file_id', sa.Integer(), nullable=True),
    sa.Column('order_file_id', sa.Integer(), nullable=True),
    sa.Column('dismissal_consent_file_id', sa.Integer(), nullable=True),
    sa.Column('dismissal_order_file_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('state_changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("state <> 'dismissed' OR (dismissal_consent_date IS NOT NULL AND dismissal_order_number IS NOT NULL AND dismissal_order_date IS NOT NULL AND dismissal_order_date >= dismissal_consent_date)", name=op.f('ck_appointment_dismissed_has_consent_and_order')),
    sa.CheckConstraint("state IN ('draft', 'withdrawn', 'consent_requested', 'consent_granted', 'consent_refused', 'active', 'dismissal_requested', 'dismissal_consented', 'dismissed')", name=op.f('ck_appointment_state_known')),
    sa.CheckConstraint("state NOT IN ('active', 'dismissal_requested', 'dismissal_consented', 'dismissed') OR (consent_number IS NOT NULL AND consent_date IS NOT NULL AND order_number IS NOT NULL AND order_date IS NOT NULL AND order_date >= consent_date)", name=op.f('ck_appointment_in_office_has_consent_and_order')),
    sa.ForeignKeyConstraint(['consent_file_id'], ['stored_file.id'], name=op.f('fk_appointment_consent_file_id_stored_file')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_appointment_created_by_id_users')),
    sa.ForeignKeyConstraint(['dismissal_consent_file_id'], ['stored_file.id'], name=op.f('fk_appointment_dismissal_consent_file_id_stored_file')),
    sa.ForeignKeyConstraint(['dismissal_order_file_id'], ['stored_file.id'], name=op.f('fk_appointment_dismissal_order_file_id_stored_file')),
    sa.ForeignKeyConstraint(['order_file_id'], ['stored_file.id'], name=op.f('fk_appointment_order_file_id_stored_file')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_appointment_region_code_region')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_appointment_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment'))
    )
    op.create_index(op.f('ix_appointment_region_code'), 'appointment', ['region_code'], unique=False)
    op.create_index(op.f('ix_appointment_state'), 'appointment', ['state'], unique=False)
    op.create_index('uq_appointment_one_in_office_per_region', 'appointment', ['region_code'], unique=True, postgresql_where=sa.text("state IN ('active', 'dismissal_requested', 'dismissal_consented')"))
    op.create_table('appointment_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.String(length=30), nullable=True),
    sa.Column('to_state', sa.String(length=30), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_appointment_step_actor_id_users')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_appointment_step_appointment_id_appointment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_step'))
    )
    op.create_index(op.f('ix_appointment_step_appointment_id'), 'appointment_step', ['appointment_id'], unique=False)
    op.execute(STEP_APPEND_ONLY)


def downgrade():
    op.execute("DROP TRIGGER appointment_step_append_only ON appointment_step")
    op.execute("DROP FUNCTION appointment_step_append_only()")
    op.drop_index(op.f('ix_appointment_step_appointment_id'), table_name='appointment_step')
    op.drop_table('appointment_step')
    op.drop_index('uq_appointment_one_in_office_per_region', table_name='appointment', postgresql_where=sa.text("state IN ('active', 'dismissal_requested', 'dismissal_consented')"))
    op.drop_index(op.f('ix_appointment_state'), table_name='appointment')
    op.drop_index(op.f('ix_appointment_region_code'), table_name='appointment')
    op.drop_table('appointment')
    op.drop_index(op.f('ix_stored_file_region_code'), table_name='stored_file')
    op.drop_table('stored_file')
