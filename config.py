"""Configuration, read from the environment only (12-factor).

Every variable is listed with its default in the README table "Configuration".
"""
import os
from datetime import timedelta

from services import crypto


def normalize_database_url(url):
    """Accept the PaaS form ``postgres://`` and pin the psycopg2 driver.

    SQLAlchemy 2 rejects ``postgres://``, and 2.1 maps a bare ``postgresql://`` to
    psycopg 3; we ship psycopg2-binary.
    """
    if not url:
        return url
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


class ConfigError(RuntimeError):
    """The environment is missing something the app cannot run without."""


class Config:
    APP_ENV = os.environ.get("APP_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    DATABASE_URL = normalize_database_url(os.environ.get("DATABASE_URL"))
    EMBEDDED_PGDATA = os.environ.get("EMBEDDED_PGDATA")  # default: instance/pgdata
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    MAIL_URL = os.environ.get("MAIL_URL")
    MAIL_FROM = os.environ.get("MAIL_FROM", "ombudsman-noreply@localhost")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "20"))
    OUTBOX_RETRY_BASE_SECONDS = float(os.environ.get("OUTBOX_RETRY_BASE_SECONDS", "10"))
    WORKER_POLL_SECONDS = float(os.environ.get("WORKER_POLL_SECONDS", "1"))
    REDIS_URL = os.environ.get("REDIS_URL")
    # Commissioner's office and Committee addresses for alerts [R10.1], [R4].
    COMMISSIONER_EMAIL = os.environ.get("COMMISSIONER_EMAIL", "commissioner@demo.kz")
    COMMITTEE_EMAIL = os.environ.get("COMMITTEE_EMAIL", "committee@demo.kz")

    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", "3"))
    ARGON2_MEMORY_KIB = int(os.environ.get("ARGON2_MEMORY_KIB", "65536"))
    LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))
    LOGIN_MAX_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", "5"))
    LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "15"))
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    # Largest request body: 5 attachments of 10 MB on the public form, plus the text.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_REQUEST_MB", "60")) * 1024 * 1024
    UPLOAD_MAX_MB = int(os.environ.get("UPLOAD_MAX_MB", "10"))
    # A case received at or after this local hour counts from the next working day.
    WORKDAY_CUTOFF_HOUR = int(os.environ.get("WORKDAY_CUTOFF_HOUR", "18"))
    RECEIPT_KEY = os.environ.get("RECEIPT_KEY")  # default: SECRET_KEY
    # Identities encrypted at rest (services/crypto.py): comma-separated Fernet keys, the
    # first encrypts and all decrypt; and the key of the IIN's searchable hash. Required
    # in production; in development and tests dev-only keys are derived from SECRET_KEY.
    DATA_KEYS = os.environ.get("DATA_KEYS")
    IIN_HASH_KEY = os.environ.get("IIN_HASH_KEY")
    # Years a closed case keeps its personal data (default of an admin setting; services/retention.py).
    RETENTION_YEARS = int(os.environ.get("RETENTION_YEARS", "5"))
    # Public form abuse limits (per address); raised only for benchmarks.
    SUBMISSIONS_PER_HOUR = int(os.environ.get("SUBMISSIONS_PER_HOUR", "5"))
    RECEIPT_ATTEMPTS_PER_MINUTE = int(os.environ.get("RECEIPT_ATTEMPTS_PER_MINUTE", "10"))
    MIN_FILL_SECONDS = float(os.environ.get("MIN_FILL_SECONDS", "3"))
    # [R10.1], [R10.3] "immediately": alerts are due this many minutes after registration.
    ALERT_DUE_MINUTES = int(os.environ.get("ALERT_DUE_MINUTES", "60"))
    # Reminders go out this many hours before a checklist item or a case falls due.
    REMINDER_HOURS_BEFORE = int(os.environ.get("REMINDER_HOURS_BEFORE", "24"))
    # Emergency and help lines shown on the public site (KZ-FACTS.md).
    EMERGENCY_NUMBERS = os.environ.get("EMERGENCY_NUMBERS", "112,102,111")
    SET_PASSWORD_LINK_HOURS = int(os.environ.get("SET_PASSWORD_LINK_HOURS", "48"))
    # Where links in e-mails point, e.g. https://ombudsman.example.kz (no trailing slash).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True  # "remember me" is not offered; set anyway
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # A staff session ends after this many minutes without a request, and this many hours after
    # login (both also settings in the admin: auth/sessions.py). The signed cookie is refused
    # by Flask after the same lifetime.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_HOURS", "12"))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=SESSION_MAX_HOURS)
    # Two-factor login for every staff member, not only the superadmin and the Commissioner's
    # office (also a setting in the admin).
    TWO_FACTOR_FOR_ALL = os.environ.get("TWO_FACTOR_FOR_ALL", "false")
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    BABEL_DEFAULT_LOCALE = "kk"
    BABEL_DEFAULT_TIMEZONE = "Asia/Almaty"
    LANGUAGES = ("kk", "ru", "en")

    FLASK_ADMIN_SWATCH = "default"
    FLASK_ADMIN_RAISE_ON_INTEGRITY_ERROR = False

    def __init__(self):
        if self.APP_ENV == "production":
            self.SESSION_COOKIE_SECURE = True
            self.REMEMBER_COOKIE_SECURE = True
            self.TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "1"))

    def check(self):
        """Refuse to run in production without the secrets it needs."""
        if self.APP_ENV not in {"development", "testing", "production"}:
            raise ConfigError(f"APP_ENV must be development, testing or production, not {self.APP_ENV!r}")
        if self.APP_ENV == "production":
            if not self.SECRET_KEY:
                raise ConfigError("SECRET_KEY is not set: set SECRET_KEY to a long random string "
                                  "(python -c 'import secrets; print(secrets.token_hex(32))').")
            if not self.DATABASE_URL:
                raise ConfigError("DATABASE_URL is not set: production needs a managed Postgres.")
            problems = (crypto.check_data_keys(self.DATA_KEYS), crypto.check_hash_key(self.IIN_HASH_KEY))
        else:
            if not self.SECRET_KEY:
                self.SECRET_KEY = "dev-only-secret-not-for-production"
            # Without DATA_KEYS, dev-only keys come from SECRET_KEY; given keys must be usable.
            problems = (crypto.check_data_keys(self.DATA_KEYS) if self.DATA_KEYS else None,)
        for problem in problems:
            if problem:
                raise ConfigError(problem)


class TestConfig(Config):
    __test__ = False  # not a pytest test class
    APP_ENV = "testing"
    TESTING = True
    SECRET_KEY = "test-secret"
    # Dev-only keys derived from SECRET_KEY, whatever the developer's environment holds.
    DATA_KEYS = None
    IIN_HASH_KEY = None
    DATABASE_URL = normalize_database_url(os.environ.get("TEST_DATABASE_URL"))
    MAIL_URL = None
    WORKER_POLL_SECONDS = 0.1
    OUTBOX_RETRY_BASE_SECONDS = 0.2
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_KIB = 1024
