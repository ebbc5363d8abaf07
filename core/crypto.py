"""Identities encrypted at rest (PRODUCT.md, "Trust"; KZ-FACTS.md, "Personal data").

What is protected: the child's name and IIN and the reporter's name, phone and e-mail
(``models.case``), and a staff member's TOTP secret (``models.user``). These columns are
``models.types.EncryptedText``: the database only ever holds a Fernet token for them.

Why: they are personal data of minors under Law No. 94-V on personal data and their
protection; a leaked dump or backup, or a read-only database login, must not name a
child. The key lives in the environment, never in the database or the repository.

How: Fernet (``cryptography``) is authenticated encryption (AES-128-CBC with a random IV
and an HMAC-SHA256 tag): a token cannot be altered unnoticed, and the same name encrypts
differently every time. So SQL can no longer compare these columns; the one lookup staff
need, a child by IIN, goes through a keyed hash kept beside the ciphertext
(``case_child.iin_hash``, HMAC-SHA256 under ``IIN_HASH_KEY``, see ``core.iin.search_key``):
equal IINs give equal hashes, and without the key the hash cannot be reversed by trying
every possible IIN.

Keys: ``DATA_KEYS`` is a comma-separated list of Fernet keys. The first encrypts, every
one decrypts (``MultiFernet``). Rotation: put a new key first (``NEW,OLD``) and deploy;
new values are written under NEW and old ones still read; then ``flask --app app keys
rotate`` re-encrypts every stored value under NEW (and recomputes the IIN hashes, so a
new ``IIN_HASH_KEY`` is taken up the same way); then OLD can be dropped from the list.
In production the app refuses to start without both keys (``config.Config.check``); in
development and tests, fixed dev-only keys are derived from ``SECRET_KEY`` so that
``make run`` needs nothing (and data written under them is no secret).

The keys are parsed once per app and kept in ``app.extensions["crypto"]``.
"""
import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import text

GENERATE_DATA_KEY = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
GENERATE_HASH_KEY = "python -c 'import secrets; print(secrets.token_hex(32))'"
MIN_HASH_KEY_LENGTH = 32


class UnusableKeys(RuntimeError):
    """``DATA_KEYS`` or ``IIN_HASH_KEY`` is missing or malformed (``config.Config.check``
    says so at start-up; this is for code that builds keys from a config itself)."""


class UndecryptableValue(RuntimeError):
    """A stored value does not decrypt under any key of ``DATA_KEYS``."""


def split_keys(value):
    """The keys of a ``DATA_KEYS`` value, in order, blanks dropped."""
    return [key.strip() for key in (value or "").split(",") if key.strip()]


def check_data_keys(value):
    """The error message for a malformed ``DATA_KEYS`` value, or None when it is usable."""
    given = split_keys(value)
    if not given:
        return f"DATA_KEYS is not set: set it to a Fernet key ({GENERATE_DATA_KEY})."
    for number, key in enumerate(given, start=1):
        try:
            Fernet(key)
        except ValueError:
            return (f"DATA_KEYS: key {number} is not a Fernet key (32 url-safe base64-encoded bytes; "
                    f"make one with {GENERATE_DATA_KEY}).")
    return None


def check_hash_key(value):
    """The error message for a missing or short ``IIN_HASH_KEY``, or None."""
    if not value:
        return f"IIN_HASH_KEY is not set: set it to a long random string ({GENERATE_HASH_KEY})."
    if len(value) < MIN_HASH_KEY_LENGTH:
        return f"IIN_HASH_KEY is too short: use at least {MIN_HASH_KEY_LENGTH} random characters ({GENERATE_HASH_KEY})."
    return None


def _dev_only(secret, purpose):
    """A stable key for development and tests, derived from SECRET_KEY: never for production."""
    return hmac.new(secret.encode("utf-8"), b"dev-only " + purpose, hashlib.sha256).digest()


class Keys:
    """The parsed keys of one configuration: encrypts, decrypts, rotates and hashes."""

    def __init__(self, data_keys, hash_key):
        fernets = [Fernet(key) for key in data_keys]
        self._primary = fernets[0]
        self._all = MultiFernet(fernets)
        self._hash_key = hash_key

    @classmethod
    def from_config(cls, config):
        """Keys from a config mapping: ``DATA_KEYS`` and ``IIN_HASH_KEY``, or outside
        production, when they are not set, dev-only keys derived from ``SECRET_KEY``."""
        data_keys, hash_key = split_keys(config.get("DATA_KEYS")), config.get("IIN_HASH_KEY")
        if config.get("APP_ENV") == "production":
            problem = check_data_keys(config.get("DATA_KEYS")) or check_hash_key(hash_key)
            if problem:
                raise UnusableKeys(problem)
        secret = config.get("SECRET_KEY") or ""
        data_keys = data_keys or [base64.urlsafe_b64encode(_dev_only(secret, b"data key"))]
        hash_key = hash_key.encode("utf-8") if hash_key else _dev_only(secret, b"iin hash key")
        return cls(data_keys, hash_key)

    def encrypt(self, text):
        return None if text is None else self._all.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token):
        if token is None:
            return None
        try:
            return self._all.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise UndecryptableValue("A stored value does not decrypt with any key of DATA_KEYS "
                                     "(a key missing from the list, or a value that was never "
                                     "encrypted).") from None

    def is_current(self, token):
        """True when ``token`` is already encrypted under the first key."""
        try:
            self._primary.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeError):
            return False
        return True

    def rotate(self, token):
        """``token`` re-encrypted under the first key; the same token when it already is."""
        if token is None or self.is_current(token):
            return token
        try:
            return self._all.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise UndecryptableValue("A stored value does not decrypt with any key of DATA_KEYS.") from None

    def iin_hash(self, iin):
        """The hex HMAC-SHA256 of normalized IIN digits (``core.iin.search_key`` normalizes)."""
        return hmac.new(self._hash_key, iin.encode("ascii"), hashlib.sha256).hexdigest()


