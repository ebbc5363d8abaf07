"""The half-year report [R8] read from indexes alone, for a region and for the 20 at once.

Checklist items get their case's region and registration time, children their case's region
and time of receipt: copies kept by triggers (at insert, and whenever the case's own change),
so that a region's items done, alerts and children in a period are one range of an index
instead of a join to ``cases``. The report's indexes on ``cases`` include what it counts; the
cases neither answered nor closed, and a case's region by its id, get their own.

The new columns are filled in batches and the indexes built CONCURRENTLY, outside the
migration's transaction: cases keep coming in meanwhile. The tables are vacuumed at the end,
so that the indexes are read without visiting the rows.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

BATCH = 50_000

# The copying triggers. FOR SHARE: a concurrent change of the case waits for the new row (and
# then updates it), or the new row waits for the change and copies its result.
TRIGGERS = """
CREATE FUNCTION checklist_item_copy_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT region_code, registered_at INTO NEW.region_code, NEW.case_registered_at
    FROM cases WHERE id = NEW.case_id FOR SHARE;
    RETURN NEW;
END $$;
CREATE TRIGGER checklist_item_copy_case BEFORE INSERT OR UPDATE OF case_id ON checklist_item
    FOR EACH ROW EXECUTE FUNCTION checklist_item_copy_case();

CREATE FUNCTION case_child_copy_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT region_code, received_at INTO NEW.region_code, NEW.case_received_at
    FROM cases WHERE id = NEW.case_id FOR SHARE;
    RETURN NEW;
END $$;
CREATE TRIGGER case_child_copy_case BEFORE INSERT OR UPDATE OF case_id ON case_child
    FOR EACH ROW EXECUTE FUNCTION case_child_copy_case();

CREATE FUNCTION cases_copy_to_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.region_code IS DISTINCT FROM OLD.region_code
            OR NEW.registered_at IS DISTINCT FROM OLD.registered_at THEN
        UPDATE checklist_item SET region_code = NEW.region_code, case_registered_at = NEW.registered_at
        WHERE case_id = NEW.id;
    END IF;
    IF NEW.region_code IS DISTINCT FROM OLD.region_code
            OR NEW.received_at IS DISTINCT FROM OLD.received_at THEN
        UPDATE case_child SET region_code = NEW.region_code, case_received_at = NEW.received_at
        WHERE case_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER cases_copy_to_items AFTER UPDATE OF region_code, received_at, registered_at ON cases
    FOR EACH ROW WHEN (NEW.region_code IS DISTINCT FROM OLD.region_code
                       OR NEW.received_at IS DISTINCT FROM OLD.received_at
                       OR NEW.registered_at IS DISTINCT FROM OLD.registered_at)
    EXECUTE FUNCTION cases_copy_to_items();
