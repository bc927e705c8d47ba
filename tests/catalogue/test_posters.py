"""QR posters: a booth's A4 poster (its name, booth code, a QR code of its public page,
the call to scan in Indonesian and English), the fair's entrance poster, and every
booth's poster in one document; read back as a person and a phone would (pdftotext,
and zbar on the printed page)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pytest

from pos.catalogue.extras.posters import BoothPoster, render_booth_posters
from tests import factories
from tests.pages import english, sign_in
from tests.pdftext import pages, pdf_text, qr_codes

BASE = "http://pameran.local:8000"


def qr_of_page(data: bytes, page: int) -> list[str]:
    """What the QR codes on page ``page`` (from 1) say, printed at 150 dpi and read by zbar."""
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.fail("needs poppler-utils and zbar-tools (apt-get install poppler-utils zbar-tools)")
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "posters.pdf"
        pdf.write_bytes(data)
        command = ["pdftoppm", "-r", "150", "-png", "-f", str(page), "-l", str(page), str(pdf)]
        subprocess.run([*command, str(Path(folder) / "page")], check=True)
        (image,) = Path(folder).glob("page*.png")
        done = subprocess.run(["zbarimg", "-q", "--raw", str(image)], capture_output=True)
    return done.stdout.decode().split()


@pytest.fixture
def fair(app, db):
    app.config["PUBLIC_URL"] = BASE
    event = factories.make_event(
        name="Pameran IKM Bali Bangkit",
        slug="ikm-bali-bangkit",
        catalogue_public=True,
        venue="Taman Budaya Denpasar",
        starts_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 5),
    )
    organizer = factories.make_user("organizer")
    organizer.event_id = event.id
    b12 = factories.Booth(event, "B12", name="Tenun Endek Sari", region="Gianyar")
    a3 = factories.Booth(event, "A3", name="Perak Celuk", region="Gianyar")
    other = factories.Booth(factories.make_event(name="Another fair"), "C1")
    english(organizer, b12.manager, b12.cashier, other.manager)
    return {"event": event, "organizer": organizer, "b12": b12, "a3": a3, "other": other}


def test_a_booth_poster_says_who_and_where_and_its_qr_code_opens_the_booths_page(client, fair):
    sign_in(client, fair["b12"].manager)
    answer = client.get(f"/exhibitors/{fair['b12'].exhibitor.id}/poster.pdf")
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    lines = [" ".join(line.split()) for line in pdf_text(answer.data).splitlines()]
    assert [line for line in lines if line] == [
        "Pameran IKM Bali Bangkit",
        "B12",
        "Tenun Endek Sari",
        "Gianyar",
        "Pindai untuk melihat produk kami",
        "Scan to see our products",
        f"{BASE}/e/ikm-bali-bangkit/B12",
    ]
    assert qr_codes(answer.data) == [f"{BASE}/e/ikm-bali-bangkit/B12"]


def test_the_entrance_poster_has_the_fairs_name_dates_and_a_qr_code_of_its_catalogue(client, fair):
    sign_in(client, fair["organizer"])
    answer = client.get(f"/events/{fair['event'].id}/entrance-poster.pdf")
    assert answer.status_code == 200
    lines = [" ".join(line.split()) for line in pdf_text(answer.data).splitlines()]
    assert [line for line in lines if line] == [
        "Pameran IKM Bali",  # the name in large type, over two lines
        "Bangkit",
        "1–5 Des 2026 · Dec 1 – 5, 2026",
        "Taman Budaya Denpasar",
        "Pindai untuk melihat peserta dan",
        "produk pameran",
        "Scan to see the fair's exhibitors and products",
        f"{BASE}/e/ikm-bali-bangkit",
    ]
    assert qr_codes(answer.data) == [f"{BASE}/e/ikm-bali-bangkit"]


def test_all_booth_posters_come_as_one_document_a_page_per_booth_in_booth_order(client, fair):
    sign_in(client, fair["organizer"])
    answer = client.get(f"/events/{fair['event'].id}/posters.pdf")
    assert answer.status_code == 200
    texts = pages(answer.data)
    assert len(texts) == 2
    assert ["A3" in texts[0], "B12" in texts[1]] == [True, True]
    assert "Perak Celuk" in texts[0] and "Tenun Endek Sari" in texts[1]
    assert qr_of_page(answer.data, 1) == [f"{BASE}/e/ikm-bali-bangkit/A3"]
    assert qr_of_page(answer.data, 2) == [f"{BASE}/e/ikm-bali-bangkit/B12"]


def test_posters_are_for_the_organizer_and_the_booths_manager_only(client, fair):
    b12 = fair["b12"].exhibitor.id
    event = fair["event"].id
    expected = {
        # (booth B12's poster, the entrance poster, all posters)
        fair["organizer"]: (200, 200, 200),
        fair["b12"].manager: (200, 403, 403),
        fair["b12"].cashier: (403, 403, 403),
        fair["other"].manager: (403, 403, 403),
    }
    for user, statuses in expected.items():
        sign_in(client, user)
        answers = (
            client.get(f"/exhibitors/{b12}/poster.pdf").status_code,
            client.get(f"/events/{event}/entrance-poster.pdf").status_code,
            client.get(f"/events/{event}/posters.pdf").status_code,
        )
        assert answers == statuses, user.username
        client.post("/logout")


def test_a_long_name_and_booth_code_still_fit_the_page_with_a_readable_qr_code():
    poster = BoothPoster(
        event_name="Pameran Industri Kecil dan Menengah Provinsi Bali Bangkit 2026",
        name="Kerajinan Perak dan Emas Tradisional Bali Sanggar Seni Ukir Celuk Gianyar",
        booth="HALL-B-123",
        url=f"{BASE}/e/ikm-bali-bangkit/HALL-B-123",
        scan_id="Pindai untuk melihat produk kami",
        scan_en="Scan to see our products",
    )
    data = render_booth_posters([poster])
    assert len(pages(data)) == 1
    assert qr_codes(data) == [f"{BASE}/e/ikm-bali-bangkit/HALL-B-123"]
    assert "HALL-B-123" in pdf_text(data)
