"""An audit log that proves itself: every row linked into one hash chain at commit, and the
frozen half-year report versions sealed into it.

Each row gets its place in the chain (``seq``: 1, 2, 3 … with no gap) and ``hash``, the
SHA-256 of its content and of the previous row's hash (``audit_event_checksum``). The link
is made when the writing transaction commits, by a deferred constraint trigger: it takes
one advisory lock, reads the chain's last row and links the new rows after it. The lock is
held only while the transaction commits, so web workers writing at once are serialized for
that moment alone and never deadlock on it (a lock taken at the INSERT would be held
through the rest of the request). Every code path is covered, SQL included; a transaction
that reads an old snapshot (REPEATABLE READ) cannot fork the chain: the unique index on
``seq`` refuses its commit. An emptied table (the test suite's cleanup) starts a new chain.

The append-only trigger lets exactly that link through: an UPDATE that only sets the
``seq`` and ``hash`` of a row not linked yet. The linking function is SECURITY DEFINER, so
a runtime role with no UPDATE privilege still gets its rows linked.

Rows already there are linked in batches after the schema change, each batch its own
transaction, so the web goes on writing meanwhile; then every submitted half-year report
version gets a ``half_year_report.seal`` row holding its digest (services/audit_chain.py).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 10:00:00

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

BATCH = 10_000

# The serialization is fixed for good: services/audit_chain.py computes the same in Python
# (a JSON array as jsonb writes it, the time in UTC to the microsecond).
CHAIN = """
CREATE FUNCTION audit_event_checksum(place bigint, e audit_event, previous text)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(jsonb_build_array(
        place, e.id, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        e.action, e.actor_id, e.object_type, e.object_id, e.region_code, e.ip_address, e.data,
        previous)::text, 'UTF8')), 'hex')
$$;

-- Link one row after the chain's last, under the chain's lock (a two-part advisory key whose
-- first part, 0, is no region: services/report_workflow.py locks on region codes).
CREATE FUNCTION audit_event_link_row(e audit_event) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(0, 1);
    SELECT seq, hash INTO last_seq, last_hash FROM audit_event
    WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1;
    UPDATE audit_event
    SET seq = coalesce(last_seq, 0) + 1,
        hash = audit_event_checksum(coalesce(last_seq, 0) + 1, e, last_hash)
    WHERE id = e.id AND seq IS NULL;
END $$;

CREATE FUNCTION audit_event_link() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    PERFORM audit_event_link_row(NEW);
    RETURN NULL;
END $$;

REVOKE EXECUTE ON FUNCTION audit_event_link_row(audit_event) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION audit_event_link() FROM PUBLIC;

CREATE CONSTRAINT TRIGGER audit_event_link AFTER INSERT ON audit_event
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_event_link();

CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND OLD.hash IS NULL
            AND NEW.seq IS NOT NULL AND NEW.hash IS NOT NULL
            AND to_jsonb(NEW) - 'seq' - 'hash' = to_jsonb(OLD) - 'seq' - 'hash' THEN
        RETURN NEW;  -- a new row linked into the chain, nothing else changed
    END IF;
    RAISE EXCEPTION 'audit_event is append-only: % is not allowed', TG_OP;
END;
$$;
"""

UNCHAINED = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % is not allowed', TG_OP;
END;
$$;
DROP TRIGGER audit_event_link ON audit_event;
DROP FUNCTION audit_event_link();
DROP FUNCTION audit_event_link_row(audit_event);
DROP FUNCTION audit_event_checksum(bigint, audit_event, text);
"""

LINK_BATCH = """
DO $$
DECLARE
    e audit_event;
BEGIN
    FOR e IN SELECT * FROM audit_event WHERE id >= {low} AND id < {high} AND seq IS NULL ORDER BY id
    LOOP
        PERFORM audit_event_link_row(e);
    END LOOP;
END $$;
"""


def _link_existing_rows():
    """The rows written before the trigger, oldest first, a batch of ids per transaction
    (rows committed meanwhile are linked by the trigger, in between)."""
    conn = op.get_bind()
    last = conn.scalar(sa.text('SELECT max(id) FROM audit_event')) or 0
    for low in range(0, last + 1, BATCH):
        conn.execute(sa.text(LINK_BATCH.format(low=int(low), high=int(low + BATCH))))


def _seal_reports():
    """A seal row for every submitted half-year report version that has none."""
    from services.audit_chain import SEAL_ACTION, report_digest, unsealed_reports

    conn = op.get_bind()
    for report_id, version in unsealed_reports(conn):
        seal = {"version": version, "digest": report_digest(conn, report_id)}
        conn.execute(sa.text("INSERT INTO audit_event (action, object_type, object_id, data) "
                             "VALUES (:action, 'half_year_report', :id, CAST(:data AS jsonb))"),
                     {"action": SEAL_ACTION, "id": str(report_id), "data": json.dumps(seal)})


def upgrade():
    op.add_column('audit_event', sa.Column('seq', sa.BigInteger(), nullable=True))
    op.add_column('audit_event', sa.Column('hash', sa.String(length=64), nullable=True))
    op.execute(CHAIN)
    with op.get_context().autocommit_block():
        op.create_index('ix_audit_event_seq', 'audit_event', ['seq'], unique=True,
                        postgresql_concurrently=True)
        _link_existing_rows()
        _seal_reports()


def downgrade():
    op.execute(UNCHAINED)
    op.drop_index('ix_audit_event_seq', table_name='audit_event')
    op.drop_column('audit_event', 'hash')
    op.drop_column('audit_event', 'seq')
