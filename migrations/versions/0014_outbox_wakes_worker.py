"""The database wakes the outbox worker: every INSERT into ``outbox_message`` sends
``NOTIFY outbox``, delivered at commit (and dropped on rollback), so the app does not
spend a round trip on it for each message queued.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25 17:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE FUNCTION outbox_wake_worker() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('outbox', '');
            RETURN NULL;
        END $$
    """)
    op.execute("CREATE TRIGGER outbox_wake_worker AFTER INSERT ON outbox_message "
               "FOR EACH STATEMENT EXECUTE FUNCTION outbox_wake_worker()")


def downgrade():
    op.execute("DROP TRIGGER outbox_wake_worker ON outbox_message")
    op.execute("DROP FUNCTION outbox_wake_worker()")
