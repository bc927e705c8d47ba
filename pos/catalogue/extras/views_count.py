"""Page views of the public catalogue, counted on the server: per booth and per product
and event-local day, with no personal data (no address, no cookie, no identifier: a
view is one added to a counter) and no third party.

A page view costs the page an addition in memory: each server process keeps its counts
(``ViewCounter``, one per app) and writes them every ``CATALOGUE_VIEWS_FLUSH_SECONDS``
(10 s by default) from a thread of its own, in one short transaction of upserts
(``INSERT ... ON CONFLICT DO UPDATE SET views = views + excluded.views``, on SQLite and
PostgreSQL alike). A thousand phones opening pages cost the database one write every ten
seconds per process, not a write (and an fsync, on SQLite) per page. The pages that
show the counts write this process's waiting counts first, so a reader sees at least
their own process's views at once and every other process's within the interval. What
is lost when a process is killed is at most its last interval's views; a process that
stops normally writes them before it exits.

What counts: a GET of a booth's page (or a product's) answered with the page or with
304 Not Modified (a phone opening the page again is a view, even when its browser kept
the page); not a HEAD, not a prefetch, and not a robot: an empty User-Agent, or one that
the crawler-user-agents list (robots, link-preview fetchers such as WhatsApp's and
Facebook's, headless browsers, HTTP libraries) matches. A page a browser shows from its
own cache without asking (within a max-age) never reaches the server and is not counted.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import threading
import time
from collections import Counter
from datetime import date, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from crawleruseragents import is_crawler
from flask import Flask, current_app, has_request_context, request
from sqlalchemy.dialects import postgresql, sqlite

from pos.auth.permissions import Action, require, require_organizer
from pos.catalogue.extras.models import BoothViewCount, ProductViewCount
from pos.db import MAX_ID, end_read, utcnow, write_intent
from pos.extensions import db
from pos.inventory.models import Product
from pos.organizer.models import Event, Exhibitor
from pos.sales.numbers import local_day

log = logging.getLogger(__name__)

DEFAULT_FLUSH_SECONDS = 10
# Counts kept in memory at most while the database refuses them (a full disk): past
# this many rows, the newest views are dropped rather than the process's memory.
MAX_PENDING_ROWS = 100_000


@functools.lru_cache(maxsize=4096)
def is_robot(user_agent: str) -> bool:
    """Whether a User-Agent is a robot's (or none): the crawler-user-agents patterns,
    about 0.2 ms a check, so each distinct User-Agent is checked once."""
    return not user_agent.strip() or is_crawler(user_agent)


def counts_as_view() -> bool:
    """Whether the current request is a person's page view (see the module's docstring).
    Read from the WSGI environ: this runs for every booth page a phone opens."""
    environ = request.environ
    if environ.get("REQUEST_METHOD") != "GET":
        return False
    purpose = environ.get("HTTP_SEC_PURPOSE") or environ.get("HTTP_PURPOSE") or ""
    if "prefetch" in purpose.lower():
        return False
    return not is_robot(environ.get("HTTP_USER_AGENT", "")[:512])


Moment = datetime  # a quarter of an hour, UTC: every timezone's offset is a multiple of it
ViewKey = tuple[str, str, int, Moment]  # (event slug, booth code, product id or 0, when)


def quarter_hour(moment: datetime) -> datetime:
    """The quarter of an hour ``moment`` falls in: enough to find its event-local day
    later, in any timezone (every offset in use is a whole number of quarter hours)."""
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


class ViewCounter:
    """One process's waiting counts, and the thread that writes them.

    The counts are kept by what the page's address names (the event's slug, the booth's
    code), so that counting needs no query: a page the catalogue kept costs none either.
    They become ids and event-local days when written."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.interval = float(app.config.get("CATALOGUE_VIEWS_FLUSH_SECONDS", 10))
        self.lock = threading.Lock()
        self.views: Counter[ViewKey] = Counter()
        self.pid = os.getpid()
        self.thread: threading.Thread | None = None

    def add(self, slug: str, booth: str, moment: datetime, product_ids=()) -> None:
        when = quarter_hour(moment)
        with self.lock:
            if self.pid != os.getpid():  # a forked copy: the counts are the parent's
                self.views.clear()
                self.pid, self.thread = os.getpid(), None
            self.views[(slug, booth, 0, when)] += 1
            for product_id in product_ids:
                self.views[(slug, booth, product_id, when)] += 1
            if self.thread is None and self.interval > 0:
                self.thread = threading.Thread(
                    target=self._run, name="catalogue-view-counter", daemon=True
                )
                self.thread.start()
                atexit.register(self._flush_in_context)

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            if self.pid != os.getpid():
                return
            self._flush_in_context()

    def _flush_in_context(self) -> None:
        try:
            with self.app.app_context():
                self.flush()
        except Exception:  # never let the counter's thread die, nor a process's exit fail
            log.exception("page views could not be written; kept for the next try")

    def flush(self) -> int:
        """Write the waiting counts in one transaction on a connection of its own; on a
        failure they are kept for the next try. Returns how many rows were written."""
        with self.lock:
            views, self.views = self.views, Counter()
        if not views:
            return 0
        try:
            with write_intent(), db.engine.begin() as connection:
                booths, products = _by_ids(connection, views)
                dialect = connection.dialect.name
                if booths:
                    connection.execute(
                        _upsert(dialect, "booth"),
                        [
                            {"event_id": e, "exhibitor_id": x, "day": d, "views": n}
                            for (e, x, d), n in sorted(booths.items())
                        ],
                    )
                if products:
                    connection.execute(
                        _upsert(dialect, "product"),
                        [
                            {"exhibitor_id": x, "product_id": p, "day": d, "views": n}
                            for (x, p, d), n in sorted(products.items())
                        ],
                    )
        except Exception:
            with self.lock:
                if len(self.views) < MAX_PENDING_ROWS:
                    self.views.update(views)
            raise
        return len(booths) + len(products)


