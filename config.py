"""Configuration, read from the environment only (12-factor).

Every variable is listed with its default in the README table "Configuration".

Two kinds of process. On the embedded database (no ``DATABASE_URL``: a developer's
``make run``) the app fills in local stand-ins: a secret key generated once into
``instance/``, keys derived from it, local addresses. Every other process refuses to
start without the real secrets and addresses (``PRODUCTION_SETTINGS``), naming each
missing one on a line of its own; production, which is the default whenever
``DATABASE_URL`` is set, also needs ``DATABASE_URL`` and an https ``PUBLIC_BASE_URL``.
Only the test suite's ``testing`` mode is exempt.
"""
import os
import secrets
import sys
from datetime import timedelta
from email.utils import parseaddr

from core import crypto

INSTANCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "instance")  # app.py's
MODES = ("development", "testing", "production")
# What a process off the embedded database cannot run without (README, "Deploying").
PRODUCTION_SETTINGS = ("SECRET_KEY", "DATA_KEYS", "IIN_HASH_KEY", "MAIL_FROM", "PUBLIC_BASE_URL",
                       "COMMISSIONER_EMAIL", "COMMITTEE_EMAIL")
# The addresses, what each is for, and development's stand-in (refused anywhere else).
ADDRESSES = {
    "MAIL_FROM": ("the sender of every e-mail", "ombudsman-noreply@localhost"),
    "COMMISSIONER_EMAIL": ("the Commissioner's office address for alerts", "commissioner@demo.kz"),
    "COMMITTEE_EMAIL": ("the Committee's address for alerts", "committee@demo.kz"),
}
PLACEHOLDER_DOMAINS = ("localhost", "demo.kz", "example.com", "example.org", "example.net")
# gunicorn's WORKER_BOOT_ERROR: its arbiter stops instead of respawning workers that cannot boot.
BOOT_ERROR = 3


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
    """The environment lacks what the app cannot run without: one line in ``problems`` each."""

    def __init__(self, *problems):
        super().__init__("\n".join(problems))
        self.problems = problems


def exit_on_config_error(error):
    """Print one line per problem and stop as a boot error, so that gunicorn's master stops
    instead of respawning workers that cannot start."""
    for problem in error.problems:
        print(f"Refusing to start: {problem}", file=sys.stderr, flush=True)
    sys.exit(BOOT_ERROR)