_CONFIG_NAMES = ("APP_ENV", "SECRET_KEY", "DATA_KEYS", "IIN_HASH_KEY")


def current_keys():
    """The current app's keys, parsed once (again only when its key settings change)."""
    app = current_app._get_current_object()
    source = tuple(app.config.get(name) for name in _CONFIG_NAMES)
    cached = app.extensions.get("crypto")
    if cached is None or cached[0] != source:
        cached = app.extensions["crypto"] = (source, Keys.from_config(dict(zip(_CONFIG_NAMES, source))))
    return cached[1]


def encrypt(text):
    """A Fernet token of ``text`` under the first key (None stays None)."""
    return current_keys().encrypt(text)


def decrypt(token):
    """The text of a token encrypted under any of the keys (None stays None)."""
    return current_keys().decrypt(token)


def rotate(token):
    """The token re-encrypted under the first key, or the same token when it already is."""
    return current_keys().rotate(token)


def iin_hash(iin):
    """The keyed hash of normalized IIN digits, as 64 hex characters."""
    return current_keys().iin_hash(iin)


# --- rewriting stored values: the migration that encrypted them, and key rotation --------

def rewrite_in_batches(execute, table, columns, change, writes=None, batch_size=1000, lock=False):
    """Rewrite the rows of ``table`` where any of ``columns`` is set, ``batch_size`` at a
    time in id order (keyset pagination, so each batch is an index range scan).

    ``execute`` runs a statement (``connection.execute``, ``db.session.execute``).
    ``change(row)`` gets a row (its ``id`` and ``columns``) and returns the new values of
    the ``writes`` columns (default ``columns``), or None to leave the row as it is; a
    batch is written with one UPDATE. Yields ``(rows read, rows rewritten)`` after each
    batch, for the caller to commit and report. ``lock`` reads the rows FOR UPDATE, so that
    a value the app writes meanwhile is not overwritten by an older one.
    """
    writes = tuple(writes or columns)
    select_sql = text(
        f"SELECT id, {', '.join(columns)} FROM {table} WHERE id > :last AND "
        f"({' OR '.join(f'{c} IS NOT NULL' for c in columns)}) ORDER BY id LIMIT :n"
        + (" FOR UPDATE" if lock else ""))
    update_sql = text(
        f"UPDATE {table} AS t SET {', '.join(f'{c} = v.{c}' for c in writes)} "
        f"FROM unnest(CAST(:id AS integer[]), {', '.join(f'CAST(:{c} AS text[])' for c in writes)}) "
        f"AS v(id, {', '.join(writes)}) WHERE t.id = v.id")
    last = 0
    while True:
        rows = execute(select_sql, {"last": last, "n": batch_size}).mappings().all()
        if not rows:
            return
        last = rows[-1]["id"]
        changed = [(row["id"], new) for row in rows if (new := change(row)) is not None]
        if changed:
            values = {"id": [row_id for row_id, _new in changed]}
            values.update({c: [new[c] for _row_id, new in changed] for c in writes})
            execute(update_sql, values)
        yield len(rows), len(changed)


# A column whose keyed hash is stored beside it: the hash is recomputed when the row is
# rotated, so a new IIN_HASH_KEY is taken up by the same command.
HASHED_COLUMNS = {("case_child", "iin"): "iin_hash"}


def rotate_stored(batch_size=1000):
    """Re-encrypt every ``EncryptedText`` column of every table under the first key of
    ``DATA_KEYS``, each batch committed on its own. Values already under that key (and
    hashes already under ``IIN_HASH_KEY``) are left alone: a second run rewrites nothing.

    Yields ``(table, rows read, rows rewritten)`` after each batch.
    """
    from extensions import db
    from models.types import encrypted_columns
    from core.iin import search_key

    current = current_keys()
    for table, columns in encrypted_columns(db.metadata):
        hashes = {column: hashed for (name, column), hashed in HASHED_COLUMNS.items()
                  if name == table and column in columns}

        def change(row, table=table, columns=columns, hashes=hashes):
            try:
                new = {column: current.rotate(row[column]) for column in columns}
                for column, hashed in hashes.items():
                    new[hashed] = search_key(current.decrypt(row[column]))
            except UndecryptableValue as error:
                raise UndecryptableValue(f"{table}, row {row['id']}: {error}") from None
            return new if any(new[c] != row[c] for c in new) else None

        read = (*columns, *hashes.values())
        for batch in rewrite_in_batches(db.session.execute, table, read, change,
                                        batch_size=batch_size, lock=True):
            db.session.commit()
            yield (table, *batch)
