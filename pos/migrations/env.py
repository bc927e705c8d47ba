"""Alembic environment: migrations run on the app's own engine and metadata."""

from alembic import context
from flask import current_app

from pos.db import UTCDateTime, in_models, load_models

metadata = load_models()


def render_item(type_, obj, autogen_context):
    """Write our UTC timestamp type as the plain column type it stores, so migrations
    never import application code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=current_app.extensions["migrate"].db.engine.url,
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=in_models,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = current_app.extensions["migrate"].db.engine
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=True,
            compare_type=True,
            render_item=render_item,
            include_name=in_models,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
