"""Every form of the app answers in the reader's language, WTForms' own messages
("This field is required.") included: each form is found by walking the app's
FlaskForm subclasses, sent bad input through its real page in English and in
Indonesian, and the two pages compared."""

from __future__ import annotations

import importlib
import io
import pkgutil
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import wtforms
from babel.messages.pofile import read_po
from flask_wtf import FlaskForm
from wtforms.validators import Length, NumberRange, Regexp

import pos
from pos.auth import service as auth_service
from pos.auth.forms import (
    LoginForm,
    PasswordForm,
    PinForm,
    PinSwitchForm,
    UserForm,
)
from pos.catalogue.extras.forms import PlaceForm, PlanForm
from pos.catalogue.forms import ProfileForm, PublicProductsForm, PublishForm
from pos.extensions import db
from pos.forms import PosForm
from pos.inventory.forms import ImportForm, PhotoForm, ProductForm, ReviewForm, StockAdjustmentForm
from pos.organizer.forms import EventForm, ExhibitorForm
from pos.printing.forms import PrinterForm
from pos.reports.forms import AuditFilterForm
from pos.sales.forms import RefundForm, ShiftCloseForm, VoidForm, WaitingSalesForm
from pos.sales.models import SaleLine
from pos.statements.forms import IssueStatementForm, RevokeStatementForm
from tests import factories
from tests.pages import field_errors, flashes, sign_in, text

CATALOGUE = Path(pos.__file__).parent / "translations" / "id" / "LC_MESSAGES" / "messages.po"


def wtforms_messages() -> list[str | tuple[str, str]]:
    """Every message of the installed WTForms, from the template of its catalogue."""
    template = Path(wtforms.__file__).parent / "locale" / "wtforms.pot"
    with template.open("rb") as f:
        return [m.id for m in read_po(f) if m.id]


def english_pattern(message: str) -> re.Pattern:
    """A WTForms message as a page shows it: its placeholders filled in."""
    parts = re.split(r"%\(\w+\)[sd]|%s", message)
    return re.compile(".+?".join(re.escape(p) for p in parts))


ENGLISH = [
    english_pattern(form)
    for message in wtforms_messages()
    for form in (message if isinstance(message, tuple) else (message,))
]


