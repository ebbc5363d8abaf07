"""Indexes for the audit log screen: newest first, filtered by time, action (equal or
prefix), actor, region or object, each reading its first page from an index.

Built CONCURRENTLY, outside the migration's transaction: the audit log is written by
every request and must not be blocked while a big table is indexed.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 15:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

OLD = {
    'ix_audit_event_action': ['action'],
    'ix_audit_event_actor_id': ['actor_id'],
    'ix_audit_event_region_code': ['region_code'],
}
NEW = {
    'ix_audit_event_at': ['at'],
    'ix_audit_event_actor_at': ['actor_id', 'at'],
    'ix_audit_event_region_at': ['region_code', 'at'],
    'ix_audit_event_object': ['object_id', 'object_type'],
}


def upgrade():
    with op.get_context().autocommit_block():
        for name, columns in NEW.items():
            op.create_index(name, 'audit_event', columns, postgresql_concurrently=True)
        op.create_index('ix_audit_event_action_at', 'audit_event', ['action', 'at'],
                        postgresql_ops={'action': 'varchar_pattern_ops'}, postgresql_concurrently=True)
        for name in OLD:
            op.drop_index(name, table_name='audit_event', postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        for name, columns in OLD.items():
            op.create_index(name, 'audit_event', columns, postgresql_concurrently=True)
        op.drop_index('ix_audit_event_action_at', table_name='audit_event', postgresql_concurrently=True)
        for name in NEW:
            op.drop_index(name, table_name='audit_event', postgresql_concurrently=True)