def _by_ids(connection: sa.Connection, views: Counter) -> tuple[Counter, Counter]:
    """The counts by (event, exhibitor, event-local day) and (exhibitor, product, day),
    in three queries for the whole batch. A slug or booth that names nothing (any more),
    and a ``?p=`` that is not the booth's own product, are dropped: one bad row must not
    lose the batch."""
    slugs = sorted({slug for slug, *_rest in views})
    events = {
        slug: (event_id, timezone)
        for event_id, slug, timezone in connection.execute(
            sa.select(Event.id, Event.slug, Event.timezone).where(Event.slug.in_(slugs))
        )
    }
    codes = sorted({booth for _slug, booth, *_rest in views})
    exhibitors = {
        (event_id, booth): exhibitor_id
        for exhibitor_id, event_id, booth in connection.execute(
            sa.select(Exhibitor.id, Exhibitor.event_id, Exhibitor.booth).where(
                Exhibitor.event_id.in_(sorted(e for e, _tz in events.values())),
                Exhibitor.booth.in_(codes),
            )
        )
    }
    asked = sorted({product_id for _s, _b, product_id, _w in views if product_id})
    real = (
        set(
            connection.execute(
                sa.select(Product.exhibitor_id, Product.id).where(Product.id.in_(asked))
            ).all()
        )
        if asked
        else set()
    )
    booths: Counter = Counter()
    products: Counter = Counter()
    for (slug, booth, product_id, when), n in views.items():
        if slug not in events:
            continue
        event_id, timezone = events[slug]
        exhibitor_id = exhibitors.get((event_id, booth))
        if exhibitor_id is None:
            continue
        day = local_day(when, timezone)
        if not product_id:
            booths[(event_id, exhibitor_id, day)] += n
        elif (exhibitor_id, product_id) in real:
            products[(exhibitor_id, product_id, day)] += n
    return booths, products


@cache
def _upsert(dialect: str, kind: str) -> sa.Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    model = BoothViewCount if kind == "booth" else ProductViewCount
    keys = ["exhibitor_id", "day"] if kind == "booth" else ["product_id", "day"]
    statement = insert(model)
    return statement.on_conflict_do_update(
        index_elements=keys, set_={"views": model.views + statement.excluded.views}
    )


def counter(app: Flask | None = None) -> ViewCounter:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("catalogue_views")
    if found is None:
        found = app.extensions["catalogue_views"] = ViewCounter(app)
    return found


def asked_products() -> tuple[int, ...]:
    """The piece a visitor came to a booth's page for: ``?p=<product id>`` on the links
    of the fair's search results (checked against the booth when the counts are written)."""
    text = request.args.get("p", "")
    if not text or not text.isascii() or not text.isdigit() or len(text) > 10:
        return ()
    product_id = int(text)
    return (product_id,) if 1 <= product_id <= MAX_ID else ()


