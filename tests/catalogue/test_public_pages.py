"""The fair's public pages, as a buyer's phone reads them without an account: what they
show, what they never show, in Indonesian and English; their caching; the fair's end."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from pos.catalogue import service
from pos.extensions import db
from tests.catalogue.conftest import HIDDEN_PRODUCTS, PRIVATE, STOCK_FIGURE, local_today
from tests.pages import text

PAGES = [("", {}), ("/A1", {}), ("", {"q": "kain"}), ("", {"category": "jewellery"})]


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize(("page", "args"), PAGES)
def test_no_public_page_shows_anything_private_or_hidden(client, fair, lang, page, args):
    response = client.get(f"/e/{fair.slug}{page}", query_string={"lang": lang} | args)
    assert response.status_code == 200
    html = text(response)
    for kind, word in PRIVATE.items():
        assert word not in html, kind
    for kind, name in HIDDEN_PRODUCTS.items():
        assert name not in html, kind
    assert "Sanggar Nonaktif" not in html and "Sanggar Disembunyikan" not in html
    assert "Sanggar Acara Lain" not in html
    for figure in (str(STOCK_FIGURE), "7.919", "7,919"):
        assert figure not in html
    # Instagram is entered but hidden by the booth's choice.
    assert "sanggar.tampil" not in html
    assert not re.search(r"\bstock\b|\bstok\b", html, re.I)


def test_the_booth_page_shows_the_maker_and_each_product_with_words_for_stock(client, fair):
    html = text(client.get(f"/e/{fair.slug}/a1?lang=en"))  # booth codes in any case
    assert "<h1>Sanggar Tampil</h1>" in html
    assert "Gianyar · Sentra Perak Celuk" in html
    assert "Tiga generasi perajin perak di Celuk." in html
    assert 'id="booth-code">A1<' in html
    assert 'id="whatsapp"' in html and "https://wa.me/6281238001103?text=" in html
    assert 'id="instagram"' not in html
    for name in ("Kain Tenun Bunga", "Cincin Perak Granulasi", "Penari Legong"):
        assert f"<h3>{name}</h3>" in html
    assert "IDR\xa01,150,000" in html and "IDR\xa012,000,000" in html
    assert "I Ketut Budiana" in html and "Silver 925" in html and "Kuning, merah" in html

    def word_of(product_id: int) -> str:
        block = html.split(f'id="p{product_id}"', 1)[1].split("</li>", 1)[0]
        return re.search(r'class="pub-avail[^"]*">([^<]+)<', block).group(1)

    assert word_of(fair.ids["endek"]) == "Available"
    assert word_of(fair.ids["painting"]) == "Available"  # one of a kind, in stock
    assert word_of(fair.ids["few"]) == "Few left"
    assert word_of(fair.ids["sold"]) == "Sold"


def test_the_booth_page_in_indonesian(client, fair):
    html = text(client.get(f"/e/{fair.slug}/A1?lang=id"))
    assert '<html lang="id">' in html
    assert "Rp1.150.000" in html
    assert "Tersedia" in html and "Tinggal sedikit" in html and "Terjual" in html
    assert "Few left" not in html and "Available" not in html


def test_without_a_choice_the_phone_s_language_decides(client, fair):
    html = text(client.get(f"/e/{fair.slug}/A1", headers={"Accept-Language": "en-GB,en"}))
    assert '<html lang="en">' in html and "Few left" in html
    html = text(client.get(f"/e/{fair.slug}/A1", headers={"Accept-Language": "id-ID"}))
    assert '<html lang="id">' in html and "Tinggal sedikit" in html


def test_the_fair_page_lists_the_booths_by_category_and_region_with_dates_and_hours(client, fair):
    html = text(client.get(f"/e/{fair.slug}?lang=en"))
    assert "<h1>Gelar Karya Uji</h1>" in html
    assert "Taman Budaya, Denpasar" in html and "10.00–21.00 WITA" in html
    today = local_today()
    assert f"{today - timedelta(days=1):%b} {(today - timedelta(days=1)).day}," in html
    by_category = html.split('id="by-category"', 1)[1]
    for label in ("Painting", "Jewellery", "Endek cloth", "Craft"):
        assert f"<h3>{label}</h3>" in by_category
    # Under each of its categories, within its region.
    assert by_category.count("<h4>Gianyar</h4>") == 4
    assert by_category.count("/e/gelar-karya-uji/A1") == 4


def test_a_booth_that_is_not_listed_answers_404_with_a_kind_page(client, fair):
    for booth in ("B2", "C3", "Z9", "NOPE"):
        response = client.get(f"/e/{fair.slug}/{booth}?lang=en")
        assert response.status_code == 404, booth
        assert "This booth is not in the catalogue." in text(response)
    # The other event's booth is on its own event's page.
    assert client.get("/e/acara-lain/Z9").status_code == 200


def test_a_catalogue_that_is_off_or_unknown_answers_404(client, fair):
    fair.event.catalogue_public = False
    db.session.commit()
    for path in (f"/e/{fair.slug}", f"/e/{fair.slug}/A1", "/e/no-such-fair"):
        response = client.get(path + "?lang=en")
        assert response.status_code == 404, path
        assert "There is no public catalogue at this address." in text(response)
    api = client.get(f"/api/v1/public/events/{fair.slug}/products?q=kain")
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"


def test_pages_carry_open_graph_tags_with_absolute_links(app, client, fair):
    app.config["PUBLIC_URL"] = "https://pameran.example"
    product = db.session.get(service.Product, fair.ids["ring"])
    product.photo = "0123456789abcdef0123456789abcdef"
    db.session.commit()
    html = text(client.get(f"/e/{fair.slug}/A1?lang=en"))
    assert (
        '<meta property="og:title" content="Sanggar Tampil · Booth A1 · Gelar Karya Uji">' in html
    )
    assert (
        '<meta property="og:image" content="https://pameran.example/e/gelar-karya-uji/photos/'
        '0123456789abcdef0123456789abcdef-display.jpg">' in html
    )
    assert '<meta property="og:url" content="https://pameran.example/e/gelar-karya-uji/A1">' in html
    assert 'property="og:description" content="Tiga generasi perajin perak di Celuk."' in html


# --- caching --------------------------------------------------------------------------


def test_pages_answer_304_to_the_etag_they_gave_and_may_be_kept_briefly(client, fair):
    first = client.get(f"/e/{fair.slug}/A1?lang=en")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=10"
    assert "Accept-Language" in first.headers["Vary"]
    again = client.get(f"/e/{fair.slug}/A1?lang=en", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other_language = client.get(f"/e/{fair.slug}/A1?lang=id", headers={"If-None-Match": etag})
    assert other_language.status_code == 200
    api = client.get(f"/api/v1/public/events/{fair.slug}/products?q=kain")
    api_again = client.get(
        f"/api/v1/public/events/{fair.slug}/products?q=kain",
        headers={"If-None-Match": api.headers["ETag"]},
    )
    assert api_again.status_code == 304


def test_a_changed_booth_gets_a_new_etag(client, fair):
    etag = client.get(f"/e/{fair.slug}/A1?lang=en").headers["ETag"]
    service.update_profile(fair.booth.manager, fair.booth.exhibitor, {"story": "Baru."})
    db.session.commit()
    response = client.get(f"/e/{fair.slug}/A1?lang=en", headers={"If-None-Match": etag})
    assert response.status_code == 200 and "Baru." in text(response)


def test_a_process_keeps_a_page_for_a_few_seconds_and_forgets_it_when_a_control_changes_it(
    app, client, fair
):
    app.config["CATALOGUE_CACHE_SECONDS"] = 60
    service.forget_pages()
    assert "Bros Tinggal Dua" in text(client.get(f"/e/{fair.slug}/A1"))
    product = db.session.get(service.Product, fair.ids["few"])
    product.name = "Bros Baru"  # a change made outside the catalogue's controls
    db.session.commit()
    assert "Bros Tinggal Dua" in text(client.get(f"/e/{fair.slug}/A1"))  # kept
    service.set_published(fair.organizer, fair.booth.exhibitor, False)
    db.session.commit()
    assert client.get(f"/e/{fair.slug}/A1").status_code == 404  # at once


def test_a_signed_in_user_gets_the_same_public_page(client, fair):
    from tests import pages

    pages.sign_in(client, fair.booth.manager)
    response = client.get(f"/e/{fair.slug}/A1?lang=en")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=10"
    assert "csrf" not in text(response).lower()


# --- after the fair ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ends_on", "days_after", "today", "expected"),
    [
        (None, 90, date(2030, 1, 1), service.OPEN),
        (date(2026, 12, 5), 90, date(2026, 12, 5), service.OPEN),
        (date(2026, 12, 5), 90, date(2026, 12, 6), service.AFTER_FAIR),
        (date(2026, 12, 5), 90, date(2027, 3, 5), service.AFTER_FAIR),
        (date(2026, 12, 5), 90, date(2027, 3, 6), "closed"),
        (date(2026, 12, 5), 0, date(2026, 12, 6), "closed"),
    ],
)
def test_the_catalogue_stays_public_for_the_chosen_days_after_the_last_day(
    fair, ends_on, days_after, today, expected
):
    fair.event.starts_on, fair.event.ends_on = None, ends_on
    fair.event.catalogue_days_after = days_after
    if expected == "closed":
        with pytest.raises(service.CatalogueClosed):
            service.phase(fair.event, today)
    else:
        assert service.phase(fair.event, today) == expected


def test_after_the_fair_products_ask_the_maker_on_whatsapp(client, fair):
    today = local_today()
    fair.event.starts_on, fair.event.ends_on = today - timedelta(days=8), today - timedelta(days=3)
    db.session.commit()
    html = text(client.get(f"/e/{fair.slug}/A1?lang=en"))
    assert "The fair is over." in html
    assert "Few left" not in html and "Sold" not in html and "Available" not in html
    asks = re.findall(r'<a class="pub-ask" href="([^"]+)"[^>]*>Ask the maker</a>', html)
    assert len(asks) == 7  # every shown product of the booth
    assert asks[0].startswith("https://wa.me/6281238001103?text=")
    api = client.get(f"/api/v1/public/events/{fair.slug}/products?q=cincin").get_json()
    [ring] = api["items"]
    assert ring["after_fair"] is True
    assert ring["contact_url"].startswith("https://wa.me/6281238001103?text=")
    # Without a WhatsApp link, the words alone.
    service.update_profile(fair.booth.manager, fair.booth.exhibitor, {"show_whatsapp": False})
    db.session.commit()
    html = text(client.get(f"/e/{fair.slug}/A1?lang=en"))
    assert "wa.me" not in html and html.count('<span class="pub-avail">Ask the maker</span>') == 7


def test_past_the_days_after_the_pages_answer_410_kindly(client, fair):
    today = local_today()
    fair.event.starts_on, fair.event.ends_on = (
        today - timedelta(days=40),
        today - timedelta(days=31),
    )
    fair.event.catalogue_days_after = 30
    db.session.commit()
    for path in (f"/e/{fair.slug}", f"/e/{fair.slug}/A1"):
        response = client.get(path + "?lang=en")
        assert response.status_code == 410, path
        html = text(response)
        assert "The catalogue of Gelar Karya Uji has closed." in html
        assert "Sanggar Tampil" not in html
    id_page = text(client.get(f"/e/{fair.slug}?lang=id"))
    assert "Katalog ditutup" in id_page
    api = client.get(f"/api/v1/public/events/{fair.slug}/products?q=kain")
    assert api.status_code == 410 and api.get_json()["error"] == "catalogue_closed"


# --- photos ---------------------------------------------------------------------------


def _photo(app, key: str) -> None:
    from pos.inventory import photos

    with app.test_request_context():
        for size in ("thumb", "display"):
            path = photos.path_of(key, size)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"\xff\xd8\xff\xe0 a jpeg")


def test_only_photos_shown_in_the_catalogue_are_served_publicly(app, client, fair):
    shown, hidden = "a" * 32, "b" * 32
    _photo(app, shown)
    _photo(app, hidden)
    db.session.get(service.Product, fair.ids["ring"]).photo = shown
    db.session.get(service.Product, fair.ids["hidden_not_public"]).photo = hidden
    db.session.commit()
    response = client.get(f"/e/{fair.slug}/photos/{shown}-thumb.jpg")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.get_data() == b"\xff\xd8\xff\xe0 a jpeg"
    response.close()
    assert client.get(f"/e/{fair.slug}/photos/{hidden}-thumb.jpg").status_code == 404
    assert client.get(f"/e/acara-lain/photos/{shown}-thumb.jpg").status_code == 404
    assert client.get(f"/e/{fair.slug}/photos/../../x-thumb.jpg").status_code == 404
    # The app's own photo route still wants a session.
    assert client.get(f"/photos/{shown}-thumb.jpg").status_code == 302


def test_a_phone_that_accepts_gzip_gets_the_page_compressed_once_with_its_own_etag(client, fair):
    import gzip

    plain = client.get(f"/e/{fair.slug}?lang=en")
    packed = client.get(f"/e/{fair.slug}?lang=en", headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] == plain.headers["ETag"][:-1] + '-gzip"'
    assert "Accept-Encoding" in packed.headers["Vary"]
    again = client.get(
        f"/e/{fair.slug}?lang=en",
        headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]},
    )
    assert again.status_code == 304
