"""The unbound extensions, bound to the app in create_app."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from pos.db import Model

db = SQLAlchemy(model_class=Model)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
compress = Compress()
# Only the sign-in forms are limited (pos/auth/throttle.py); nothing else by default.
limiter = Limiter(key_func=get_remote_address)


def register_extensions(app: Flask) -> None:
    from pos import db as pos_db

    pos_db.load_models()
    pos_db.configure_engine_options(app)
    db.init_app(app)
    pos_db.register_engine_events(app)
    migrate.init_app(app, db, directory=str(pos_db.MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Flask-Login's own protection hashes the client-supplied X-Forwarded-For header;
    # sessions are checked on the server instead (pos/auth/service.py: session_user).
    login_manager.session_protection = None
    limiter.init_app(app)
    compress.init_app(app)


def limit_only_where_decorated(app: Flask) -> None:
    """Drop Flask-Limiter's check before every request when nothing is limited app-wide.

    The limited views (sign-in, PIN) check their limits in their own decorators; with no
    default, application or blueprint limits the check before each request evaluates
    nothing, yet costs every request (the sale's hot path) its work to find that out.
    Called once every blueprint is registered (a blueprint's limits keep the check).
    """
    manager = limiter.limit_manager
    if manager.default_limits or manager.application_limits or manager._blueprint_limits:
        return
    funcs = app.before_request_funcs.get(None, [])
    app.before_request_funcs[None] = [f for f in funcs if f != limiter._check_request_limit]
