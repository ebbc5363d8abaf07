"""Public intake [R6.2]: cases, children, messages, attachments, questionnaires and
the gapless registration counter.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 12:07:45.949410

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_case_counter_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_counter')),
    sa.UniqueConstraint('region_code', 'year', name=op.f('uq_case_counter_region_code'))
    )
    op.create_table('questionnaire',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title_kk', sa.String(length=200), nullable=False),
    sa.Column('title_ru', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=2), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_questionnaire_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire'))
    )
    op.create_index(op.f('ix_questionnaire_region_code'), 'questionnaire', ['region_code'], unique=False)
    op.create_table('question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('label_kk', sa.String(length=300), nullable=False),
    sa.Column('label_ru', sa.String(length=300), nullable=False),
    sa.Column('label_en', sa.String(length=300), nullable=False),
    sa.Column('help_kk', sa.Text(), nullable=True),
    sa.Column('help_ru', sa.Text(), nullable=True),
    sa.Column('help_en', sa.Text(), nullable=True),
    sa.Column('options', sa.Text(), nullable=True),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('show_if_key', sa.String(length=40), nullable=True),
    sa.Column('show_if_answer', sa.String(length=100), nullable=True),
    sa.CheckConstraint("type IN ('short_text', 'long_text', 'single_choice', 'multiple_choice', 'yes_no', 'date', 'number')", name=op.f('ck_question_type_known')),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'], name=op.f('fk_question_questionnaire_id_questionnaire'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question')),
    sa.UniqueConstraint('questionnaire_id', 'key', name=op.f('uq_question_questionnaire_id'))
    )
    op.create_table('questionnaire_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('definition', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_questionnaire_version_created_by_id_users')),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'], name=op.f('fk_questionnaire_version_questionnaire_id_questionnaire')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_version')),
    sa.UniqueConstraint('questionnaire_id', 'number', name=op.f('uq_questionnaire_version_questionnaire_id'))
    )
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_number', sa.String(length=20), nullable=False),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('complaint_target', sa.String(length=500), nullable=True),
    sa.Column('categories', sa.ARRAY(sa.String(length=30)), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('occurred_when', sa.String(length=200), nullable=True),
    sa.Column('occurred_where', sa.String(length=300), nullable=True),
    sa.Column('responsible', sa.String(length=30), nullable=False),
    sa.Column('responsible_details', sa.String(length=500), nullable=True),
    sa.Column('danger_now', sa.Boolean(), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('reporter_type', sa.String(length=20), nullable=True),
    sa.Column('reporter_name', sa.String(length=200), nullable=True),
    sa.Column('reporter_phone', sa.String(length=40), nullable=True),
    sa.Column('reporter_email', sa.String(length=254), nullable=True),
    sa.Column('consent_given_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('receipt_hash', sa.String(length=64), nullable=False),
    sa.Column('questionnaire_version_id', sa.Integer(), nullable=True),
    sa.Column('answers', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("channel IN ('web', 'phone', 'visit', 'letter', 'email', 'media', 'e_otinish', 'line_111')", name=op.f('ck_cases_channel_known')),
    sa.CheckConstraint("kind IN ('appeal', 'complaint')", name=op.f('ck_cases_kind_known')),
    sa.CheckConstraint("language IN ('kk', 'ru', 'en')", name=op.f('ck_cases_language_known')),
    sa.CheckConstraint("responsible IN ('parent_cohabiting', 'family_member', 'education_org', 'health_org', 'social_org', 'local_executive', 'other_person', 'unknown')", name=op.f('ck_cases_responsible_known')),
    sa.CheckConstraint("state IN ('received', 'registered', 'in_progress', 'answered', 'closed', 'forwarded', 'rejected', 'withdrawn')", name=op.f('ck_cases_state_known')),
    sa.CheckConstraint('char_length(description) BETWEEN 20 AND 10000', name=op.f('ck_cases_description_length')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_cases_entered_by_id_users')),
    sa.ForeignKeyConstraint(['questionnaire_version_id'], ['questionnaire_version.id'], name=op.f('fk_cases_questionnaire_version_id_questionnaire_version')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_cases_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('receipt_hash', name=op.f('uq_cases_receipt_hash')),
    sa.UniqueConstraint('registration_number', name=op.f('uq_cases_registration_number'))
    )
    op.create_index('ix_cases_region_received', 'cases', ['region_code', 'received_at'], unique=False)
    op.create_index(op.f('ix_cases_state'), 'cases', ['state'], unique=False)
    op.create_index(op.f('ix_cases_urgent'), 'cases', ['urgent'], unique=False)
    op.create_table('case_child',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('age', sa.SmallInteger(), nullable=True),
    sa.Column('birth_year', sa.SmallInteger(), nullable=True),
    sa.Column('sex', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('iin', sa.String(length=12), nullable=True),
    sa.Column('school', sa.String(length=300), nullable=True),
    sa.CheckConstraint("sex IN ('girl', 'boy', 'unspecified')", name=op.f('ck_case_child_sex_known')),
    sa.CheckConstraint('age IS NOT NULL OR birth_year IS NOT NULL', name=op.f('ck_case_child_age_or_birth_year')),
    sa.CheckConstraint('age IS NULL OR age BETWEEN 0 AND 17', name=op.f('ck_case_child_age_of_a_child')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_child_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_child'))
    )
    op.create_index(op.f('ix_case_child_case_id'), 'case_child', ['case_id'], unique=False)
    op.create_table('case_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('from_reporter', sa.Boolean(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_case_message_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_message_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_message'))
    )
    op.create_index(op.f('ix_case_message_case_id'), 'case_message', ['case_id'], unique=False)
    op.create_table('case_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('from_reporter', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_attachment_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], name=op.f('fk_case_attachment_file_id_stored_file')),
    sa.ForeignKeyConstraint(['message_id'], ['case_message.id'], name=op.f('fk_case_attachment_message_id_case_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_attachment'))
    )
    op.create_index(op.f('ix_case_attachment_case_id'), 'case_attachment', ['case_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_case_attachment_case_id'), table_name='case_attachment')
    op.drop_table('case_attachment')
    op.drop_index(op.f('ix_case_message_case_id'), table_name='case_message')
    op.drop_table('case_message')
    op.drop_index(op.f('ix_case_child_case_id'), table_name='case_child')
    op.drop_table('case_child')
    op.drop_index(op.f('ix_cases_urgent'), table_name='cases')
    op.drop_index(op.f('ix_cases_state'), table_name='cases')
    op.drop_index('ix_cases_region_received', table_name='cases')
    op.drop_table('cases')
    op.drop_table('questionnaire_version')
    op.drop_table('question')
    op.drop_index(op.f('ix_questionnaire_region_code'), table_name='questionnaire')
    op.drop_table('questionnaire')
    op.drop_table('case_counter')
