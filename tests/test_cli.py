"""The `pos` commands of API.md: create-event, create-user, seed-demo."""

import sqlalchemy as sa

from pos.auth.models import User
from pos.organizer.models import Event, Exhibitor
from tests import factories


def test_create_event_makes_it_current_and_new_exhibitors_join_it(runner, db):
    first = runner.invoke(
        args=["create-event", "Pameran Lama", "--timezone", "Asia/Makassar", "--currency", "IDR"]
    )
    second = runner.invoke(
        args=[
            "create-event",
            "Pameran Baru",
            "--timezone",
            "Asia/Jakarta",
            "--currency",
            "idr",
            "--start",
            "2026-09-01",
            "--end",
            "2026-09-05",
        ]
    )
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    current = db.session.scalars(sa.select(Event).where(Event.is_current.is_(True))).all()
    assert [e.name for e in current] == ["Pameran Baru"]
    assert str(current[0].starts_on) == "2026-09-01" and current[0].currency == "IDR"
    exhibitor = factories.make_exhibitor(booth="B12")
    assert exhibitor.event_id == current[0].id


def test_create_event_refuses_a_bad_timezone_with_a_message(runner, db):
    result = runner.invoke(
        args=["create-event", "X", "--timezone", "Bali/Ubud", "--currency", "IDR"]
    )
    assert result.exit_code != 0
    assert "Unknown timezone" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0


def test_create_user_for_a_booth_of_the_current_event(runner, db, client):
    event = factories.make_event()
    factories.make_exhibitor(event, booth="B12")
    result = runner.invoke(
        args=[
            "create-user",
            "kasir-b12",
            "--role",
            "cashier",
            "--exhibitor",
            "b12",
            "--password",
            "kain-ikat-77",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "kasir-b12"))
    assert user.role == "cashier" and user.exhibitor.booth == "B12"
    login = client.post(
        "/api/v1/auth/login", json={"username": "kasir-b12", "password": "kain-ikat-77"}
    )
    assert login.status_code == 200


def test_create_user_refuses_an_unknown_booth_and_a_missing_booth(runner, db):
    factories.make_event()
    unknown = runner.invoke(
        args=[
            "create-user",
            "x",
            "--role",
            "manager",
            "--exhibitor",
            "Z9",
            "--password",
            "kain-ikat-2024",
        ]
    )
    assert unknown.exit_code != 0 and "Z9" in unknown.output
    missing = runner.invoke(
        args=["create-user", "xy", "--role", "manager", "--password", "kain-ikat-2024"]
    )
    assert missing.exit_code != 0 and "booth" in missing.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def table_counts(db):
    return {
        table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
        for table in ("event", "exhibitor", "user_account", "product", "stock_movement", "sale")
    }


def test_seed_demo_twice_changes_nothing_the_second_time(runner, db):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = table_counts(db)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    assert table_counts(db) == counts


def test_demo_has_the_booths_products_and_accounts_api_md_promises(runner, db, client):
    runner.invoke(args=["seed-demo"])
    event = db.session.scalar(sa.select(Event))
    assert event.timezone == "Asia/Makassar" and event.currency == "IDR"
    exhibitors = db.session.scalars(sa.select(Exhibitor)).all()
    assert len(exhibitors) >= 4
    categories = set()
    for exhibitor in exhibitors:
        products = client.get(
            f"/api/v1/products?exhibitor_id={exhibitor.id}",
            headers=factories.auth_headers(client, organizer(db), "demo"),
        ).get_json()["items"]
        assert len(products) >= 10
        categories |= {p["category"] for p in products}
        for role in ("manager", "cashier"):
            username = f"{role}-{exhibitor.booth.lower()}"
            login = client.post(
                "/api/v1/auth/login", json={"username": username, "password": "demo"}
            )
            assert login.status_code == 200, username
            assert login.get_json()["user"]["exhibitor_id"] == exhibitor.id
    assert {"painting", "jewellery", "endek", "craft"} <= categories
    unique_paintings = db.session.scalar(
        sa.text("SELECT count(*) FROM product WHERE category = 'painting' AND one_of_a_kind")
    )
    assert unique_paintings >= 3


def organizer(db):
    return db.session.scalar(sa.select(User).where(User.username == "organizer"))


def test_pos_check_passes_on_the_demo_and_finds_a_tampered_stock(runner, db):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    clean = runner.invoke(args=["check"])
    assert clean.exit_code == 0, clean.output
    assert "every product's stock equals" in clean.output
    db.session.execute(sa.text("UPDATE product SET stock = stock + 3 WHERE sku = 'SR-925-01'"))
    db.session.commit()
    tampered = runner.invoke(args=["check"])
    assert tampered.exit_code != 0
    assert "SR-925-01" in tampered.output and "1 product(s) disagree" in tampered.output


def test_pos_check_finds_report_totals_that_disagree_with_the_sales(runner, db):
    runner.invoke(args=["seed-demo"])
    assert runner.invoke(args=["check"]).exit_code == 0
    tamper = "UPDATE daily_rollup SET amount = amount + 1 WHERE dimension = 'method'"
    db.session.execute(sa.text(tamper + " AND key = 'qris'"))
    db.session.commit()
    result = runner.invoke(args=["check"])
    assert result.exit_code != 0 and "report totals" in result.output and "qris" in result.output
    rebuilt = runner.invoke(args=["rebuild-totals"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert runner.invoke(args=["check"]).exit_code == 0


def test_init_db_fills_the_report_totals_of_a_database_that_had_none(runner, db):
    runner.invoke(args=["seed-demo"])
    db.session.execute(sa.text("DELETE FROM daily_rollup"))
    db.session.commit()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0 and "Report totals computed" in result.output
    assert runner.invoke(args=["check"]).exit_code == 0
    again = runner.invoke(args=["init-db"])
    assert "Report totals computed" not in again.output


def test_the_demo_accounts_listed_are_those_that_still_sign_in_with_demo(runner, db):
    from pos import demo
    from pos.auth import service as auth_service

    assert demo.demo_accounts() == []  # no demo event
    runner.invoke(args=["seed-demo"])
    assert demo.demo_accounts() == [
        "organizer",
        "manager-a03",
        "cashier-a03",
        "manager-b12",
        "cashier-b12",
        "manager-c07",
        "cashier-c07",
        "manager-d02",
        "cashier-d02",
    ]
    cashier = db.session.scalar(sa.select(User).where(User.username == "cashier-b12"))
    auth_service.set_password(organizer(db), cashier, "rahasia-baru-123")
    db.session.scalar(sa.select(User).where(User.username == "manager-d02")).active = False
    db.session.commit()
    listed = demo.demo_accounts()
    assert "cashier-b12" not in listed and "manager-d02" not in listed and len(listed) == 7
