"""Foundation: extensions, the 20 regions, staff users, the audit log and the alert outbox.

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 11:49:23.323082

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


# The 20 regions of Kazakhstan (KZ-FACTS.md): KATO code, ISO 3166-2, names kk / ru / en.
REGIONS = [
    ("10", "Абай облысы", "область Абай", "Abai Region"),
    ("11", "Ақмола облысы", "Акмолинская область", "Akmola Region"),
    ("15", "Ақтөбе облысы", "Актюбинская область", "Aktobe Region"),
    ("19", "Алматы облысы", "Алматинская область", "Almaty Region"),
    ("23", "Атырау облысы", "Атырауская область", "Atyrau Region"),
    ("27", "Батыс Қазақстан облысы", "Западно-Казахстанская область", "West Kazakhstan Region"),
    ("31", "Жамбыл облысы", "Жамбылская область", "Zhambyl Region"),
    ("33", "Жетісу облысы", "область Жетісу", "Jetisu Region"),
    ("35", "Қарағанды облысы", "Карагандинская область", "Karaganda Region"),
    ("39", "Қостанай облысы", "Костанайская область", "Kostanay Region"),
    ("43", "Қызылорда облысы", "Кызылординская область", "Kyzylorda Region"),
    ("47", "Маңғыстау облысы", "Мангистауская область", "Mangystau Region"),
    ("55", "Павлодар облысы", "Павлодарская область", "Pavlodar Region"),
    ("59", "Солтүстік Қазақстан облысы", "Северо-Казахстанская область", "North Kazakhstan Region"),
    ("61", "Түркістан облысы", "Туркестанская область", "Turkistan Region"),
    ("62", "Ұлытау облысы", "область Ұлытау", "Ulytau Region"),
    ("63", "Шығыс Қазақстан облысы", "Восточно-Казахстанская область", "East Kazakhstan Region"),
    ("71", "Астана", "Астана", "Astana"),
    ("75", "Алматы", "Алматы", "Almaty"),
    ("79", "Шымкент", "Шымкент", "Shymkent"),
]

# The audit log is append-only: the database itself refuses to change or remove a row.
AUDIT_APPEND_ONLY = """
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % is not allowed', TG_OP;
END;
$$;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""


def upgrade():
    # The only two extensions we use; every PaaS Postgres has them.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('recipients', sa.ARRAY(sa.String(length=254)), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('topic', sa.String(length=50), nullable=True),
    sa.Column('object_type', sa.String(length=50), nullable=True),
    sa.Column('object_id', sa.String(length=50), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_message_dedupe_key'))
    )
    op.create_index('ix_outbox_message_due', 'outbox_message', ['next_attempt_at'], unique=False, postgresql_where="status = 'pending'")
    op.create_index(op.f('ix_outbox_message_topic'), 'outbox_message', ['topic'], unique=False)
    op.create_table('region',
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('iso_code', sa.String(length=5), nullable=False),
    sa.Column('name_kk', sa.String(length=100), nullable=False),
    sa.Column('name_ru', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_region')),
    sa.UniqueConstraint('iso_code', name=op.f('uq_region_iso_code'))
    )
    op.create_table('outbox_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('transport', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_message.id'], name=op.f('fk_outbox_attempt_message_id_outbox_message')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attempt'))
    )
    op.create_index(op.f('ix_outbox_attempt_message_id'), 'outbox_attempt', ['message_id'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('region_code', sa.String(length=2), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('is_enabled', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('session_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(role IN ('akimat_admin', 'ombudsman')) = (region_code IS NOT NULL)", name=op.f('ck_users_region_matches_role')),
    sa.CheckConstraint("role IN ('superadmin', 'commissioner', 'committee', 'akimat_admin', 'ombudsman')", name=op.f('ck_users_role_known')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_users_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users'))
    )
    op.create_index('uq_users_email_lower', 'users', [sa.literal_column('lower(email)')], unique=True)
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('object_type', sa.String(length=50), nullable=True),
    sa.Column('object_id', sa.String(length=50), nullable=True),
    sa.Column('region_code', sa.String(length=2), nullable=True),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_event_actor_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_audit_event_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    op.create_index(op.f('ix_audit_event_action'), 'audit_event', ['action'], unique=False)
    op.create_index(op.f('ix_audit_event_actor_id'), 'audit_event', ['actor_id'], unique=False)
    op.create_index(op.f('ix_audit_event_region_code'), 'audit_event', ['region_code'], unique=False)
    region = sa.table("region", sa.column("code"), sa.column("iso_code"), sa.column("name_kk"),
                      sa.column("name_ru"), sa.column("name_en"))
    op.bulk_insert(region, [dict(code=c, iso_code=f"KZ-{c}", name_kk=kk, name_ru=ru, name_en=en)
                            for c, kk, ru, en in REGIONS])
    op.execute(AUDIT_APPEND_ONLY)


def downgrade():
    op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
    op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
    op.execute("DROP FUNCTION audit_event_append_only()")
    op.drop_index(op.f('ix_audit_event_region_code'), table_name='audit_event')
    op.drop_index(op.f('ix_audit_event_actor_id'), table_name='audit_event')
    op.drop_index(op.f('ix_audit_event_action'), table_name='audit_event')
    op.drop_table('audit_event')
    op.drop_index('uq_users_email_lower', table_name='users')
    op.drop_table('users')
    op.drop_index(op.f('ix_outbox_attempt_message_id'), table_name='outbox_attempt')
    op.drop_table('outbox_attempt')
    op.drop_table('region')
    op.drop_index(op.f('ix_outbox_message_topic'), table_name='outbox_message')
    op.drop_index('ix_outbox_message_due', table_name='outbox_message', postgresql_where="status = 'pending'")
    op.drop_table('outbox_message')
