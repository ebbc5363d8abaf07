"""Identities encrypted at rest (core/crypto.py): the ORM reads them back, the database
and its dumps hold only ciphertext, staff still find a child by IIN through the keyed
hash, keys rotate, production refuses to start without them, and the migration encrypted
what was stored in plaintext before."""
import io
import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.exc import StatementError

from app import create_app
from config import Config, ConfigError
from extensions import db
from models import Case, CaseChild, User
from core import crypto
from services.cases import submit_case
from core.iin import search_key
from tests.factories import REPORT
from tests.helpers import PRODUCTION_ENV
from tests.test_migrations import ROOT, flask_db

CHILD = {"age": 12, "sex": "girl", "name": "Айгерим Сарсенова", "iin": "120305601238",
         "school": "№12 мектеп-гимназия"}
REPORTER = {"reporter_name": "Марат Сериков", "reporter_phone": "+77011234567",
            "reporter_email": "marat.serikov@example.kz"}
PLAINTEXT = (CHILD["name"], CHILD["iin"], *REPORTER.values())


def _case(region="75", child=CHILD):
    case, _code = submit_case(dict(REPORT, region_code=region, **REPORTER), [dict(child)], consent=True)
    db.session.flush()
    return case


def _raw(sql, **params):
    return db.session.execute(text(sql), params).one()


def _dump(table):
    """What ``pg_dump`` would write of ``table``: COPY … TO STDOUT on the raw connection."""
    db.session.flush()
    cursor = db.session.connection().connection.dbapi_connection.cursor()
    out = io.StringIO()
    cursor.copy_expert(f"COPY (SELECT * FROM {table}) TO STDOUT", out)
    return out.getvalue()


def test_identities_round_trip_through_the_orm(app_ctx):
    case_id = _case().id
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert (case.reporter_name, case.reporter_phone, case.reporter_email) == tuple(REPORTER.values())
    child = case.children[0]
    assert (child.name, child.iin, child.school) == (CHILD["name"], CHILD["iin"], CHILD["school"])
    assert child.iin_hash == search_key(CHILD["iin"]) and len(child.iin_hash) == 64


def test_the_database_holds_ciphertext_only(app_ctx):
    case = _case()
    name, iin, iin_hash = _raw("SELECT name, iin, iin_hash FROM case_child WHERE case_id = :id", id=case.id)
    for stored, plain in ((name, CHILD["name"]), (iin, CHILD["iin"])):
        assert stored != plain and plain not in stored
        assert stored.startswith("gAAAAA")  # a Fernet token
        assert crypto.decrypt(stored) == plain
    assert CHILD["iin"] not in iin_hash
    reporter = _raw("SELECT reporter_name, reporter_phone, reporter_email FROM cases WHERE id = :id", id=case.id)
    for stored, plain in zip(reporter, REPORTER.values()):
        assert plain not in stored and crypto.decrypt(stored) == plain
    # Randomized: the same name encrypts differently each time.
    assert crypto.encrypt(CHILD["name"]) != crypto.encrypt(CHILD["name"])


def test_a_dump_names_no_child_and_no_reporter(app_ctx):
    _case()
    dumped = _dump("case_child") + _dump("cases")
    assert "Бала мектепте" in dumped  # the dump is real: the description is there, readable
    for plain in PLAINTEXT:
        assert plain not in dumped, plain


def test_totp_secret_is_encrypted(app_ctx):
    user = User(email="twofactor@test.kz", role="committee", totp_secret="JBSWY3DPEHPK3PXP")
    db.session.add(user)
    db.session.flush()
    assert "JBSWY3DPEHPK3PXP" not in _dump("users")
    db.session.expire(user)
    assert user.totp_secret == "JBSWY3DPEHPK3PXP"


def test_sql_comparison_on_an_encrypted_column_is_refused(app_ctx):
    """Randomized ciphertext never equals anything: comparing it in SQL is a bug, said loudly."""
    with pytest.raises(TypeError, match="encrypted"):
        select(CaseChild).where(CaseChild.name == "Айгерим")
    with pytest.raises(TypeError):
        select(Case).where(Case.reporter_email.ilike("%@example.kz"))
    # IS NULL still works.
    case = _case()
    assert db.session.scalar(select(Case.id).where(Case.id == case.id, Case.reporter_name.is_not(None)))


def test_the_old_length_limits_still_hold(app_ctx):
    case = _case()
    case.reporter_phone = "1" * 41
    with pytest.raises(StatementError, match="longer than 40"):
        db.session.flush()


