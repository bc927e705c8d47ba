"""Pameran POS: point of sale and booth sales for exhibitions and craft fairs."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, CLI."""
    from pos import assets, config, database_errors, errors, extensions, i18n, security
    from pos.cli import register_cli

    app = Flask(
        __name__, instance_relative_config=True, instance_path=config.instance_path(test_config)
    )
    config.load(app, test_config)
    extensions.register_extensions(app)
    i18n.register_i18n(app)
    security.register_security(app)
    assets.register_assets(app)
    errors.register_error_handlers(app)
    database_errors.register_retries(app)
    register_blueprints(app)
    extensions.limit_only_where_decorated(app)
    register_cli(app)
    return app


def register_blueprints(app: Flask) -> None:
    """Attach the HTML blueprints of every domain and the /api/v1 tree."""
    from pos import api
    from pos.auth import api as auth_api
    from pos.auth import views as auth_views
    from pos.catalogue import api as catalogue_api
    from pos.catalogue import views as catalogue_views
    from pos.catalogue.extras import views as catalogue_extras_views
    from pos.db import register_id_converter
    from pos.inventory import api as inventory_api
    from pos.inventory import views as inventory_views
    from pos.organizer import api as organizer_api
    from pos.organizer import views as organizer_views
    from pos.printing import api as printing_api
    from pos.printing import auto as printing_auto
    from pos.printing import views as printing_views
    from pos.receipts import api as receipts_api
    from pos.receipts import mail as receipts_mail
    from pos.receipts import views as receipts_views
    from pos.reports import api as reports_api
    from pos.reports import views as reports_views
    from pos.sales import api as sales_api
    from pos.sales import tablet
    from pos.sales import views as sales_views
    from pos.statements import api as statements_api
    from pos.statements import views as statements_views
    from pos.tls import views as tls_views

    register_id_converter(app)  # first: routes bind their converters when added
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(organizer_views.bp)
    app.register_blueprint(inventory_views.bp)
    app.register_blueprint(sales_views.bp)
    app.register_blueprint(tablet.bp)
    app.register_blueprint(receipts_views.bp)
    app.register_blueprint(reports_views.bp)
    app.register_blueprint(statements_views.bp)
    app.register_blueprint(tls_views.bp)
    app.register_blueprint(printing_views.bp)
    app.register_blueprint(catalogue_views.bp)
    app.register_blueprint(catalogue_extras_views.bp)
    app.register_blueprint(catalogue_views.manage)
    receipts_mail.register_mail(app)
    printing_auto.register_auto_print(app)
    api.register_api(
        app,
        [
            auth_api.bp,
            organizer_api.bp,
            inventory_api.bp,
            sales_api.bp,
            receipts_api.bp,
            reports_api.bp,
            printing_api.bp,
            statements_api.bp,
            catalogue_api.bp,
        ],
    )
