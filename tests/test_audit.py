"""The audit log (PRODUCT.md, "Trust"): the database refuses to rewrite it; a change made
through a screen keeps its old and new values with personal data masked; logins, failed
logins and CSV exports leave rows; its screen is for superadmins and the Commissioner's
office, filters by time, actor, action, object and region, exports (audited too) and
escapes what it shows.
"""
import csv
import enum
import html
import io
import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from extensions import db
from models import AuditEvent, Memorandum, Region, User
from services import audit
from core.passwords import hash_password
from tests.factories import gen_case
from tests.helpers import admin_form_data, csrf_token

ALMATY = ZoneInfo("Asia/Almaty")
SCRIPT = "<script>alert(1)</script>"


def events(app, action, **where):
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == action)
        for column, value in where.items():
            query = query.where(getattr(AuditEvent, column) == value)
        return db.session.scalars(query.order_by(AuditEvent.id)).all()


def page(response):
    return response.get_data(as_text=True)


@pytest.fixture
def login(client, auth, people):
    def login(who):
        auth.login(people[who].email)
        assert client.get("/admin/?lang=en").status_code == 200, f"{who} is not logged in"
        return client
    return login


# --- the database refuses to rewrite the log -------------------------------------------------------

@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET action = 'forged', data = '{}' WHERE id = :id",
    "DELETE FROM audit_event WHERE id = :id",
    "TRUNCATE audit_event",
])
def test_the_database_refuses_to_change_or_remove_an_audit_row(app_ctx, statement):
    event = audit.record("test.kept", note="original")
    db.session.flush()
    # In the transaction that wrote a row, TRUNCATE is refused before the trigger: the row's
    # link into the chain is pending (migration 0022; tests/test_audit_chain.py checks the rest).
    with pytest.raises(DBAPIError, match="append-only|pending trigger events"):
        with db.session.begin_nested():
            db.session.execute(text(statement), {"id": event.id})
    db.session.expire_all()
    kept = db.session.get(AuditEvent, event.id)
    assert kept.action == "test.kept" and kept.data == {"note": "original"}


@pytest.mark.committed
def test_the_test_suite_still_empties_the_log_between_committed_tests(app):
    """The TRUNCATE guard stays; tests/conftest.py empties the table with triggers off
    (``session_replication_role = replica``, which only a superuser may set)."""
    from tests.conftest import _empty_tables

    with app.app_context():
        audit.record("test.committed")
        db.session.commit()
    _empty_tables(app)
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.id).limit(1)) is None


# --- diffs ------------------------------------------------------------------------------------------

def test_an_edit_through_a_screen_records_old_and_new_values(app, login, people):
    with app.app_context():
        memorandum = Memorandum(region_code="75", title="Меморандум A", signed_on=date(2026, 3, 2))
        db.session.add(memorandum)
        db.session.commit()
        record = memorandum.id
    client = login("akimat75")
    url = f"/admin/memorandum/edit/?id={record}"
    data = admin_form_data(page(client.get(url)))
    data.update({"title": ["Меморандум B"], "signed_on": ["2026-04-01"]})
    assert client.post(url, data=data).status_code == 302
    [event] = events(app, "memorandum.update", object_id=str(record))
    assert event.actor_id == people["akimat75"].id and event.region_code == "75"
    assert event.data["changes"] == {
        "title": {"old": "Меморандум A", "new": "Меморандум B"},
        "signed_on": {"old": "2026-03-02", "new": "2026-04-01"},
    }  # and nothing that was posted unchanged


def test_a_create_and_a_delete_through_a_screen_keep_the_values(app, login):
    client = login("akimat75")
    data = admin_form_data(page(client.get("/admin/memorandum/new/")))
    data.update({"title": ["Жаңа меморандум"], "signed_on": ["2026-05-04"]})
    assert client.post("/admin/memorandum/new/", data=data).status_code == 302
    [created] = events(app, "memorandum.create")
    assert created.data["changes"]["title"] == {"old": None, "new": "Жаңа меморандум"}
    assert created.data["changes"]["region_code"]["new"] == "75"  # set by the screen itself
    token = csrf_token(page(client.get("/admin/memorandum/")))
    client.post("/admin/memorandum/delete/", data={"csrf_token": token, "id": created.object_id})
    [deleted] = events(app, "memorandum.delete", object_id=created.object_id)
    assert deleted.data["values"]["title"] == "Жаңа меморандум"
    assert deleted.data["values"]["signed_on"] == "2026-05-04"


