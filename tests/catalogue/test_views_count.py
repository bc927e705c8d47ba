"""Page views of the public catalogue: counted on the server per booth and per product and
event-local day, robots and prefetches left out, nothing about the visitor kept; written
in batches; shown to the organizer beside sales and to the booth's manager per product."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from pos.catalogue import service as catalogue_service
from pos.catalogue.extras import views_count
from pos.catalogue.extras.models import BoothViewCount, ProductViewCount
from pos.extensions import db
from tests import factories
from tests.pages import english, sign_in, text

PHONE = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
ROBOTS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "WhatsApp/2.24.24.78 A",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/131.0.0.0 Safari/537.36",
    "curl/8.11.0",
    "",
)
# 17:30 UTC on 1 December is 01:30 on 2 December in Bali (UTC+8).
LATE_EVENING_UTC = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
BALI_DAY = date(2026, 12, 2)


@pytest.fixture(autouse=True)
def fresh_public_pages(app):
    """Public pages rendered afresh: the catalogue keeps a rendered page a few seconds
    per process by event id, which would carry one over from another test's database."""
    app.config["CATALOGUE_CACHE_SECONDS"] = 0
    catalogue_service.forget_pages()
    yield
    catalogue_service.forget_pages()


@pytest.fixture
def fair(db, monkeypatch):
    monkeypatch.setattr(views_count, "utcnow", lambda: LATE_EVENING_UTC)
    event = factories.make_event(
        name="Pameran IKM Bali Bangkit", slug="ikm-bali-bangkit", catalogue_public=True
    )
    organizer = factories.make_user("organizer")
    organizer.event_id = event.id
    b12 = factories.Booth(event, "B12", name="Tenun Endek Sari")
    a3 = factories.Booth(event, "A3", name="Perak Celuk")
    english(organizer, b12.manager, b12.cashier, a3.manager)
    return {"event": event, "organizer": organizer, "b12": b12, "a3": a3}


def flush(app) -> None:
    views_count.counter(app).flush()


def booth_rows() -> list[tuple[str, date, int]]:
    from pos.organizer.models import Exhibitor

    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(Exhibitor.booth, BoothViewCount.day, BoothViewCount.views)
            .join(Exhibitor, Exhibitor.id == BoothViewCount.exhibitor_id)
            .order_by(Exhibitor.booth, BoothViewCount.day)
        )
    ]


def product_rows() -> list[tuple[int, date, int]]:
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(
                ProductViewCount.product_id, ProductViewCount.day, ProductViewCount.views
            ).order_by(ProductViewCount.product_id)
        )
    ]


def test_each_persons_view_of_a_booth_page_counts_once_on_the_event_local_day(app, client, fair):
    for agent in (PHONE, IPHONE, PHONE):
        assert (
            client.get("/e/ikm-bali-bangkit/B12", headers={"User-Agent": agent}).status_code == 200
        )
    client.get("/e/ikm-bali-bangkit/A3", headers={"User-Agent": PHONE})
    flush(app)
    assert booth_rows() == [("A3", BALI_DAY, 1), ("B12", BALI_DAY, 3)]
    # The next batch adds to the same day's row.
    client.get("/e/ikm-bali-bangkit/B12", headers={"User-Agent": PHONE})
    flush(app)
    assert booth_rows() == [("A3", BALI_DAY, 1), ("B12", BALI_DAY, 4)]


