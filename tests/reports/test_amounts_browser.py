"""Large amounts in a real browser (Chromium, driven by Playwright, against `pos serve`):
on the dashboard, the daily summary and the booth's day, every stat card's figure stays
on one line inside its card on a laptop (1280 × 800), a portrait tablet (800 × 1280) and
a phone (390 × 844); and the dashboard's buyer origins add up to the day's net.

The fair of tests/reports/scenario.py, plus a painting of Rp149.043.630 sold at C07
today to a foreign buyer: the event's today comes to Rp154.747.500."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import PHONE, TABLET, PageProblems, sign_in, sign_out
from tests.factories import PASSWORD
from tests.servers import served

pytestmark = pytest.mark.browser

PORTRAIT = {"viewport": {"width": 800, "height": 1280}, "has_touch": True}
VIEWPORTS = {"laptop": TABLET, "portrait": PORTRAIT, "phone": PHONE}

# Each amount's text (stat cards, totals, split lists, the leaderboard), its lines
# (distinct tops of its text's boxes), and whether the text lies inside its card's
# padding box.
AMOUNTS = ".stat strong, .facts.totals dd, .split-amount, .leaderboard strong"
FIGURES = """(selector) => [...document.querySelectorAll(selector)].map((el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
  const text = range.getBoundingClientRect();
  const card = el.closest('.card');
  const box = card.getBoundingClientRect();
  const style = getComputedStyle(card);
  const inside = text.left >= box.left + parseFloat(style.paddingLeft) - 0.5
    && text.right <= box.right - parseFloat(style.paddingRight) + 0.5;
  return {text: el.textContent.trim(), lines: tops.size, inside};
})"""


@pytest.fixture(scope="module")
def fair(tmp_path_factory) -> Iterator[tuple[str, dict]]:
    """`pos serve` on a database holding the fair; its base URL and who signs in."""
    from pos import create_app
    from pos.extensions import db
    from pos.sales import service as sales_service
    from pos.sales.schemas import SaleIn
    from tests import factories
    from tests.conftest import TEST_PASSWORD_METHOD, base_config
    from tests.reports import scenario

    root = tmp_path_factory.mktemp("amounts")
    with served(root, seed=False) as (base, _log):
        config = base_config(root / "instance", "sqlite:///" + str(root / "pos.sqlite3"))
        app = create_app(config | {"PASSWORD_METHOD": TEST_PASSWORD_METHOD})
        with app.app_context():
            built = scenario.build()
            painting = factories.make_product(
                built.c07.exhibitor, built.c07.manager, sku="ART-BIG", name="Pura di senja",
                price=149_043_630, stock=1, category="painting", one_of_a_kind=True,
            )  # fmt: skip
            order = SaleIn.model_validate_json(
                json.dumps(
                    {
                        "exhibitor_id": built.c07.exhibitor.id,
                        "items": [{"product_id": painting.id, "quantity": 1}],
                        "payments": [{"method": "transfer", "amount": 149_043_630}],
                        "buyer": {"name": "Emma", "origin": "foreign"},
                    }
                )
            )
            sales_service.record_sale(built.c07.manager, order, idempotency_key=str(uuid.uuid4()))
            db.session.commit()
            users = {
                "id": (built.organizer.username, built.c07.manager.username),
                "en": (
                    factories.make_user("organizer", locale="en").username,
                    factories.make_user("manager", built.c07.exhibitor, locale="en").username,
                ),
            }
            db.session.remove()
            db.engine.dispose()
        yield base, users


def _check(page, where: str, shots: Path) -> list[dict]:
    figures = page.evaluate(FIGURES, AMOUNTS)
    page.screenshot(path=str(shots / f"{where}.png"), full_page=True)
    assert figures, where
    for figure in figures:
        assert figure["lines"] == 1, (where, figure)
        assert figure["inside"], (where, figure)
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], (where, "sideways scrolling", widths)
    return figures


EXPECTED = {
    "id": {
        "dashboard": {"Rp154.747.500", "Rp155.197.500"},
        "origins": [
            "Domestik Rp783.870",
            "Mancanegara Rp153.843.630",
            "Tidak ditanyakan Rp120.000",
        ],
        "daily": "Rp153.843.630",
    },
    "en": {
        "dashboard": {"IDR\u00a0154,747,500", "IDR\u00a0155,197,500"},
        "origins": ["Domestic IDR 783,870", "Foreign IDR 153,843,630", "Not asked IDR 120,000"],
        "daily": "IDR\u00a0153,843,630",
    },
}


@pytest.mark.parametrize(
    ("device", "lang"), [("laptop", "id"), ("portrait", "en"), ("phone", "id"), ("phone", "en")]
)
def test_large_amounts_stay_whole_in_their_cards(browser, fair, device, lang, tmp_path):
    base, users = fair
    organizer, manager = users[lang]
    expected = EXPECTED[lang]
    password = PASSWORD
    context = browser.new_context(**VIEWPORTS[device])
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        problems = PageProblems(page)

        sign_in(page, base, organizer, password)
        page.wait_for_url("**/dashboard")
        page.wait_for_function(
            "prefix => document.getElementById('today-net').textContent.startsWith(prefix)",
            arg="Rp" if lang == "id" else "IDR",
        )
        shown = {f["text"] for f in _check(page, f"{device}-{lang}-dashboard", tmp_path)}
        assert expected["dashboard"] <= shown
        origins = page.locator("#by-origin li").all_inner_texts()
        # Domestic + foreign + not asked = the day's net, Rp154.747.500.
        assert [" ".join(o.split()) for o in origins] == expected["origins"]
        sign_out(page)

        sign_in(page, base, manager, password)
        page.wait_for_url("**/day")
        _check(page, f"{device}-{lang}-day", tmp_path)
        page.goto(base + "/reports/daily")
        shown = {f["text"] for f in _check(page, f"{device}-{lang}-daily", tmp_path)}
        assert expected["daily"] in shown  # C07's net today
        assert problems.seen == []
    finally:
        context.close()
