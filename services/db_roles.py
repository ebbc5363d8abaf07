"""Least-privilege database roles (README, "Deploying": "Database roles").

Two set-ups. One role for everything (``DATABASE_URL``), or the owner role for the release
phase (``MIGRATION_DATABASE_URL``, read by ``flask db …``) and a runtime role for web and
worker that owns nothing: it reads and writes the ordinary tables, only reads and adds to
the append-only ones (the tables whose ``info`` says ``append_only``: the audit log and
the frozen half-year reports), and cannot switch their triggers off (not the owner, no
superuser, no TRIGGER privilege). ``grant_runtime_role`` makes that role and its grants;
it is safe to run again, and is run again after each migration.
"""
import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import create_engine, text

from extensions import db

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
WRITES = "SELECT, INSERT, UPDATE, DELETE"
# Never the runtime role's, on any table (TRIGGER would let it switch triggers off).
REFUSED = "TRUNCATE, REFERENCES, TRIGGER"
NO_MORE = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"


class RoleError(Exception):
    """The role cannot be made the runtime role (it exists with more rights, say)."""


def migration_engine():
    """The engine ``flask db …`` runs on: the owner role's (``MIGRATION_DATABASE_URL``)
    when set, else the app's own."""
    url = current_app.config.get("MIGRATION_DATABASE_URL")
    if not url:
        return db.engine
    engine = current_app.extensions.get("migration_engine")
    if engine is None:
        engine = current_app.extensions["migration_engine"] = create_engine(url)
    return engine


def append_only_tables():
    """The tables the runtime role only reads and adds to, as the models declare them."""
    return sorted(t.name for t in db.metadata.tables.values() if t.info.get("append_only"))


def grant_runtime_role(conn, name, password=None):
    """Create ``name`` if missing (``password`` required then) and grant it what web and
    worker need on every table now in the schema, and on those the connected (owner) role
    creates later; return what was done, one statement a line (no password shown)."""
    if not ROLE_NAME.match(name):
        raise RoleError(_l("%(name)s is not a plain role name: use lower-case Latin letters, digits "
                           "and _.", name=name))
    if not conn.scalar(text("SELECT to_regclass('public.alembic_version') IS NOT NULL")):
        raise RoleError(_l("The schema is not there yet: run flask --app app db upgrade first."))
    role = _quoted(conn, name)
    done = [*_role(conn, name, role, password)]
    database = _quoted(conn, conn.scalar(text("SELECT current_database()")))
    owner = _quoted(conn, conn.scalar(text("SELECT current_user")))
    kept = [_quoted(conn, t) for t in append_only_tables()]
    statements = [
        f"GRANT CONNECT ON DATABASE {database} TO {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT {WRITES} ON ALL TABLES IN SCHEMA public TO {role}",
        f"REVOKE {REFUSED} ON ALL TABLES IN SCHEMA public FROM {role}",
        f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role}",
        f"REVOKE UPDATE, DELETE ON {', '.join(kept)} FROM {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT {WRITES} ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]
    for statement in statements:
        conn.execute(text(statement))
    return done + statements


def _role(conn, name, role, password):
    """Create the role, or check that an existing one has no more rights than it should."""
    found = conn.execute(text("SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication "
                              "FROM pg_roles WHERE rolname = :name"), {"name": name}).first()
    if found is None:
        if not password:
            raise RoleError(_l("Role %(name)s does not exist yet: give it a password.", name=name))
        conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD :password {NO_MORE}"), {"password": password})
        return [f"CREATE ROLE {role} LOGIN PASSWORD '***' {NO_MORE}"]
    if any(found) or conn.scalar(text("SELECT pg_has_role(:name, current_user, 'MEMBER')"), {"name": name}):
        raise RoleError(_l("Role %(name)s may do more than a runtime role: it is a superuser, creates "
                           "roles or databases, bypasses row security, replicates, or acts as the "
                           "migration role.", name=name))
    owned = conn.scalar(text("SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                             "WHERE r.rolname = :name"), {"name": name})
    if owned:
        raise RoleError(_l("Role %(name)s owns tables, indexes or sequences (%(count)s): a runtime "
                           "role owns nothing, or it could switch their triggers off.",
                           name=name, count=owned))
    if password:
        conn.execute(text(f"ALTER ROLE {role} PASSWORD :password"), {"password": password})
        return [f"ALTER ROLE {role} PASSWORD '***'"]
    return []


def _quoted(conn, identifier):
    return conn.dialect.identifier_preparer.quote(identifier)