def test_iin_hash_follows_the_iin(app_ctx):
    child = _case().children[0]
    child.iin = "130711504562"
    assert child.iin_hash == search_key("1307 1150 4562")
    child.iin = None
    assert child.iin_hash is None


# --- search by IIN ------------------------------------------------------------------------

@pytest.fixture
def child_cases(app, people):
    with app.app_context():
        numbers = {"75": _case("75").registration_number,
                   "71": _case("71", dict(CHILD, name="Данияр Омаров", iin="130711504562")).registration_number}
        db.session.commit()
        return numbers


def _search(client, term):
    return client.get("/admin/case/", query_string={"search": term, "lang": "en"}).get_data(as_text=True)


def test_staff_find_a_child_by_iin_through_the_hash(client, auth, people, child_cases):
    auth.login(people["ombudsman75"].email)
    found = _search(client, "1203 0560 1238")
    assert child_cases["75"] in found and child_cases["71"] not in found
    assert child_cases["75"] not in _search(client, "130711504562")  # region 71's child


def test_another_region_finds_nothing_by_iin(client, auth, people, child_cases):
    auth.login(people["ombudsman71"].email)
    assert child_cases["75"] not in _search(client, CHILD["iin"])
    assert child_cases["71"] in _search(client, "130711504562")


# --- keys ---------------------------------------------------------------------------------

