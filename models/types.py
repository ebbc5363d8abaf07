"""Column types of our own.

``EncryptedText`` stores a value as a Fernet token (``core.crypto``): encrypted when
it is written, decrypted when it is read, so the rest of the code sees plain strings and
the database, its dumps and backups only ciphertext.

The ciphertext is randomized, so SQL cannot compare, sort or search such a column: the
comparator refuses everything but ``IS [NOT] NULL`` rather than silently matching
nothing. Find a child by IIN through ``case_child.iin_hash`` (``core.iin.search_key``);
compare anything else in Python. The column is ``text`` in the database; the longest
value ``String(n)`` used to enforce is checked here, before encryption.
"""
from sqlalchemy import Text
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

from core import crypto

_NULL_TESTS = (operators.is_, operators.is_not)
_EQUALITY = (operators.eq, operators.ne)


class EncryptedText(TypeDecorator):
    """Text encrypted at rest; ``max_length`` characters at most (None: no limit)."""

    impl = Text
    cache_ok = True

    def __init__(self, max_length=None):
        super().__init__()
        self.max_length = max_length

    class comparator_factory(TypeDecorator.Comparator):
        def operate(self, op, *other, **kwargs):
            if op in _NULL_TESTS or (op in _EQUALITY and other and other[0] is None):
                return super().operate(op, *other, **kwargs)
            raise TypeError("An encrypted column cannot be compared in SQL: compare it in Python, "
                            "or find an IIN by case_child.iin_hash (core.iin.search_key).")

        def reverse_operate(self, op, other, **kwargs):
            raise TypeError("An encrypted column cannot be compared in SQL.")

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if self.max_length is not None and len(value) > self.max_length:
            raise ValueError(f"value longer than {self.max_length} characters")
        return crypto.encrypt(value)

    def process_result_value(self, value, dialect):
        return crypto.decrypt(value)


def encrypted_columns(metadata):
    """``[(table name, (column name, …))]`` of every table with ``EncryptedText`` columns."""
    found = []
    for table in metadata.sorted_tables:
        names = tuple(c.name for c in table.columns if isinstance(c.type, EncryptedText))
        if names:
            found.append((table.name, names))
    return found