def test_a_phone_opening_the_page_again_with_its_etag_counts_too(app, client, fair):
    first = client.get("/e/ikm-bali-bangkit/B12", headers={"User-Agent": PHONE})
    again = client.get(
        "/e/ikm-bali-bangkit/B12",
        headers={"User-Agent": PHONE, "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304
    flush(app)
    assert booth_rows() == [("B12", BALI_DAY, 2)]


def test_robots_link_previews_prefetches_and_heads_are_not_counted(app, client, fair):
    for agent in ROBOTS:
        assert (
            client.get("/e/ikm-bali-bangkit/B12", headers={"User-Agent": agent}).status_code == 200
        )
    client.head("/e/ikm-bali-bangkit/B12", headers={"User-Agent": PHONE})
    client.get("/e/ikm-bali-bangkit/B12", headers={"User-Agent": PHONE, "Sec-Purpose": "prefetch"})
    client.get("/e/ikm-bali-bangkit/B12", headers={"User-Agent": PHONE})
    # A booth that is not there: its 404 is no view.
    assert client.get("/e/ikm-bali-bangkit/Z99", headers={"User-Agent": PHONE}).status_code == 404
    flush(app)
    assert booth_rows() == [("B12", BALI_DAY, 1)]


def test_nothing_about_the_visitor_is_kept(app, client, fair):
    client.get(
        "/e/ikm-bali-bangkit/B12",
        headers={"User-Agent": PHONE, "X-Forwarded-For": "203.0.113.9"},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    flush(app)
    columns = {c.name for c in BoothViewCount.__table__.columns} | {
        c.name for c in ProductViewCount.__table__.columns
    }
    assert columns == {"exhibitor_id", "event_id", "product_id", "day", "views"}
    answer = client.get("/e/ikm-bali-bangkit/B12", headers={"User-Agent": PHONE})
    assert "Set-Cookie" not in answer.headers


def test_a_piece_opened_from_a_search_result_counts_for_that_product(app, client, fair):
    b12, a3 = fair["b12"], fair["a3"]
    cloth = b12.product.id
    for product_id in (cloth, cloth, b12.painting.id):
        client.get(f"/e/ikm-bali-bangkit/B12?p={product_id}", headers={"User-Agent": PHONE})
    # Another booth's product, a product that does not exist, and nonsense: not counted,
    # and the rest of the batch is written all the same.
    for junk in (a3.product.id, 999_999, "abc", "-1", "9" * 40):
        client.get(f"/e/ikm-bali-bangkit/B12?p={junk}", headers={"User-Agent": PHONE})
    flush(app)
    assert product_rows() == sorted([(cloth, BALI_DAY, 2), (b12.painting.id, BALI_DAY, 1)])
    assert booth_rows() == [("B12", BALI_DAY, 8)]


def test_the_search_results_link_to_the_piece_so_opening_one_counts(app, client, fair):
    b12 = fair["b12"]
    page = text(client.get("/e/ikm-bali-bangkit?q=" + b12.product.name.split()[0]))
    links = re.findall(r'class="pub-hit" href="([^"]+)"', page)
    assert f"/e/ikm-bali-bangkit/B12?p={b12.product.id}#p{b12.product.id}" in links


def test_counts_the_database_refused_are_kept_for_the_next_batch(app, client, fair, monkeypatch):
    client.get("/e/ikm-bali-bangkit/B12", headers={"User-Agent": PHONE})
    counter = views_count.counter(app)

    def refuse(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("database or disk is full"))

    with app.app_context():
        original = views_count._upsert
        monkeypatch.setattr(views_count, "_upsert", refuse)
        with pytest.raises(sa.exc.OperationalError):
            counter.flush()
        monkeypatch.setattr(views_count, "_upsert", original)
    assert booth_rows() == []
    client.get("/e/ikm-bali-bangkit/B12", headers={"User-Agent": PHONE})
    flush(app)
    assert booth_rows() == [("B12", BALI_DAY, 2)]


def test_the_counters_thread_writes_the_views_without_anyone_reading_them(app, client, fair):
    app.config["CATALOGUE_VIEWS_FLUSH_SECONDS"] = 0.05
    app.extensions.pop("catalogue_views", None)
    client.get("/e/ikm-bali-bangkit/B12", headers={"User-Agent": PHONE})
    # Waits for the thread (not a measure of speed: any time under the limit passes).
    deadline = time.monotonic() + 20
    while not booth_rows() and time.monotonic() < deadline:
        db.session.rollback()
        time.sleep(0.05)
    assert booth_rows() == [("B12", BALI_DAY, 1)]
    counter = app.extensions["catalogue_views"]
    counter.pid = -1  # the thread ends at its next turn, as in a process that forked


def test_the_organizer_sees_each_booths_views_beside_its_sales(app, client, fair):
    b12 = fair["b12"]
    factories.sell(client, b12, 2)  # IDR 200,000
    for _ in range(3):
        client.get("/e/ikm-bali-bangkit/B12", headers={"User-Agent": PHONE})
    client.get("/e/ikm-bali-bangkit/A3", headers={"User-Agent": PHONE})
    sign_in(client, fair["organizer"])
    html = text(client.get("/dashboard"))  # writes this process's waiting views first
    section = html[html.index('id="page-views"') :]
    rows = re.findall(
        r"<tr>\s*<td><strong>([^<]+)</strong></td><td>([^<]+)</td>\s*"
        r'<td class="num">([^<]+)</td><td class="num">([^<]+)</td>\s*<td class="num">([^<]+)</td>',
        section,
    )
    assert rows == [
        ("B12", "Tenun Endek Sari", "3", "3", "IDR\xa0200,000"),
        ("A3", "Perak Celuk", "1", "1", "IDR\xa00"),
    ]


def test_the_booths_manager_sees_which_pieces_draw_interest(app, client, fair):
    b12 = fair["b12"]
    for product_id in (b12.painting.id, b12.painting.id, b12.product.id):
        client.get(f"/e/ikm-bali-bangkit/B12?p={product_id}", headers={"User-Agent": PHONE})
    sign_in(client, b12.manager)
    html = text(client.get("/page-views"))
    assert re.search(r'id="booth-total">3<', html)
    table = html[html.index('id="product-views"') :]
    rows = re.findall(r"<tr>\s*<td>([^<]+) <small", table)
    assert [name.strip() for name in rows] == [b12.painting.name, b12.product.name]
    assert re.findall(r"<strong>(\d+)</strong></td>\s*</tr>", table) == ["2", "1"]


def test_page_views_are_the_booths_manager_and_organizers_only(client, fair):
    b12, a3 = fair["b12"], fair["a3"]
    expected = {
        b12.manager: 200,
        fair["organizer"]: 200,
        b12.cashier: 403,
        a3.manager: 403,
    }
    for user, status in expected.items():
        sign_in(client, user)
        answer = client.get(f"/page-views?exhibitor_id={b12.exhibitor.id}")
        assert answer.status_code == status, user.username
        client.post("/logout")