"""

# table: {copy: column of the case}
COPIES = {
    'checklist_item': {'region_code': 'region_code', 'case_registered_at': 'registered_at'},
    'case_child': {'region_code': 'region_code', 'case_received_at': 'received_at'},
}

ALERTS = "rule IN ('R10.1', 'R10.3')"
NEW_INDEXES = [  # name, table, columns, include, where
    ('ix_checklist_item_region_done', 'checklist_item', ['region_code', 'rule', 'done_at'], None,
     "status = 'done'"),
    ('ix_checklist_item_region_alerts', 'checklist_item', ['region_code', 'case_registered_at'],
     ['rule', 'status', 'done_at'], ALERTS),
    ('ix_case_child_region_received', 'case_child', ['region_code', 'case_received_at'],
     ['age', 'birth_year'], None),
    ('ix_cases_region_unanswered', 'cases', ['region_code', 'received_at'], None,
     'answered_at IS NULL AND closed_at IS NULL'),
    ('ix_cases_id_region', 'cases', ['id'], ['region_code'], None),
    # The dashboard's overdue items: the cases still worked on, and the open items.
    ('ix_cases_region_working', 'cases', ['region_code', 'id'], None,
     "state IN ('registered', 'in_progress', 'answered')"),
    ('ix_checklist_item_open', 'checklist_item', ['case_id'], ['rule', 'due_at'], "status = 'open'"),
]
# Same name and columns, now with INCLUDE: (table, columns, include before, include after, where).
WIDENED = {
    'ix_cases_region_received': ('cases', ['region_code', 'received_at'], None,
                                 ['kind', 'channel', 'responsible', 'categories'], None),
    'ix_cases_region_answered': ('cases', ['region_code', 'answered_at'], None,
                                 ['received_at', 'due_on', 'extended_due_on', 'closed_at'], None),
    'ix_cases_region_closed': ('cases', ['region_code', 'closed_at'], None,
                               ['outcome', 'state', 'received_at', 'answered_at'], None),
    'ix_case_step_extend_at': ('case_step', ['at'], None, ['case_id'], "action = 'extend'"),
}
DROPPED = [  # read by the report's joins, which are gone
    ('ix_checklist_item_done_at', 'checklist_item', ['done_at', 'rule', 'case_id'], None, "status = 'done'"),
    ('ix_checklist_item_alerts', 'checklist_item', ['case_id'], ['rule', 'status', 'done_at'], ALERTS),
]


def _create(name, table, columns, include, where):
    op.create_index(name, table, columns, unique=False, postgresql_include=include or [],
                    postgresql_where=sa.text(where) if where else None, postgresql_concurrently=True)


def _drop(name, table):
    op.drop_index(name, table_name=table, postgresql_concurrently=True)


def _rebuild(name, table, columns, include, where):
    """The index ``name`` again with another INCLUDE: built beside the old one, then swapped."""
    _create(f'{name}_new', table, columns, include, where)
    _drop(name, table)
    op.execute(f'ALTER INDEX {name}_new RENAME TO {name}')


def _fill(table, copies):
    """The copies of the rows there before the triggers, a batch of ids at a time (each its own
    transaction). A row the triggers filled meanwhile is left as it is."""
    conn = op.get_bind()
    last = conn.scalar(sa.text(f'SELECT max(id) FROM {table}')) or 0
    assignments = ', '.join(f'{copy} = c.{column}' for copy, column in copies.items())
    fill = sa.text(f'UPDATE {table} t SET {assignments} FROM cases c WHERE c.id = t.case_id '
                   f'AND t.id >= :low AND t.id < :high AND t.region_code IS NULL')
    for low in range(0, last + 1, BATCH):
        conn.execute(fill, {'low': low, 'high': low + BATCH})


def upgrade():
    # Nullable until filled: NOT NULL below, where the model says so.
    for table, time_column in (('checklist_item', 'case_registered_at'), ('case_child', 'case_received_at')):
        op.add_column(table, sa.Column('region_code', sa.String(length=2), nullable=True))
        op.add_column(table, sa.Column(time_column, sa.DateTime(timezone=True), nullable=True))
    op.execute(TRIGGERS)
    with op.get_context().autocommit_block():
        for table, copies in COPIES.items():
            _fill(table, copies)
    op.alter_column('checklist_item', 'region_code', nullable=False)
    op.alter_column('case_child', 'region_code', nullable=False)
    op.alter_column('case_child', 'case_received_at', nullable=False)
    with op.get_context().autocommit_block():
        for index in NEW_INDEXES:
            _create(*index)
        for name, (table, columns, _before, include, where) in WIDENED.items():
            _rebuild(name, table, columns, include, where)
        for name, table, *_definition in DROPPED:
            _drop(name, table)
        for table in COPIES:
            op.execute(f'VACUUM (ANALYZE) {table}')


def downgrade():
    with op.get_context().autocommit_block():
        for index in DROPPED:
            _create(*index)
        for name, (table, columns, include, _after, where) in WIDENED.items():
            _rebuild(name, table, columns, include, where)
        for name, table, *_definition in reversed(NEW_INDEXES):
            _drop(name, table)
    op.execute('DROP TRIGGER cases_copy_to_items ON cases')
    op.execute('DROP FUNCTION cases_copy_to_items()')
    for table in COPIES:
        op.execute(f'DROP TRIGGER {table}_copy_case ON {table}')
        op.execute(f'DROP FUNCTION {table}_copy_case()')
        for column in reversed(list(COPIES[table])):
            op.drop_column(table, column)
