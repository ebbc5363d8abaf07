"""Identities encrypted at rest: the child's name and IIN, the reporter's name, phone and
e-mail, and staff TOTP secrets become Fernet tokens (core/crypto.py); the IIN is
found through its keyed hash ``case_child.iin_hash`` (the index on the IIN itself, useless
on ciphertext, is replaced by one on the hash); ``cases.identities_removed_at`` records
the retention run (services/retention.py).

The data step encrypts the plaintext rows already there, in batches by id, with the keys
of the environment (``DATA_KEYS``, ``IIN_HASH_KEY``; dev-only keys from ``SECRET_KEY``
outside production), and fills the hashes. It runs in the migration's transaction, so an
interrupted upgrade leaves the plaintext as it was. Downgrade decrypts back.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 14:30:37.620531

"""
from alembic import op
import sqlalchemy as sa

from core import crypto
from core.iin import search_key


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# The encrypted columns, with their length before (None: already text).
ENCRYPTED = {
    'cases': {'reporter_name': 200, 'reporter_phone': 40, 'reporter_email': 254},
    'case_child': {'name': 200, 'iin': 12},
    'users': {'totp_secret': None},
}
BATCH_SIZE = 1000


def _rewrite(table, columns, convert, hashed=None):
    """Pass every set value of ``columns`` through ``convert``, batch by batch; with
    ``hashed`` (column, hash column) also store the keyed hash of the plaintext."""
    if op.get_context().as_sql:
        raise RuntimeError("Revision 0010 encrypts the stored identities: run it against the "
                           "database, not as an SQL script.")

    def change(row):
        new = {column: convert(row[column]) for column in columns}
        if hashed:
            column, hash_column = hashed
            new[hash_column] = search_key(row[column])
        return new

    writes = (*columns, hashed[1]) if hashed else columns
    for _batch in crypto.rewrite_in_batches(op.get_bind().execute, table, columns, change,
                                            writes=writes, batch_size=BATCH_SIZE):
        pass


def _change_types(to_text):
    for table, columns in ENCRYPTED.items():
        for column, length in columns.items():
            if length is not None:
                old, new = sa.String(length=length), sa.Text()
                op.alter_column(table, column, existing_type=old if to_text else new,
                                type_=new if to_text else old, existing_nullable=True)


def upgrade():
    op.drop_index('ix_case_child_iin', table_name='case_child', postgresql_where=sa.text('iin IS NOT NULL'))
    _change_types(to_text=True)
    op.add_column('case_child', sa.Column('iin_hash', sa.String(length=64), nullable=True))
    op.add_column('cases', sa.Column('identities_removed_at', sa.DateTime(timezone=True), nullable=True))

    keys = crypto.current_keys()
    for table, columns in ENCRYPTED.items():
        _rewrite(table, tuple(columns), keys.encrypt,
                 hashed=('iin', 'iin_hash') if table == 'case_child' else None)

    op.create_index('ix_case_child_iin_hash', 'case_child', ['iin_hash'], unique=False,
                    postgresql_where=sa.text('iin_hash IS NOT NULL'))


def downgrade():
    op.drop_index('ix_case_child_iin_hash', table_name='case_child',
                  postgresql_where=sa.text('iin_hash IS NOT NULL'))

    keys = crypto.current_keys()
    for table, columns in ENCRYPTED.items():
        _rewrite(table, tuple(columns), keys.decrypt)

    op.drop_column('cases', 'identities_removed_at')
    op.drop_column('case_child', 'iin_hash')
    _change_types(to_text=False)
    op.create_index('ix_case_child_iin', 'case_child', ['iin'], unique=False,
                    postgresql_where=sa.text('iin IS NOT NULL'))
