"""Extension objects, created unbound and initialised in ``create_app``.

Talisman is not here: ``create_app`` gives each app its own (it keeps per-app settings).
"""
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

# Stable constraint names, so that Alembic migrations can drop and recreate them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Objects stay readable after the one commit at the end of a request.
db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION),
               session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# One local format for dates on every page, as Kazakhstan writes them: 29.12.2026 and
# 29.12.2026, 18:30 (the "long" form, in words, stays for letters).
DATE_FORMATS = {**Babel.default_date_formats, "date.short": "dd.MM.yyyy", "date.medium": "dd.MM.yyyy",
                "datetime.short": "dd.MM.yyyy, HH:mm", "datetime.medium": "dd.MM.yyyy, HH:mm"}
babel = Babel(date_formats=DATE_FORMATS)