def test_personal_data_of_a_case_is_masked_in_the_diff(app_ctx):
    case, _code = gen_case(children=({"age": 9, "sex": "girl", "name": "Айгерим Сейтова",
                                      "iin": "170105600122", "school": "№ 12 мектеп"},),
                           reporter_name="Сәуле Сейтова", reporter_phone=None)
    db.session.flush()
    child = case.children[0]
    child.name, child.iin, child.school = "Айгерім Сейітова", "170105600132", "№ 15 мектеп"
    case.reporter_phone = "+7 701 555 12 34"
    case.reporter_name = "Сәуле Сейітова"
    case.urgent = True
    child_changes, case_changes = audit.changes(child), audit.changes(case)  # before any flush
    child_event = audit.record("case_child.update", obj=child, region_code="75", changes=child_changes)
    case_event = audit.record("cases.update", obj=case, changes=case_changes)
    db.session.flush()
    for field in ("name", "iin", "school"):
        assert child_event.data["changes"][field] == {"old": "***", "new": "***"}
    assert case_event.data["changes"]["reporter_phone"] == {"old": None, "new": "***"}  # was empty
    assert case_event.data["changes"]["reporter_name"] == {"old": "***", "new": "***"}
    assert case_event.data["changes"]["urgent"] == {"old": False, "new": True}  # not personal
    stored = db.session.execute(text("SELECT data::text FROM audit_event WHERE id IN (:a, :b)"),
                                {"a": child_event.id, "b": case_event.id}).scalars().all()
    for value in ("Айгерим", "Айгерім", "170105600122", "170105600132", "№ 12", "№ 15", "555 12 34",
                  "Сейтова", "Сейітова"):
        assert not any(value in row for row in stored), value


def test_secrets_are_masked_whatever_the_table(app_ctx, people):
    user = db.session.get(User, people["ombudsman75"].id)
    old_hash = user.password_hash
    user.password_hash = hash_password("another-long-password-42")
    user.totp_secret = "JBSWY3DPEHPK3PXP"
    user.name = "Жаңа аты"
    changes = audit.changes(user)
    assert changes["password_hash"] == {"old": "***", "new": "***"}
    assert changes["totp_secret"] == {"old": None, "new": "***"}
    assert changes["name"]["new"] == "Жаңа аты"
    assert old_hash not in json.dumps(changes) and "JBSWY3DPEHPK3PXP" not in json.dumps(changes)
    assert audit.is_personal("organization", "api_token") and audit.is_personal("x", "receipt_hash")
    assert not audit.is_personal("organization", "email")


def test_every_column_encrypted_at_rest_is_masked(app_ctx):
    """What the database keeps only as ciphertext (models.types.EncryptedText) never
    enters the audit log in clear."""
    encrypted = [(table.name, column.name) for table in db.metadata.sorted_tables
                 for column in table.columns if type(column.type).__name__ == "EncryptedText"]
    assert [pair for pair in encrypted if not audit.is_personal(*pair)] == []


def test_values_are_stored_as_json(app_ctx):
    class Colour(enum.Enum):
        RED = "red"

    region = db.session.get(Region, "75")
    value = {"day": date(2026, 1, 2), "at": datetime(2026, 1, 2, 3, 4, tzinfo=ALMATY),
             "sum": Decimal("1.50"), "colour": Colour.RED, "tags": {"b", "a"}, "pair": (1, 2),
             "region": region, "label": None}
    event = audit.record("test.json", value=value)
    db.session.flush()
    db.session.expire(event)
    assert event.data["value"] == {"day": "2026-01-02", "at": "2026-01-02T03:04:00+05:00",
                                   "sum": "1.50", "colour": "red", "tags": ["a", "b"], "pair": [1, 2],
                                   "region": "75", "label": None}


# --- logins and exports -----------------------------------------------------------------------------

def test_a_login_and_a_failed_login_leave_rows(app, client, auth, people):
    ombudsman = people["ombudsman75"]
    auth.login(ombudsman.email, "wrong-password-123")
    auth.login("nobody@test.kz", "wrong-password-123")
    assert auth.login(ombudsman.email).status_code == 302
    failed = events(app, "login.failed")
    assert [(e.actor_id, e.data["email"]) for e in failed] == [(ombudsman.id, ombudsman.email),
                                                                (None, "nobody@test.kz")]
    assert all(e.ip_address for e in failed)
    [login] = events(app, "login", actor_id=ombudsman.id)
    assert login.object_type == "users" and login.object_id == str(ombudsman.id)


def test_a_csv_export_leaves_a_row(app, login, people):
    with app.app_context():
        db.session.add_all([
            Memorandum(region_code="75", title="Экспорт меморандумы", signed_on=date(2026, 3, 2)),
            Memorandum(region_code="75", title="Басқа", signed_on=date(2026, 3, 3))])
        db.session.commit()
    client = login("akimat75")
    response = client.get("/admin/memorandum/export/csv/?search=Экспорт")
    assert response.status_code == 200 and "Экспорт меморандумы" in page(response)
    [event] = events(app, "memorandum.export")
    assert event.actor_id == people["akimat75"].id and event.region_code == "75"
    assert event.data["rows"] == 1 and event.data["search"] == "Экспорт"
    assert event.data["screen"] == "memorandum" and event.data["filters"] == []


# --- the audit screen -------------------------------------------------------------------------------

@pytest.mark.parametrize("who,status", [("superadmin", 200), ("commissioner", 200), ("committee", 403),
                                        ("akimat75", 403), ("ombudsman75", 403)])
def test_audit_screen_roles(login, who, status):
    client = login(who)
    assert client.get("/admin/audit/").status_code == status
    assert client.get("/admin/audit/export/csv/").status_code in ((200,) if status == 200 else (403,))