def note_booth_view(slug: str, booth: str, product_ids=()) -> bool:
    """Count the current request as a view of booth ``booth``'s page at the event of
    ``slug`` (and of the products it was opened for), if it is a person's
    (``counts_as_view``). Called once the page was answered (200 or 304): an address
    that names no public booth was refused before. Costs an addition in memory and no
    query; True when counted."""
    if has_request_context() and not counts_as_view():
        return False
    counter().add(slug, booth.strip().upper(), utcnow(), product_ids)
    return True


def write_waiting() -> None:
    """Write this process's waiting counts before a page reads them, and start the
    request's reads afresh so they see them (call before reading the counts)."""
    found = current_app.extensions.get("catalogue_views")
    if found is None:
        return
    try:
        found.flush()
    except Exception:  # the page still shows what is stored
        log.exception("page views could not be written before reading them")
    end_read(db.session)


# --- reading them -------------------------------------------------------------------------


def booth_views(actor, event: Event, day: date | None = None) -> dict[int, dict[str, int]]:
    """Each booth's page views at ``event``: on ``day`` (default: the event's today) and
    over the whole event, by exhibitor id. Only the event's organizers."""
    require_organizer(actor, event)
    day = day or local_day(utcnow(), event.timezone)
    rows = db.session.execute(
        sa.select(
            BoothViewCount.exhibitor_id,
            sa.func.sum(sa.case((BoothViewCount.day == day, BoothViewCount.views), else_=0)),
            sa.func.sum(BoothViewCount.views),
        )
        .where(BoothViewCount.event_id == event.id)
        .group_by(BoothViewCount.exhibitor_id)
    )
    return {x: {"today": int(t or 0), "total": int(n or 0)} for x, t, n in rows}


def product_views(actor, exhibitor: Exhibitor) -> dict[str, Any]:
    """Which of a booth's products draw interest: each product's views per event-local
    day, today and in all, the most viewed first (products never viewed last, by name);
    and the booth page's own views. The booth's manager, or an organizer of its event."""
    require(actor, Action.REPORT, exhibitor)
    today = local_day(utcnow(), exhibitor.event.timezone)
    per_day: dict[int, dict[date, int]] = {}
    days: set[date] = set()
    for product_id, day, views in db.session.execute(
        sa.select(ProductViewCount.product_id, ProductViewCount.day, ProductViewCount.views).where(
            ProductViewCount.exhibitor_id == exhibitor.id
        )
    ):
        per_day.setdefault(product_id, {})[day] = int(views)
        days.add(day)
    booth_days = {
        day: int(views)
        for day, views in db.session.execute(
            sa.select(BoothViewCount.day, BoothViewCount.views).where(
                BoothViewCount.exhibitor_id == exhibitor.id
            )
        )
    }
    days.update(booth_days)
    products = db.session.execute(
        sa.select(Product.id, Product.sku, Product.name).where(Product.exhibitor_id == exhibitor.id)
    ).all()
    rows = [
        {
            "product_id": pid,
            "sku": sku,
            "name": name,
            "days": per_day.get(pid, {}),
            "today": per_day.get(pid, {}).get(today, 0),
            "total": sum(per_day.get(pid, {}).values()),
        }
        for pid, sku, name in products
    ]
    rows.sort(key=lambda r: (-r["total"], r["name"].lower(), r["sku"]))
    return {
        "today": today,
        "days": sorted(days),
        "products": rows,
        "booth": {
            "days": booth_days,
            "today": booth_days.get(today, 0),
            "total": sum(booth_days.values()),
        },
    }


def dashboard_rows(actor, event: Event) -> list[dict[str, Any]]:
    """The organizer's dashboard: each booth's page views (today, whole event) beside its
    transaction value over the whole event, the most viewed first."""
    from pos.reports.queries import Scope, rollup_by_exhibitor

    views = booth_views(actor, event)
    rows = [
        {**row, "views_today": views.get(row["exhibitor_id"], {}).get("today", 0),
         "views_total": views.get(row["exhibitor_id"], {}).get("total", 0)}
        for row in rollup_by_exhibitor(Scope(event_id=event.id))
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (-r["views_total"], -r["net"], r["booth"]))