def development_secret_key(instance):
    """The development ``SECRET_KEY``: random, made once and kept in ``instance/secret_key``
    (git-ignored), never a constant of the code. Two processes starting at once agree: the
    first file linked into place wins."""
    path = os.path.join(instance, "secret_key")
    if not os.path.exists(path):
        os.makedirs(instance, exist_ok=True)
        draft = f"{path}.{os.getpid()}"
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as kept:
            kept.write(secrets.token_hex(32) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    with open(path, encoding="ascii") as kept:
        return kept.read().strip()


def _placeholder(address):
    """Not an address a mail server would deliver to: none, no domain, or a stand-in's."""
    local, at, domain = parseaddr(address or "")[1].rpartition("@")
    return not (local and at and "." in domain) or domain.lower() in PLACEHOLDER_DOMAINS


class Config:
    # Production unless on the embedded database: a deployment that forgets APP_ENV is safe.
    APP_ENV = os.environ.get("APP_ENV") or ("production" if os.environ.get("DATABASE_URL") else "development")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    DATABASE_URL = normalize_database_url(os.environ.get("DATABASE_URL"))
    MIGRATION_DATABASE_URL = normalize_database_url(os.environ.get("MIGRATION_DATABASE_URL"))  # for `flask db`
    EMBEDDED_PGDATA = os.environ.get("EMBEDDED_PGDATA")  # default: instance/pgdata
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    MAIL_URL = os.environ.get("MAIL_URL")
    MAIL_FROM = os.environ.get("MAIL_FROM")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    MAIL_CA_FILE = os.environ.get("MAIL_CA_FILE")
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "20"))
    OUTBOX_RETRY_BASE_SECONDS = float(os.environ.get("OUTBOX_RETRY_BASE_SECONDS", "10"))
    WORKER_POLL_SECONDS = float(os.environ.get("WORKER_POLL_SECONDS", "1"))
    # SMS through the SMSC.kz HTTP API (core/sms.py); off while SMS_URL is unset.
    SMS_URL = os.environ.get("SMS_URL")
    SMS_LOGIN = os.environ.get("SMS_LOGIN")
    SMS_PASSWORD = os.environ.get("SMS_PASSWORD")
    SMS_SENDER = os.environ.get("SMS_SENDER")
    SMS_TIMEOUT = float(os.environ.get("SMS_TIMEOUT", "10"))
    # Telegram Bot API (core/telegram.py); off while TELEGRAM_BOT_TOKEN is unset.
    TELEGRAM_API_URL = os.environ.get("TELEGRAM_API_URL", "https://api.telegram.org")
    TELEGRAM_BOT_TOKEN = os.environ.get("TELEGRAM_BOT_TOKEN")
    TELEGRAM_BOT_NAME = os.environ.get("TELEGRAM_BOT_NAME")  # shown on the account page
    TELEGRAM_WEBHOOK_SECRET = os.environ.get("TELEGRAM_WEBHOOK_SECRET")
    TELEGRAM_CODE_MINUTES = int(os.environ.get("TELEGRAM_CODE_MINUTES", "15"))
    REDIS_URL = os.environ.get("REDIS_URL")
    # The partner API (api/): calls a token may make per minute (default of an admin setting),
    # and its webhooks (core/webhooks.py): how long a partner's server may take to answer, and
    # a CA bundle to trust besides the system's (a partner's own CA; the tests' local one).
    API_REQUESTS_PER_MINUTE = int(os.environ.get("API_REQUESTS_PER_MINUTE", "60"))
    WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "10"))
    WEBHOOK_CA_FILE = os.environ.get("WEBHOOK_CA_FILE")
    # Commissioner's office and Committee addresses for alerts [R10.1], [R4].
    COMMISSIONER_EMAIL = os.environ.get("COMMISSIONER_EMAIL")
    COMMITTEE_EMAIL = os.environ.get("COMMITTEE_EMAIL")

    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", "3"))
    ARGON2_MEMORY_KIB = int(os.environ.get("ARGON2_MEMORY_KIB", "65536"))
    LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))
    LOGIN_MAX_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", "5"))
    LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "15"))
    # Past LOGIN_MAX_FAILURES_PER_ACCOUNT from anywhere, each attempt on the account waits this long.
    LOGIN_SLOWDOWN_SECONDS = float(os.environ.get("LOGIN_SLOWDOWN_SECONDS", "2"))
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    # Largest request body: 5 attachments of 10 MB on the public form, plus the text.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_REQUEST_MB", "60")) * 1024 * 1024
    UPLOAD_MAX_MB = int(os.environ.get("UPLOAD_MAX_MB", "10"))
    # A case received at or after this local hour counts from the next working day.
    WORKDAY_CUTOFF = os.environ.get("WORKDAY_CUTOFF", "18:30")
    RECEIPT_KEY = os.environ.get("RECEIPT_KEY")  # default: SECRET_KEY
    # Identities encrypted at rest (core/crypto.py): comma-separated Fernet keys, the
    # first encrypts and all decrypt; and the key of the IIN's searchable hash. Required
    # in production; in development and tests dev-only keys are derived from SECRET_KEY.
    DATA_KEYS = os.environ.get("DATA_KEYS")
    IIN_HASH_KEY = os.environ.get("IIN_HASH_KEY")
    # Years a closed case keeps its personal data (default of an admin setting; services/retention.py).
    RETENTION_YEARS = int(os.environ.get("RETENTION_YEARS", "5"))
    # Public form abuse limits (per address); raised only for benchmarks.
    SUBMISSIONS_PER_HOUR = int(os.environ.get("SUBMISSIONS_PER_HOUR", "5"))
    RECEIPT_ATTEMPTS_PER_MINUTE = int(os.environ.get("RECEIPT_ATTEMPTS_PER_MINUTE", "10"))
    STATUS_MESSAGES_PER_HOUR = int(os.environ.get("STATUS_MESSAGES_PER_HOUR", "10"))
    MIN_FILL_SECONDS = float(os.environ.get("MIN_FILL_SECONDS", "3"))
    # [R10.1], [R10.3] "immediately": alerts are due this many minutes after registration.
    ALERT_DUE_MINUTES = int(os.environ.get("ALERT_DUE_MINUTES", "60"))
    # Reminders go out this many hours before a checklist item or a case falls due.
    REMINDER_HOURS_BEFORE = int(os.environ.get("REMINDER_HOURS_BEFORE", "24"))
    # Emergency and help lines shown on the public site (KZ-FACTS.md).
    EMERGENCY_NUMBERS = os.environ.get("EMERGENCY_NUMBERS", "112,102,111")
    # Where "Quick exit" leads: a neutral site that gives nothing away.
    QUICK_EXIT_URL = os.environ.get("QUICK_EXIT_URL", "https://www.google.kz/")
    SET_PASSWORD_LINK_HOURS = int(os.environ.get("SET_PASSWORD_LINK_HOURS", "48"))
    # Where links in e-mails point, e.g. https://ombudsman.example.kz (no trailing slash).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")
    PORT = os.environ.get("PORT") or "5000"  # for development's stand-in PUBLIC_BASE_URL
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

    @property
    def needs_real_settings(self):
        """Every process off the embedded database, and every one in production."""
        return self.APP_ENV == "production" or (bool(self.DATABASE_URL) and self.APP_ENV != "testing")

    def check(self):
        """Refuse to run without what this process needs (module docstring); outside that,
        fill in development's stand-ins."""
        if self.APP_ENV not in MODES:
            raise ConfigError(f"APP_ENV must be development, testing or production, not {self.APP_ENV!r}.")
        if self.needs_real_settings:
            problems = self._missing_real_settings()
        else:
            self._use_stand_ins()
            # Without DATA_KEYS, dev-only keys come from SECRET_KEY; given keys must be usable.
            problems = [crypto.check_data_keys(self.DATA_KEYS) if self.DATA_KEYS else None]
        problems = [problem for problem in problems if problem]
        if problems:
            raise ConfigError(*problems)

    def _missing_real_settings(self):
        problems = [crypto.check_data_keys(self.DATA_KEYS), crypto.check_hash_key(self.IIN_HASH_KEY)]
        if not self.SECRET_KEY:
            problems.insert(0, "SECRET_KEY is not set: set it to a long random string "
                               "(python -c 'import secrets; print(secrets.token_hex(32))').")
        for name, (purpose, _stand_in) in ADDRESSES.items():
            value = getattr(self, name)
            if _placeholder(value):
                problems.append(f"{name} {'is a placeholder, ' + value if value else 'is not set'}: "
                                f"set it to {purpose}.")
        if self.APP_ENV == "production" and not self.DATABASE_URL:
            problems.append("DATABASE_URL is not set: production needs a managed Postgres.")
        schemes = ("https://",) if self.APP_ENV == "production" else ("https://", "http://")
        if not (self.PUBLIC_BASE_URL or "").startswith(schemes):
            problems.append(f"PUBLIC_BASE_URL must be the site's {' or '.join(s[:-3] for s in schemes)} "
                            "address, the base of links in e-mails (e.g. https://ombudsman.example.kz); "
                            f"it is {self.PUBLIC_BASE_URL or 'not set'}.")
        return problems

    def _use_stand_ins(self):
        self.SECRET_KEY = self.SECRET_KEY or development_secret_key(INSTANCE)
        for name, (_purpose, stand_in) in ADDRESSES.items():
            setattr(self, name, getattr(self, name) or stand_in)
        self.PUBLIC_BASE_URL = self.PUBLIC_BASE_URL or f"http://127.0.0.1:{self.PORT}"


