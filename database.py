"""Where the database is: ``DATABASE_URL``, or an embedded real Postgres.

With no ``DATABASE_URL`` the app starts PostgreSQL 18 (``embedded_postgres``) with its
data in ``instance/pgdata/`` (kept across restarts), so a newcomer installs no database.
There is no SQLite path.
"""
import logging
import os

from config import ConfigError, normalize_database_url
from embedded_postgres import EmbeddedPostgres, EmbeddedPostgresError

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "ombudsman"

_servers = {}


def start_embedded_postgres(pgdata, database=EMBEDDED_DATABASE):
    """Start (or join) the embedded Postgres in ``pgdata``; return it and a URL to ``database``.

    The server stops when the last process using it ends (see ``embedded_postgres``)."""
    pgdata = os.path.abspath(pgdata)
    server = _servers.get(pgdata)
    if server is None:
        server = _servers[pgdata] = EmbeddedPostgres(pgdata)
        log.warning("No DATABASE_URL set: using the embedded PostgreSQL in %s", pgdata)
    return server, normalize_database_url(server.start(database))


def resolve_database_url(config, instance_path):
    """The SQLAlchemy URL for this app: the configured one or the embedded server's (a
    server that cannot start is a ConfigError: one line saying why, no traceback)."""
    if config.get("DATABASE_URL"):
        return config["DATABASE_URL"]
    pgdata = config.get("EMBEDDED_PGDATA") or os.path.join(instance_path, "pgdata")
    try:
        return start_embedded_postgres(pgdata)[1]
    except EmbeddedPostgresError as error:
        raise ConfigError(str(error)) from None