def _local(*args):
    return datetime(*args, tzinfo=ALMATY)


@pytest.fixture
def logged_events(app, people):
    """Four events with markers, at known local times, by different people and regions."""
    rows = {
        "row-A": dict(action="test.alpha", region_code="75", at=_local(2026, 1, 10, 12), object_id="9001",
                      actor_id=people["superadmin"].id, object_type="memorandum"),
        "row-B": dict(action="test.beta", region_code="71", at=_local(2026, 2, 10, 12), object_id="9002",
                      actor_id=people["commissioner"].id, object_type="cases"),
        # 23:57 on 28 February: a day start taken with the wrong offset (pytz's +05:08) moves it.
        "row-C": dict(action="other.gamma", region_code=None, at=_local(2026, 2, 28, 23, 57),
                      object_id="9003", actor_id=None),
        # 1 March 00:30 in Almaty is still 28 February in UTC.
        "row-D": dict(action="other.delta", region_code="75", at=_local(2026, 3, 1, 0, 30),
                      object_id="9004", actor_id=people["ombudsman75"].id),
    }
    with app.app_context():
        db.session.add_all(AuditEvent(data={"marker": marker}, **values) for marker, values in rows.items())
        db.session.commit()
    return rows


# column_filters of admin.audit.AuditView, by position
FROM, TO, ACTOR, ACTION, ACTION_PREFIX, OBJECT_TYPE, REGION = range(7)


@pytest.mark.parametrize("query,shown", [
    ("", {"row-A", "row-B", "row-C", "row-D"}),
    (f"flt0_{ACTION}=test.alpha", {"row-A"}),
    (f"flt0_{ACTION_PREFIX}=test.", {"row-A", "row-B"}),
    (f"flt0_{ACTION_PREFIX}=%", set()),  # a LIKE wildcard is taken literally
    (f"flt0_{REGION}=71", {"row-B"}),
    (f"flt0_{REGION}=75", {"row-A", "row-D"}),
    (f"flt0_{ACTOR}=commissioner", {"row-B"}),
    (f"flt0_{OBJECT_TYPE}=cases", {"row-B"}),
    (f"flt0_{FROM}=2026-02-01", {"row-B", "row-C", "row-D"}),
    (f"flt0_{TO}=2026-01-31", {"row-A"}),
    (f"flt0_{FROM}=2026-02-01&flt1_{TO}=2026-02-28", {"row-B", "row-C"}),  # days in local time
    (f"flt0_{FROM}=2026-03-01", {"row-D"}),
    (f"flt0_{FROM}=2026-13-01", {"row-A", "row-B", "row-C", "row-D"}),  # invalid: ignored
    ("search=9002", {"row-B"}),
    ("search=900", set()),  # the object id exactly
])
def test_audit_screen_filters(login, logged_events, query, shown):
    client = login("commissioner")
    response = client.get(f"/admin/audit/?{query}")
    assert response.status_code == 200
    body = page(response)
    assert {marker for marker in logged_events if marker in body} == shown


def test_audit_screen_is_newest_first_and_read_only(app, login, logged_events):
    client = login("superadmin")
    body = page(client.get("/admin/audit/"))
    positions = [body.index(marker) for marker in ("row-D", "row-C", "row-B", "row-A")]
    assert positions == sorted(positions)
    assert "/admin/audit/new/" not in body and "/admin/audit/edit/" not in body
    [row_a] = events(app, "test.alpha")
    token = csrf_token(page(client.get("/admin/")))
    client.post("/admin/audit/delete/", data={"csrf_token": token, "id": str(row_a.id)})
    assert client.get("/admin/audit/new/").status_code == 302
    assert len(events(app, "test.alpha")) == 1
    details = page(client.get(f"/admin/audit/details/?id={row_a.id}"))
    assert "row-A" in details


def test_audit_screen_export_is_filtered_and_audited(app, login, people, logged_events):
    client = login("commissioner")
    response = client.get(f"/admin/audit/export/csv/?flt0_{REGION}=75")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(page(response))))
    assert {row["Region"] for row in rows} == {"75"}
    markers = {json.loads(row["Details"]).get("marker") for row in rows} - {None}
    assert markers == {"row-A", "row-D"}
    row_a = next(row for row in rows if "row-A" in row["Details"])
    assert row_a["Time"] == "2026-01-10T12:00:00+05:00" and row_a["Who"] == people["superadmin"].email
    [event] = events(app, "audit_event.export")
    assert event.actor_id == people["commissioner"].id
    assert event.data["rows"] == len(rows)
    assert event.data["filters"] == [{"filter": "Region", "operation": "equals", "value": "75"}]


def test_audit_screen_escapes_what_it_shows(app, login):
    with app.app_context():
        event = audit.record("test.hostile", note=SCRIPT)
        db.session.commit()
        event_id = event.id
    client = login("superadmin")
    for url in ("/admin/audit/", f"/admin/audit/details/?id={event_id}"):
        body = page(client.get(url))
        assert SCRIPT not in body, url
        assert html.escape(SCRIPT, quote=False) in body.replace("&#34;", '"').replace("&#39;", "'"), url