class TestConfig(Config):
    __test__ = False  # not a pytest test class
    APP_ENV = "testing"
    TESTING = True
    SECRET_KEY = "test-secret"  # the test suite's own: it never serves anyone
    # Dev-only keys derived from SECRET_KEY, whatever the developer's environment holds.
    DATA_KEYS = None
    IIN_HASH_KEY = None
    DATABASE_URL = normalize_database_url(os.environ.get("TEST_DATABASE_URL"))
    MIGRATION_DATABASE_URL = None  # the tests migrate their own database, whatever the shell says
    MAIL_URL = SMS_URL = TELEGRAM_BOT_TOKEN = TELEGRAM_WEBHOOK_SECRET = None
    TELEGRAM_API_URL = "http://127.0.0.1:9"  # nothing outside: a test sets its stand-in
    REDIS_URL = None  # counters in the test database; tests/test_throttle.py asks for Redis itself
    # The stand-ins, whatever the developer's environment holds.
    MAIL_FROM = COMMISSIONER_EMAIL = COMMITTEE_EMAIL = PUBLIC_BASE_URL = None
    PORT = "5000"
    WORKER_POLL_SECONDS = 0.1
    OUTBOX_RETRY_BASE_SECONDS = 0.2
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_KIB = 1024
    LOGIN_SLOWDOWN_SECONDS = 0.2