def app_forms() -> set[type]:
    """Every form class the app defines (a new one is walked without being listed)."""
    for module in pkgutil.walk_packages(pos.__path__, "pos."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    found, todo = set(), [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("pos.") and sub is not PosForm:
                found.add(sub)
    return found


# --- the catalogue ----------------------------------------------------------------------


def test_every_message_of_the_installed_wtforms_is_translated_into_indonesian():
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    untranslated = []
    for message in wtforms_messages() + ["File does not have an approved extension."]:
        entry = catalogue.get(message[0] if isinstance(message, tuple) else message)
        strings = entry.string if entry else ""
        if (
            not entry
            or entry.fuzzy
            or not all(strings if isinstance(strings, tuple) else [strings])
        ):
            untranslated.append(message)
    assert untranslated == []


def test_every_form_of_the_app_takes_its_messages_from_the_apps_catalogue():
    assert app_forms(), "no forms found"
    assert [f.__name__ for f in app_forms() if not issubclass(f, PosForm)] == []


# --- every form, through its page -------------------------------------------------------


@dataclass
class Scenario:
    """Who sends a form, to which address, the fields that must stay valid for the
    form to be shown at all (the colleague whose PIN is typed, the units refunded), and
    the status of the answer to blank and to garbage input: the form again (200), or a
    small form's redirect to the page that shows its errors (302). A search form is sent
    with GET, and left blank it asks for everything."""

    user: str | None
    url: Callable[[SimpleNamespace], str]
    keep: Callable[[SimpleNamespace], dict] = field(default=lambda world: {})
    method: str = "POST"
    blank_is_valid: bool = False
    statuses: dict[str, int] = field(default_factory=lambda: {"blank": 200, "garbage": 200})


SMALL_FORM = {"blank": 302, "garbage": 302}
REFUSED = {"blank": 400, "garbage": 400}


def after_the_fair(world) -> SimpleNamespace:
    """The world's fair ended yesterday, and booth A has a sales statement: the
    statements page offers its forms."""
    from datetime import timedelta

    from pos.db import utcnow
    from pos.sales.numbers import local_day
    from pos.statements import service as statement_service

    if getattr(world, "statement_id", None) is None:
        event = world.event
        event.ends_on = local_day(utcnow(), event.timezone) - timedelta(days=1)
        event.organizer_name, event.organizer_office = "Pejabat", "Dinas"
        statement, _new = statement_service.issue_statement(
            world.booth.manager, world.booth.exhibitor.id
        )
        db.session.commit()
        world.statement_id = statement.id
    return world


SCENARIOS: dict[type, Scenario] = {
    LoginForm: Scenario(None, lambda w: "/login"),
    PinSwitchForm: Scenario(
        "cashier", lambda w: "/switch", keep=lambda w: {"user_id": str(w.colleague.id)}
    ),
    PinForm: Scenario("manager", lambda w: f"/users/{w.booth.cashier.id}/pin"),
    PasswordForm: Scenario("manager", lambda w: f"/users/{w.booth.cashier.id}/password"),
    UserForm: Scenario("organizer", lambda w: "/users/new"),
    ProductForm: Scenario("manager", lambda w: "/products/new"),
    StockAdjustmentForm: Scenario(
        "manager", lambda w: f"/products/{w.booth.product.id}/adjust", statuses=SMALL_FORM
    ),
    # No file: the form again; a file that is no table: 422 with the problems in it.
    ImportForm: Scenario(
        "manager", lambda w: "/products/import", statuses={"blank": 200, "garbage": 422}
    ),
    ReviewForm: Scenario(
        "organizer", lambda w: f"/products/{w.booth.product.id}/review", statuses=SMALL_FORM
    ),
    PhotoForm: Scenario(
        "manager", lambda w: f"/products/{w.booth.product.id}/photo", statuses=SMALL_FORM
    ),
    EventForm: Scenario("organizer", lambda w: "/events/new"),
    ExhibitorForm: Scenario("organizer", lambda w: "/exhibitors/new"),
    PrinterForm: Scenario("manager", lambda w: "/printers/new"),
    VoidForm: Scenario("manager", lambda w: f"/sales/{w.sale['id']}/void", statuses=SMALL_FORM),
    RefundForm: Scenario(
        "manager",
        lambda w: f"/sales/{w.sale['id']}/refund",
        keep=lambda w: {f"qty-{w.sale_line_id}": "1"},
    ),
    ShiftCloseForm: Scenario("manager", lambda w: f"/shifts/{w.shift_id}/close"),
    WaitingSalesForm: Scenario("manager", lambda w: "/sales/import", statuses=SMALL_FORM),
    IssueStatementForm: Scenario(
        "manager",
        lambda w: after_the_fair(w) and "/statements",
        statuses=REFUSED,
    ),
    RevokeStatementForm: Scenario(
        "organizer",
        lambda w: f"/statements/{after_the_fair(w).statement_id}/revoke",
        statuses=REFUSED,
    ),
    # The floor plan (catalogue extras): refused shapes show the page again with 422.
    PlanForm: Scenario(
        "organizer",
        lambda w: f"/events/{w.event.id}/floor-plan",
        statuses={"blank": 422, "garbage": 422},
    ),
    PlaceForm: Scenario(
        "organizer",
        lambda w: f"/events/{w.event.id}/floor-plan/places",
        statuses={"blank": 422, "garbage": 422},
    ),
    # Every field of the public profile may be left empty.
    ProfileForm: Scenario(
        "manager",
        lambda w: f"/exhibitors/{w.booth.exhibitor.id}/public-profile",
        blank_is_valid=True,
        statuses={"blank": 302, "garbage": 200},
    ),
    PublicProductsForm: Scenario(
        "manager",
        lambda w: f"/exhibitors/{w.booth.exhibitor.id}/public-products",
        statuses=SMALL_FORM,
    ),
    PublishForm: Scenario(
        "organizer", lambda w: f"/exhibitors/{w.booth.exhibitor.id}/catalogue", statuses=SMALL_FORM
    ),
    AuditFilterForm: Scenario(
        "organizer",
        lambda w: "/audit",
        method="GET",
        blank_is_valid=True,
        statuses={"blank": 200, "garbage": 400},  # the log unfiltered, with the errors
    ),
}


@pytest.fixture
def world(app):
    event = factories.make_event()
    booth = factories.Booth(event, "A1")
    colleague = factories.make_user("cashier", booth.exhibitor)
    auth_service.set_pin(booth.manager, colleague, "4321")
    db.session.commit()
    return SimpleNamespace(
        event=event, booth=booth, colleague=colleague, organizer=factories.make_user("organizer")
    )


def open_shift_and_sell(client, world) -> None:
    headers = factories.auth_headers(client, world.booth.cashier)
    opened = client.post(
        "/api/v1/shifts",
        json={"exhibitor_id": world.booth.exhibitor.id, "opening_float": 50_000},
        headers=headers,
    )
    assert opened.status_code == 201, opened.get_json()
    world.shift_id = opened.get_json()["id"]
    sold = client.post(
        "/api/v1/sales",
        json={
            "exhibitor_id": world.booth.exhibitor.id,
            "items": [{"product_id": world.booth.product.id, "quantity": 1}],
            "payments": [{"method": "cash", "amount": 100_000}],
        },
        headers=headers | {"Idempotency-Key": str(uuid.uuid4())},
    )
    assert sold.status_code == 201, sold.get_json()
    world.sale = sold.get_json()
    world.sale_line_id = db.session.scalar(
        sa.select(SaleLine.id).where(SaleLine.sale_id == world.sale["id"])
    )


def garbage(field) -> object | None:
    """A value the field refuses, chosen by its kind and its checks (None: send nothing)."""
    kind = type(field).__name__
    checks = {type(v): v for v in field.validators}
    if kind == "BooleanField":
        return None  # any value is a yes
    if kind == "FileField":
        return (io.BytesIO(b"neither a photo nor a table"), "notes.bin")
    if kind == "EmailField":
        return "not-an-address"
    if kind == "DateField":
        return "31.02.2026"
    if kind == "SelectField":
        return "no-such-choice"
    if kind == "MoneyField":
        return "Rp 6x0"
    if kind == "DecimalField":
        return "many"
    if NumberRange in checks:
        number = checks[NumberRange]
        return str(number.max + 1 if number.max is not None else number.min - 1)
    if kind == "IntegerField":
        return "some"
    if Length in checks:
        length = checks[Length]
        return "a" if length.min > 1 else "x" * (length.max + 1)
    if Regexp in checks:
        return "1x"
    return "?"


def bad_input(form_class: type, app, round_: str) -> dict:
    with app.test_request_context():
        form = form_class()
        fields = list(form)
    if round_ == "blank":
        return {f.name: "" for f in fields if type(f).__name__ != "FileField"}
    return {f.name: value for f in fields if (value := garbage(f)) is not None}


def errors_shown(html: str) -> list[str]:
    """The errors a reader sees: next to fields, and at the top of the page."""
    beside = re.findall(r'<small class="error"[^>]*>(.*?)</small>', html, re.S)
    problems = re.search(r'<section class="card" id="import-errors">(.*?)</section>', html, re.S)
    in_file = (
        re.findall(r"<h2[^>]*>(.*?)</h2>|<td>(.*?)</td></tr>", problems[1]) if problems else []
    )
    in_file = [title or problem for title, problem in in_file]
    return [unescape(e).strip() for e in beside + in_file] + flashes(html, "error")


def answer(client, app, world, form_class: type, round_: str, language: str) -> str:
    """The page a reader of ``language`` gets after sending the form bad input."""
    scenario = SCENARIOS[form_class]
    user = {
        "organizer": world.organizer,
        "manager": world.booth.manager,
        "cashier": world.booth.cashier,
        None: None,
    }[scenario.user]
    if user is not None:
        auth_service.set_locale(user, language)
        db.session.commit()
        sign_in(client, user)
    data = bad_input(form_class, app, round_) | scenario.keep(world)
    if scenario.method == "GET":
        response = client.get(
            scenario.url(world), query_string=data, headers={"Accept-Language": language}
        )
    else:
        response = client.post(
            scenario.url(world),
            data=data,
            headers={"Accept-Language": language},
            content_type="multipart/form-data",
        )
    assert response.status_code == scenario.statuses[round_], response.status_code
    if response.status_code == 302:  # a small form's page: the errors are flashed there
        response = client.get(response.location, headers={"Accept-Language": language})
        assert response.status_code == 200
    return text(response)


@pytest.mark.parametrize("round_", ["blank", "garbage"])
@pytest.mark.parametrize(
    "form_class", sorted(app_forms(), key=lambda f: f.__name__), ids=lambda f: f.__name__
)
def test_a_forms_errors_come_in_the_readers_language(client, app, world, form_class, round_):
    assert form_class in SCENARIOS, f"say in SCENARIOS where {form_class.__name__} is sent"
    open_shift_and_sell(client, world)
    english = errors_shown(answer(client, app, world, form_class, round_, "en"))
    page = answer(client, app, world, form_class, round_, "id")
    indonesian = errors_shown(page)

    if round_ == "blank" and SCENARIOS[form_class].blank_is_valid:
        assert english == indonesian == []
        return
    assert english, "the bad input was not refused"
    assert len(indonesian) == len(english)
    assert [e for e in indonesian if e in english] == []
    readable = unescape(re.sub(r"<[^>]+>", " ", page))
    assert [p.pattern for p in ENGLISH if p.search(readable)] == []


# What a reader sees for a few of WTForms' messages, fixed so no wrong translation passes.
EXPECTED = {
    "id": {
        "name": ["Kolom ini wajib diisi."],
        "email": ["Alamat email tidak valid."],
        "tax_rate_percent": ["Angka harus antara 0 dan 100."],
        "receipt_language": ["Pilihan tidak valid."],
        "username": ["Isian harus antara 2 dan 80 karakter."],
        "starts_on": ["Tanggal tidak valid."],
        "booth_fee": ["Tulis jumlahnya seperti 660.000 atau 660000."],
    },
    "en": {
        "name": ["This field is required."],
        "email": ["Invalid email address."],
        "tax_rate_percent": ["Number must be between 0 and 100."],
        "receipt_language": ["Not a valid choice."],
        "username": ["Field must be between 2 and 80 characters long."],
        "starts_on": ["Not a valid date value."],
        "booth_fee": ["Write the amount like 660,000 or 660000."],
    },
}


@pytest.mark.parametrize("language", ["id", "en"])
def test_wtforms_own_messages_read_naturally_in_each_language(client, world, language):
    auth_service.set_locale(world.organizer, language)
    db.session.commit()
    sign_in(client, world.organizer)
    expected = EXPECTED[language]

    exhibitor = {"name": "", "booth": "B9", "email": "bukan-email", "tax_rate_percent": "101"}
    page = text(client.post("/exhibitors/new", data=exhibitor))
    for name in ("name", "email", "tax_rate_percent", "receipt_language"):
        assert field_errors(page, name) == expected[name]

    page = text(client.post("/users/new", data={"username": "a", "password": "rahasia"}))
    assert field_errors(page, "username") == expected["username"]

    event = {"name": "Pameran", "starts_on": "31.02.2026", "booth_fee": "Rp 6x0"}
    page = text(client.post("/events/new", data=event))
    assert field_errors(page, "starts_on") == expected["starts_on"]
    assert field_errors(page, "booth_fee") == expected["booth_fee"]
