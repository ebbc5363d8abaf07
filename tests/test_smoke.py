from models import Region, User
from extensions import db
from tests.helpers import gen_user


def test_regions_loaded(app_ctx):
    assert db.session.query(Region).count() == 20


def test_rollback_isolation_a(app_ctx):
    gen_user("superadmin", email="iso@test.kz")
    assert db.session.query(User).filter_by(email="iso@test.kz").count() == 1


def test_rollback_isolation_b(app_ctx):
    assert db.session.query(User).filter_by(email="iso@test.kz").count() == 0


def test_login(client, auth, app):
    with app.app_context():
        gen_user("akimat_admin", "75")
    r = auth.login("akimat_admin.75@test.kz")
    assert r.status_code == 302, r.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200
