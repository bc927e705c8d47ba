"""Bahasa Indonesia and English: every template string goes through the translation layer,
and money and dates are formatted for the reader's locale."""

import re
from pathlib import Path

from pos.i18n import local_datetime, money
from tests import factories

TEMPLATES = Path(__file__).parents[1] / "pos" / "templates"

# Words that are the same in both languages: names, abbreviations and codes.
UNTRANSLATED = {"Pameran", "POS", "PKP", "PPN", "NPWP", "SKU", "ID", "EN"}


def visible_text(template: str) -> list[str]:
    """Words a user would read that are written literally in the template."""
    text = re.sub(r"\{#.*?#\}", " ", template, flags=re.S)
    text = re.sub(r"\{%.*?%\}", " ", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}", " ", text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in UNTRANSLATED]


def test_no_template_text_bypasses_the_translation_layer():
    offenders = {}
    for path in TEMPLATES.rglob("*.html"):
        words = visible_text(path.read_text())
        if words:
            offenders[str(path.relative_to(TEMPLATES))] = words
    assert offenders == {}


def test_attributes_users_read_are_translated_too():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        for attr, value in re.findall(
            r'\b(placeholder|title|aria-label|alt)="([^"{]+)"', path.read_text()
        ):
            if re.search(r"[A-Za-z]{2,}", value):
                offenders.append((path.name, attr, value))
    assert offenders == []


def test_the_sign_in_page_speaks_the_browsers_language(client):
    indonesian = client.get("/login", headers={"Accept-Language": "id-ID,id;q=0.9"})
    english = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="id">' in indonesian.get_data(as_text=True)
    assert "Masuk" in indonesian.get_data(as_text=True)
    assert "Sign in" in english.get_data(as_text=True)
    assert "Kata sandi" in indonesian.get_data(as_text=True)


def test_each_user_reads_the_app_in_the_language_they_chose(client, db):
    user = factories.make_user("organizer", locale="en")
    client.post("/login", data={"username": user.username, "password": factories.PASSWORD})
    page = client.get("/exhibitors", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert "Exhibitors" in page
    client.post("/language", data={"locale": "id"})
    page = client.get("/exhibitors").get_data(as_text=True)
    assert '<html lang="id">' in page and "Exhibitors" not in page


def test_api_error_messages_follow_the_language_codes_stay(client):
    indonesian = client.get("/api/v1/exhibitors", headers={"Accept-Language": "id"}).get_json()
    english = client.get("/api/v1/exhibitors", headers={"Accept-Language": "en"}).get_json()
    assert indonesian["error"] == english["error"] == "unauthorized"
    assert indonesian["message"] != english["message"]


def test_money_and_times_are_formatted_for_the_locale(app):
    from datetime import UTC, datetime

    assert money(1_250_000, "IDR", "id") == "Rp1.250.000"
    assert money(1_250_000, "IDR", "en") == "IDR\u00a01,250,000"
    at = datetime(2025, 9, 6, 15, 59, tzinfo=UTC)  # 23:59 in Bali
    assert "23.59" in local_datetime(at, "Asia/Makassar", "short", "id")
    assert "11:59" in local_datetime(at, "Asia/Makassar", "short", "en")
