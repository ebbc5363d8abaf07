"""Case handling [R10], [R11]: workflow fields, checklist, case steps, partner organizations
[R7] and working-day calendar overrides.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 12:16:26.398543

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


# A case's timeline is append-only, like the audit log.
STEP_APPEND_ONLY = """
CREATE FUNCTION case_step_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_step is append-only: % is not allowed', TG_OP;
END;
$$;
CREATE TRIGGER case_step_append_only BEFORE UPDATE OR DELETE ON case_step
    FOR EACH ROW EXECUTE FUNCTION case_step_append_only();
"""


def upgrade():
    op.create_table('calendar_override',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.CheckConstraint("kind IN ('holiday', 'working_day')", name=op.f('ck_calendar_override_kind_known')),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_override'))
    )
    op.create_table('organization',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=2), nullable=True),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('name_kk', sa.String(length=300), nullable=False),
    sa.Column('name_ru', sa.String(length=300), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("type IN ('guardianship', 'police', 'education', 'health', 'social_protection', 'culture_sport', 'penal_institution', 'crisis_centre', 'adaptation_centre', 'child_support_centre', 'medical_organization', 'court', 'ngo', 'media', 'commissioner', 'committee', 'akimat', 'human_rights_commissioner', 'local_executive')", name=op.f('ck_organization_type_known')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_organization_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization'))
    )
    op.create_index(op.f('ix_organization_region_code'), 'organization', ['region_code'], unique=False)
    op.create_index(op.f('ix_organization_type'), 'organization', ['type'], unique=False)
    op.create_table('case_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=True),
    sa.Column('to_state', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_case_step_actor_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_step_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_step'))
    )
    op.create_index(op.f('ix_case_step_case_id'), 'case_step', ['case_id'], unique=False)
    op.create_table('checklist_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('person', sa.String(length=200), nullable=True),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('na_reason', sa.Text(), nullable=True),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("rule IN ('R10.1', 'R10.2', 'R10.3', 'R11.1', 'R11.2', 'R11.3', 'R11.4', 'R11.5', 'R11.6', 'R11.7')", name=op.f('ck_checklist_item_rule_known')),
    sa.CheckConstraint("status <> 'done' OR done_at IS NOT NULL", name=op.f('ck_checklist_item_done_has_time')),
    sa.CheckConstraint("status <> 'not_applicable' OR (NOT required AND na_reason IS NOT NULL)", name=op.f('ck_checklist_item_not_applicable_needs_reason')),
    sa.CheckConstraint("status IN ('open', 'done', 'not_applicable')", name=op.f('ck_checklist_item_status_known')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_checklist_item_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_checklist_item_done_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_checklist_item_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_item'))
    )
    op.create_index(op.f('ix_checklist_item_case_id'), 'checklist_item', ['case_id'], unique=False)
    op.create_index(op.f('ix_checklist_item_due_at'), 'checklist_item', ['due_at'], unique=False)
    op.create_index(op.f('ix_checklist_item_status'), 'checklist_item', ['status'], unique=False)
    op.create_table('checklist_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], name=op.f('fk_checklist_evidence_file_id_stored_file')),
    sa.ForeignKeyConstraint(['item_id'], ['checklist_item.id'], name=op.f('fk_checklist_evidence_item_id_checklist_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_evidence'))
    )
    op.create_index(op.f('ix_checklist_evidence_item_id'), 'checklist_evidence', ['item_id'], unique=False)
    op.add_column('case_message', sa.Column('internal', sa.Boolean(), server_default='false', nullable=False))
    op.add_column('case_message', sa.Column('is_final_answer', sa.Boolean(), server_default='false', nullable=False))
    op.add_column('cases', sa.Column('registered_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('cases', sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('cases', sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('cases', sa.Column('extended_due_on', sa.Date(), nullable=True))
    op.add_column('cases', sa.Column('extension_reason', sa.Text(), nullable=True))
    op.add_column('cases', sa.Column('forwarded_to', sa.String(length=300), nullable=True))
    op.add_column('cases', sa.Column('forwarded_on', sa.Date(), nullable=True))
    op.add_column('cases', sa.Column('rejection_reason', sa.Text(), nullable=True))
    op.add_column('cases', sa.Column('outcome', sa.String(length=20), nullable=True))
    op.add_column('cases', sa.Column('police_confirmed_on', sa.Date(), nullable=True))
    op.add_column('cases', sa.Column('police_reference', sa.String(length=200), nullable=True))
    op.execute(STEP_APPEND_ONLY)


def downgrade():
    op.execute("DROP TRIGGER case_step_append_only ON case_step")
    op.execute("DROP FUNCTION case_step_append_only()")
    op.drop_column('cases', 'police_reference')
    op.drop_column('cases', 'police_confirmed_on')
    op.drop_column('cases', 'outcome')
    op.drop_column('cases', 'rejection_reason')
    op.drop_column('cases', 'forwarded_on')
    op.drop_column('cases', 'forwarded_to')
    op.drop_column('cases', 'extension_reason')
    op.drop_column('cases', 'extended_due_on')
    op.drop_column('cases', 'closed_at')
    op.drop_column('cases', 'answered_at')
    op.drop_column('cases', 'registered_at')
    op.drop_column('case_message', 'is_final_answer')
    op.drop_column('case_message', 'internal')
    op.drop_index(op.f('ix_checklist_evidence_item_id'), table_name='checklist_evidence')
    op.drop_table('checklist_evidence')
    op.drop_index(op.f('ix_checklist_item_status'), table_name='checklist_item')
    op.drop_index(op.f('ix_checklist_item_due_at'), table_name='checklist_item')
    op.drop_index(op.f('ix_checklist_item_case_id'), table_name='checklist_item')
    op.drop_table('checklist_item')
    op.drop_index(op.f('ix_case_step_case_id'), table_name='case_step')
    op.drop_table('case_step')
    op.drop_index(op.f('ix_organization_type'), table_name='organization')
    op.drop_index(op.f('ix_organization_region_code'), table_name='organization')
    op.drop_table('organization')
    op.drop_table('calendar_override')
