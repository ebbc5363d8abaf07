"""Configuration from the environment: production is the default off the embedded database,
and every such process refuses to start without its secrets and real addresses."""
import os
import stat
import subprocess
import sys

import pytest

from app import create_app
from config import (BOOT_ERROR, PRODUCTION_SETTINGS, Config, ConfigError, development_secret_key,
                    normalize_database_url)
from tests.helpers import PRODUCTION_ENV, production_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("given,expected", [
    ("postgres://u:p@host:5432/db", "postgresql+psycopg2://u:p@host:5432/db"),
    ("postgresql://u@host/db", "postgresql+psycopg2://u@host/db"),
    ("postgresql+psycopg2://u@host/db", "postgresql+psycopg2://u@host/db"),
    (None, None),
])
def test_database_url_accepts_the_paas_form(given, expected):
    assert normalize_database_url(given) == expected


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://nowhere/db")
    config = type("ProdConfig", (Config,), {"APP_ENV": "production", "SECRET_KEY": None,
                                            "DATABASE_URL": "postgresql+psycopg2://nowhere/db"})()
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(config)


def _without(*names):
    return {k: v for k, v in os.environ.items() if k not in {*names, *PRODUCTION_SETTINGS, "APP_ENV"}}


def test_production_start_message_is_one_line_naming_the_variable():
    env = dict(_without("DATABASE_URL"), **PRODUCTION_ENV, DATABASE_URL="postgres://127.0.0.1:1/none")
    del env["SECRET_KEY"]
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "routes"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == BOOT_ERROR
    assert result.stderr.startswith("Refusing to start: SECRET_KEY is not set")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def _app_env(env):
    return subprocess.run([sys.executable, "-c", "import config; print(config.Config.APP_ENV)"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60, check=True).stdout.strip()


def test_production_is_the_default_wherever_database_url_is_set():
    assert _app_env(dict(_without("DATABASE_URL"), DATABASE_URL="postgres://db.internal/app")) == "production"
    assert _app_env(_without("DATABASE_URL")) == "development"


@pytest.mark.parametrize("name", [*PRODUCTION_SETTINGS, "DATABASE_URL"])
def test_each_missing_production_setting_is_named_on_a_line_of_its_own(name):
    config = production_config("postgres://db.internal/app", **{name: None})
    with pytest.raises(ConfigError) as refused:
        config.check()
    [problem] = refused.value.problems
    assert problem.startswith(name)


@pytest.mark.parametrize("name, value", [
    ("MAIL_FROM", "ombudsman-noreply@localhost"),
    ("COMMISSIONER_EMAIL", "commissioner@demo.kz"),
    ("COMMITTEE_EMAIL", "committee@demo.kz"),
    ("MAIL_FROM", "no address at all"),
    ("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
])
def test_production_refuses_the_development_stand_ins(name, value):
    with pytest.raises(ConfigError) as refused:
        production_config("postgres://db.internal/app", **{name: value}).check()
    [problem] = refused.value.problems
    assert problem.startswith(name)


def test_a_development_process_off_the_embedded_database_needs_the_real_settings_too():
    config = production_config("postgres://db.internal/app", APP_ENV="development",
                               SECRET_KEY=None, MAIL_FROM=None)
    with pytest.raises(ConfigError) as refused:
        config.check()
    assert [p.split()[0] for p in refused.value.problems] == ["SECRET_KEY", "MAIL_FROM"]
    production_config("postgres://db.internal/app", APP_ENV="development").check()


def test_development_on_the_embedded_database_fills_in_stand_ins(tmp_path, monkeypatch):
    monkeypatch.setattr("config.INSTANCE", str(tmp_path))
    config = type("DevConfig", (Config,), {"APP_ENV": "development", "DATABASE_URL": None, "PORT": "5310",
                                           **{name: None for name in PRODUCTION_SETTINGS}})()
    config.check()
    assert config.PUBLIC_BASE_URL == "http://127.0.0.1:5310"  # links follow `PORT=5310 make run`
    assert config.MAIL_FROM.endswith("@localhost") and config.COMMISSIONER_EMAIL.endswith("@demo.kz")
    assert config.SECRET_KEY == (tmp_path / "secret_key").read_text().strip()


def test_the_development_secret_key_is_made_once_per_instance_folder_and_kept_private(tmp_path):
    first = development_secret_key(str(tmp_path / "a"))
    assert len(first) == 64 and development_secret_key(str(tmp_path / "a")) == first
    assert development_secret_key(str(tmp_path / "b")) != first
    assert stat.S_IMODE((tmp_path / "a" / "secret_key").stat().st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["secret_key"]


def test_production_cookies_are_secure():
    config = type("ProdConfig", (Config,), {"APP_ENV": "production", "SECRET_KEY": "x" * 32,
                                            "DATABASE_URL": "postgresql+psycopg2://nowhere/db"})()
    assert config.SESSION_COOKIE_SECURE is True
    assert config.SESSION_COOKIE_SAMESITE == "Lax" and config.SESSION_COOKIE_HTTPONLY


def test_unknown_app_env_is_refused():
    config = type("OddConfig", (Config,), {"APP_ENV": "staging-ish"})()
    with pytest.raises(ConfigError, match="APP_ENV"):
        config.check()


def test_every_environment_variable_is_documented_in_the_readme():
    import re

    names = set()
    for module in ("config.py", "tests/conftest.py", "tests/browser.py"):
        with open(os.path.join(ROOT, module), encoding="utf-8") as source:
            names |= set(re.findall(r'environ\.get\(\s*"([A-Z_]+)"', source.read()))
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as readme:
        documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme.read(), re.M))
    assert names - documented == set()
