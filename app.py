"""Application factory: ``create_app(config=None)``.

``gunicorn app:app`` and ``flask --app app …`` use the module attribute ``app``,
built on first access (PEP 562 ``__getattr__``) so that importing ``create_app`` in
tests starts no server of its own.
"""
import logging

from flask import Flask
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

import i18n
from config import Config, ConfigError, exit_on_config_error
from database import resolve_database_url
from extensions import babel, csrf, db, login_manager, migrate
from request_input import AsciiIntegerConverter, InputRequest

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],  # inline styles only; scripts need a nonce
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def create_app(config=None):
    """Build the app. ``config`` is a Config instance, or a dict of overrides to Config."""
    if config is None or isinstance(config, dict):
        overrides, config = config or {}, Config()
    else:
        overrides = {}
    config.check()
    app = Flask(__name__, instance_relative_config=True)
    app.request_class = InputRequest  # NUL, control characters, nameless parts: see request_input
    app.url_map.converters["int"] = AsciiIntegerConverter  # before any route: ids in ASCII digits
    app.config.from_object(config)
    app.config.update(overrides)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.config["SQLALCHEMY_DATABASE_URI"] = resolve_database_url(app.config, app.instance_path)

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    from admin import init_admin

    init_admin(app)
    return app


def _init_extensions(app):
    import models  # noqa: F401  (registers every table with the metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory="migrations", compare_type=True, render_as_batch=False)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories="translations")
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    app.context_processor(i18n.template_globals)
    for name, template_filter in i18n.TEMPLATE_FILTERS.items():
        app.add_template_filter(template_filter, name)
    app.after_request(i18n.remember_language)
    production = app.config["APP_ENV"] == "production"
    # One Talisman per app: it keeps its settings on itself, so a shared object would let
    # the last app built (a production app in a test, say) change the others' HTTPS rules.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=production,
        strict_transport_security=production,
        session_cookie_secure=production,
        content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        # Our own pages get the Referer, other sites never: Flask-WTF's strict check of
        # HTTPS form posts needs it (a same-origin Referer), and no address leaves the site.
        referrer_policy="same-origin",
    )
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _register_blueprints(app):
    from api import init_api
    from auth import bp as auth_bp
    from errors import register_error_handlers
    from public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    init_api(app)
    register_error_handlers(app)


def _register_cli(app):
    from cli import register_commands

    register_commands(app)


_app = None


def __getattr__(name):
    global _app
    if name == "app":
        if _app is None:
            try:
                _app = create_app()
            except ConfigError as error:
                exit_on_config_error(error)
        return _app
    raise AttributeError(name)
