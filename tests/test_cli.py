"""Commands: create-user and seed-demo."""
from sqlalchemy import func, select

from extensions import db
from models import User
from services.demo import DEMO_PASSWORD, DEMO_USERS
from core.passwords import verify_password


def test_create_user_reads_password_from_stdin(runner, app):
    result = runner.invoke(args=["create-user", "Ombudsman.79@Test.kz", "--role", "ombudsman",
                                 "--region", "79", "--name", "Aigerim", "--password-stdin"],
                           input="a-long-enough-password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(func.lower(User.email) == "ombudsman.79@test.kz"))
        assert user.role == "ombudsman" and user.region_code == "79" and user.name == "Aigerim"
        assert verify_password(user.password_hash, "a-long-enough-password")
        assert user.password_hash.startswith("$argon2id$")


def test_create_user_asks_twice(runner, app):
    result = runner.invoke(args=["create-user", "c@test.kz", "--role", "committee"],
                           input="a-long-enough-password\na-long-enough-password\n")
    assert result.exit_code == 0, result.output
    assert "Password" in result.output and "Repeat" in result.output


def test_create_user_refuses_short_password(runner):
    result = runner.invoke(args=["create-user", "s@test.kz", "--role", "committee", "--password-stdin"],
                           input="short\n")
    assert result.exit_code != 0 and "12" in result.output


def test_regional_role_needs_region(runner):
    result = runner.invoke(args=["create-user", "r@test.kz", "--role", "akimat_admin",
                                 "--password-stdin"], input="a-long-enough-password\n", env={"LANG": "en_US.UTF-8"})
    assert result.exit_code != 0 and "region" in result.output


def test_email_unique_case_insensitively(runner):
    args = ["--role", "committee", "--password-stdin"]
    assert runner.invoke(args=["create-user", "dup@test.kz", *args], input="a-long-enough-password\n").exit_code == 0
    again = runner.invoke(args=["create-user", "DUP@test.kz", *args], input="a-long-enough-password\n",
                          env={"LANG": "en_US.UTF-8"})
    assert again.exit_code != 0 and "already exists" in again.output


def test_database_enforces_region_for_regional_roles(app_ctx):
    import pytest
    from sqlalchemy.exc import IntegrityError

    db.session.add(User(email="raw@test.kz", role="ombudsman", region_code=None))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(User(email="raw2@test.kz", role="commissioner", region_code="75"))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_seed_demo_is_idempotent_and_logins_work(runner, app, client, auth):
    for _ in range(2):
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == len(DEMO_USERS)
    for email, *_ in DEMO_USERS:
        assert auth.login(email, DEMO_PASSWORD).status_code == 302, email
        assert client.get("/admin/").status_code == 200
        auth.logout()


def test_seed_demo_refuses_production(runner, app):
    app.config["APP_ENV"] = "production"
    try:
        result = runner.invoke(args=["seed-demo"])
    finally:
        app.config["APP_ENV"] = "testing"
    assert result.exit_code != 0 and "production" in result.output


def test_command_messages_follow_lang(runner):
    result = runner.invoke(args=["create-user", "r@test.kz", "--role", "akimat_admin", "--password-stdin"],
                           input="a-long-enough-password\n", env={"LANG": "ru_RU.UTF-8"})
    assert result.exit_code != 0 and "регион" in result.output
