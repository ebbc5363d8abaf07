"""Configuration from the environment; production refuses to start without its secrets."""
import os
import subprocess
import sys

import pytest

from app import create_app
from config import Config, ConfigError, normalize_database_url

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


def test_production_start_message_is_one_line_naming_the_variable():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    env.update(APP_ENV="production", DATABASE_URL="postgres://127.0.0.1:1/none")
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "routes"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


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