def test_rotation_moves_every_value_to_the_new_key(app, app_ctx, runner, monkeypatch):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setitem(app.config, "DATA_KEYS", key_a)
    case_ids = [_case().id for _ in range(3)]
    db.session.commit()
    stored_a = _raw("SELECT reporter_email FROM cases WHERE id = :id", id=case_ids[0])[0]

    monkeypatch.setitem(app.config, "DATA_KEYS", f"{key_b},{key_a}")
    result = runner.invoke(args=["keys", "rotate", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "cases: 2 row(s) read, 2 re-encrypted" in result.output  # batch by batch
    assert "Done: 6 of 6 row(s) re-encrypted" in result.output  # 3 cases and their 3 children
    again = runner.invoke(args=["keys", "rotate"])
    assert "Done: 0 of 6 row(s) re-encrypted" in again.output  # idempotent

    monkeypatch.setitem(app.config, "DATA_KEYS", key_b)
    db.session.expire_all()
    for case_id in case_ids:
        case = db.session.get(Case, case_id)
        assert case.reporter_email == REPORTER["reporter_email"]
        assert case.children[0].name == CHILD["name"] and case.children[0].iin == CHILD["iin"]
    assert _raw("SELECT reporter_email FROM cases WHERE id = :id", id=case_ids[0])[0] != stored_a
    with pytest.raises(crypto.UndecryptableValue):
        crypto.Keys([key_a], b"k" * 32).decrypt(
            _raw("SELECT reporter_email FROM cases WHERE id = :id", id=case_ids[0])[0])
    audit = db.session.execute(text("SELECT data FROM audit_event WHERE action = 'keys.rotate' "
                                    "ORDER BY id DESC LIMIT 1")).scalar_one()
    assert audit == {"rows": 6, "rewritten": 0}
    # A value under a key no longer listed stops the command with a message, not a traceback.
    monkeypatch.setitem(app.config, "DATA_KEYS", key_a)
    lost = runner.invoke(args=["keys", "rotate"])
    assert lost.exit_code != 0 and "does not decrypt" in lost.output and "Traceback" not in lost.output


def test_rotation_rehashes_iins_under_a_new_hash_key(app, app_ctx, runner, monkeypatch):
    child_id = _case().children[0].id
    db.session.commit()
    monkeypatch.setitem(app.config, "IIN_HASH_KEY", "n" * 40)
    assert _raw("SELECT iin_hash FROM case_child WHERE id = :id", id=child_id)[0] != search_key(CHILD["iin"])
    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0
    assert _raw("SELECT iin_hash FROM case_child WHERE id = :id", id=child_id)[0] == search_key(CHILD["iin"])


def _production(**values):
    fields = {**PRODUCTION_ENV, "SECRET_KEY": "s" * 32,
              "DATABASE_URL": "postgresql+psycopg2://nowhere/db",
              "DATA_KEYS": Fernet.generate_key().decode(), "IIN_HASH_KEY": "h" * 40, **values}
    return type("ProdConfig", (Config,), fields)()


@pytest.mark.parametrize("values,message", [
    ({"DATA_KEYS": None}, "DATA_KEYS is not set"),
    ({"DATA_KEYS": "not-a-key"}, "DATA_KEYS: key 1 is not a Fernet key"),
    ({"IIN_HASH_KEY": None}, "IIN_HASH_KEY is not set"),
    ({"IIN_HASH_KEY": "short"}, "IIN_HASH_KEY is too short"),
])
def test_production_refuses_to_start_without_the_keys(values, message):
    with pytest.raises(ConfigError, match=message):
        create_app(_production(**values))


def test_production_starts_with_the_keys():
    _production().check()


def test_production_message_says_how_to_make_a_key():
    env = {k: v for k, v in os.environ.items() if k not in {"DATA_KEYS", "IIN_HASH_KEY"}}
    env.update(APP_ENV="production", SECRET_KEY="s" * 32, DATABASE_URL="postgres://127.0.0.1:1/none")
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "routes"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "DATA_KEYS is not set" in result.stderr and "Fernet.generate_key()" in result.stderr


def test_development_keys_are_stable_and_from_secret_key():
    one = crypto.Keys.from_config({"APP_ENV": "development", "SECRET_KEY": "a"})
    same = crypto.Keys.from_config({"APP_ENV": "development", "SECRET_KEY": "a"})
    other = crypto.Keys.from_config({"APP_ENV": "development", "SECRET_KEY": "b"})
    assert same.decrypt(one.encrypt("Айгерим")) == "Айгерим"
    assert one.iin_hash("120305601238") == same.iin_hash("120305601238") != other.iin_hash("120305601238")
    with pytest.raises(crypto.UndecryptableValue):
        other.decrypt(one.encrypt("Айгерим"))


# --- the migration that encrypted the plaintext ----------------------------------------------

PLAIN_ROWS = """
INSERT INTO cases (id, registration_number, region_code, kind, categories, description, responsible,
                   danger_now, urgent, reporter_name, reporter_phone, reporter_email, language, channel,
                   state, receipt_hash)
VALUES (1, '75-2020-000001', '75', 'appeal', '{neglect}', 'Бала мектепте күн сайын ренжітіледі.',
        'unknown', false, false, 'Марат Сериков', '+77011234567', 'marat.serikov@example.kz', 'kk', 'web',
        'received', repeat('a', 64));
INSERT INTO case_child (id, case_id, age, sex, name, iin) VALUES
    (1, 1, 12, 'girl', 'Айгерим Сарсенова', '120305601238'), (2, 1, 8, 'boy', NULL, NULL);
INSERT INTO users (email, name, role, totp_secret) VALUES ('c@test.kz', '', 'committee', 'JBSWY3DPEHPK3PXP');
"""


@pytest.fixture
def database_at_0009(database_url):
    name = "encryption_migration_check"
    admin = create_engine(make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    step = flask_db(url, "upgrade", "0009")
    assert step.returncode == 0, step.stderr
    yield url
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def test_the_migration_encrypts_plaintext_rows_and_downgrade_decrypts(database_at_0009):
    engine = create_engine(database_at_0009)
    with engine.begin() as conn:
        conn.execute(text(PLAIN_ROWS))
    assert flask_db(database_at_0009, "upgrade").returncode == 0
    # tests/test_migrations.py's flask_db runs with SECRET_KEY=migration-test: its dev-only keys.
    keys = crypto.Keys.from_config({"APP_ENV": "testing", "SECRET_KEY": "migration-test"})
    with engine.connect() as conn:
        name, iin, iin_hash = conn.execute(text("SELECT name, iin, iin_hash FROM case_child WHERE id = 1")).one()
        assert conn.execute(text("SELECT name, iin, iin_hash FROM case_child WHERE id = 2")).one() == (None, None, None)
        reporter = conn.execute(text("SELECT reporter_name, reporter_phone, reporter_email FROM cases")).one()
        totp = conn.execute(text("SELECT totp_secret FROM users")).scalar_one()
    assert (keys.decrypt(name), keys.decrypt(iin)) == ("Айгерим Сарсенова", "120305601238")
    assert "Айгерим" not in name and iin_hash == keys.iin_hash("120305601238")
    assert [keys.decrypt(value) for value in reporter] == list(REPORTER.values())
    assert keys.decrypt(totp) == "JBSWY3DPEHPK3PXP"

    assert flask_db(database_at_0009, "downgrade", "0009").returncode == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name, iin FROM case_child WHERE id = 1")).one() == (
            "Айгерим Сарсенова", "120305601238")
        assert conn.execute(text("SELECT reporter_email FROM cases")).scalar_one() == REPORTER["reporter_email"]
    engine.dispose()
