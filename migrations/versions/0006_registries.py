"""The ombudsman's registries: year plan [R6.1], memoranda, commission meetings, advisory
bodies, visits, document requests, court hearings, recommendations, briefings, events,
campaigns and publications.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 13:21:25.335687

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('advisory_body',
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('host_organization', sa.String(length=300), nullable=False),
    sa.Column('basis', sa.String(length=20), nullable=False),
    sa.Column('member_since', sa.Date(), nullable=True),
    sa.Column('meetings_attended', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("basis IN ('own_initiative', 'agreement')", name=op.f('ck_advisory_body_basis_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_advisory_body_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_advisory_body_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advisory_body'))
    )
    op.create_index(op.f('ix_advisory_body_region_code'), 'advisory_body', ['region_code'], unique=False)
    op.create_table('briefing',
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('topic', sa.String(length=300), nullable=False),
    sa.Column('resonant_cases', sa.Text(), nullable=True),
    sa.Column('media', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_briefing_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_briefing_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_briefing'))
    )
    op.create_index(op.f('ix_briefing_region_code'), 'briefing', ['region_code'], unique=False)
    op.create_table('campaign',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('partners', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('campaign', 'project')", name=op.f('ck_campaign_kind_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_campaign_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_campaign_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign'))
    )
    op.create_index(op.f('ix_campaign_region_code'), 'campaign', ['region_code'], unique=False)
    op.create_table('commission_meeting',
    sa.Column('commission', sa.String(length=20), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=True),
    sa.Column('attended', sa.Boolean(), nullable=False),
    sa.Column('decisions', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("commission IN ('kdn', 'women_family')", name=op.f('ck_commission_meeting_commission_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_commission_meeting_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_commission_meeting_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commission_meeting'))
    )
    op.create_index(op.f('ix_commission_meeting_region_code'), 'commission_meeting', ['region_code'], unique=False)
    op.create_table('document_request',
    sa.Column('addressee', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('answer_due', sa.Date(), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_document_request_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_document_request_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_request'))
    )
    op.create_index(op.f('ix_document_request_region_code'), 'document_request', ['region_code'], unique=False)
    op.create_table('event',
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('organizer', sa.String(length=300), nullable=True),
    sa.Column('role', sa.String(length=300), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_event_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_event_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event'))
    )
    op.create_index(op.f('ix_event_region_code'), 'event', ['region_code'], unique=False)
    op.create_table('legislative_recommendation',
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=True),
    sa.Column('response', sa.Text(), nullable=True),
    sa.Column('response_on', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_legislative_recommendation_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_legislative_recommendation_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legislative_recommendation'))
    )
    op.create_index(op.f('ix_legislative_recommendation_region_code'), 'legislative_recommendation', ['region_code'], unique=False)
    op.create_table('memorandum',
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('programmes', sa.Text(), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('terminated_on', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_memorandum_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_memorandum_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memorandum'))
    )
    op.create_index(op.f('ix_memorandum_region_code'), 'memorandum', ['region_code'], unique=False)
    op.create_table('publication',
    sa.Column('outlet', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('link', sa.String(length=1000), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('confirmed_by', sa.String(length=300), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('char_length(confirmed_by) > 0', name=op.f('ck_publication_confirmed')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_publication_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_publication_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication'))
    )
    op.create_index(op.f('ix_publication_region_code'), 'publication', ['region_code'], unique=False)
    op.create_table('visit',
    sa.Column('organization_type', sa.String(length=30), nullable=False),
    sa.Column('organization_name', sa.String(length=300), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('findings', sa.Text(), nullable=True),
    sa.Column('follow_up', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("organization_type IN ('education', 'health', 'social_protection', 'culture_sport', 'local_executive', 'penal_institution')", name=op.f('ck_visit_type_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_visit_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_visit_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit'))
    )
    op.create_index(op.f('ix_visit_region_code'), 'visit', ['region_code'], unique=False)
    op.create_table('year_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('agreed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('agreed_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("state <> 'approved' OR approved_on IS NOT NULL", name=op.f('ck_year_plan_approved_has_date')),
    sa.CheckConstraint("state IN ('draft', 'sent', 'returned', 'agreed', 'approved')", name=op.f('ck_year_plan_state_known')),
    sa.ForeignKeyConstraint(['agreed_by_id'], ['users.id'], name=op.f('fk_year_plan_agreed_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_year_plan_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_year_plan')),
    sa.UniqueConstraint('region_code', 'year', name=op.f('uq_year_plan_region_code'))
    )
    op.create_index(op.f('ix_year_plan_region_code'), 'year_plan', ['region_code'], unique=False)
    op.create_table('memorandum_party',
    sa.Column('memorandum_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['memorandum_id'], ['memorandum.id'], name=op.f('fk_memorandum_party_memorandum_id_memorandum'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_memorandum_party_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('memorandum_id', 'organization_id', name=op.f('pk_memorandum_party'))
    )
    op.create_table('plan_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('activity', sa.Text(), nullable=False),
    sa.Column('planned_month', sa.SmallInteger(), nullable=True),
    sa.Column('planned_quarter', sa.SmallInteger(), nullable=True),
    sa.Column('rule', sa.String(length=10), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('record_type', sa.String(length=40), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'done', 'cancelled')", name=op.f('ck_plan_item_status_known')),
    sa.CheckConstraint('planned_month IS NULL OR planned_month BETWEEN 1 AND 12', name=op.f('ck_plan_item_month_valid')),
    sa.CheckConstraint('planned_quarter IS NULL OR planned_quarter BETWEEN 1 AND 4', name=op.f('ck_plan_item_quarter_valid')),
    sa.ForeignKeyConstraint(['plan_id'], ['year_plan.id'], name=op.f('fk_plan_item_plan_id_year_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_item'))
    )
    op.create_index(op.f('ix_plan_item_plan_id'), 'plan_item', ['plan_id'], unique=False)
    op.create_table('registry_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_type', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], name=op.f('fk_registry_attachment_file_id_stored_file')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_registry_attachment_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_attachment'))
    )
    op.create_index(op.f('ix_registry_attachment_record_id'), 'registry_attachment', ['record_id'], unique=False)
    op.create_index(op.f('ix_registry_attachment_record_type'), 'registry_attachment', ['record_type'], unique=False)
    op.create_table('commission_meeting_case',
    sa.Column('commission_meeting_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_commission_meeting_case_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['commission_meeting_id'], ['commission_meeting.id'], name=op.f('fk_commission_meeting_case_commission_meeting_id_commission_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('commission_meeting_id', 'case_id', name=op.f('pk_commission_meeting_case'))
    )
    op.create_table('court_hearing',
    sa.Column('court', sa.String(length=300), nullable=False),
    sa.Column('court_case_number', sa.String(length=100), nullable=False),
    sa.Column('hearing_on', sa.Date(), nullable=False),
    sa.Column('closed_session', sa.Boolean(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_court_hearing_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_court_hearing_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_court_hearing_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_court_hearing'))
    )
    op.create_index(op.f('ix_court_hearing_region_code'), 'court_hearing', ['region_code'], unique=False)
    op.create_table('visit_case',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_visit_case_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_visit_case_visit_id_visit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('visit_id', 'case_id', name=op.f('pk_visit_case'))
    )


def downgrade():
    op.drop_table('visit_case')
    op.drop_index(op.f('ix_court_hearing_region_code'), table_name='court_hearing')
    op.drop_table('court_hearing')
    op.drop_table('commission_meeting_case')
    op.drop_index(op.f('ix_registry_attachment_record_type'), table_name='registry_attachment')
    op.drop_index(op.f('ix_registry_attachment_record_id'), table_name='registry_attachment')
    op.drop_table('registry_attachment')
    op.drop_index(op.f('ix_plan_item_plan_id'), table_name='plan_item')
    op.drop_table('plan_item')
    op.drop_table('memorandum_party')
    op.drop_index(op.f('ix_year_plan_region_code'), table_name='year_plan')
    op.drop_table('year_plan')
    op.drop_index(op.f('ix_visit_region_code'), table_name='visit')
    op.drop_table('visit')
    op.drop_index(op.f('ix_publication_region_code'), table_name='publication')
    op.drop_table('publication')
    op.drop_index(op.f('ix_memorandum_region_code'), table_name='memorandum')
    op.drop_table('memorandum')
    op.drop_index(op.f('ix_legislative_recommendation_region_code'), table_name='legislative_recommendation')
    op.drop_table('legislative_recommendation')
    op.drop_index(op.f('ix_event_region_code'), table_name='event')
    op.drop_table('event')
    op.drop_index(op.f('ix_document_request_region_code'), table_name='document_request')
    op.drop_table('document_request')
    op.drop_index(op.f('ix_commission_meeting_region_code'), table_name='commission_meeting')
    op.drop_table('commission_meeting')
    op.drop_index(op.f('ix_campaign_region_code'), table_name='campaign')
    op.drop_table('campaign')
    op.drop_index(op.f('ix_briefing_region_code'), table_name='briefing')
    op.drop_table('briefing')
    op.drop_index(op.f('ix_advisory_body_region_code'), table_name='advisory_body')
    op.drop_table('advisory_body')
