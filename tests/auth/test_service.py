"""Accounts and the permission layer, at the service level."""

import pytest
import sqlalchemy as sa

from pos.auth import service
from pos.auth.models import AuditEntry
from pos.auth.permissions import Action, may
from pos.errors import Conflict, Forbidden, Invalid
from tests import factories


@pytest.fixture
def event(db):
    return factories.make_event()


@pytest.fixture
def booth(event):
    return factories.Booth(event, "A1")


@pytest.fixture
def other(event):
    return factories.Booth(event, "B1")


def test_role_rights_follow_the_product_rules(booth, other):
    organizer = factories.make_user("organizer")
    for action in Action:
        assert may(organizer, action, booth.exhibitor)
        assert may(booth.manager, action, booth.exhibitor)
        assert not may(booth.manager, action, other.exhibitor)
        assert not may(booth.cashier, action, other.exhibitor)
    assert may(booth.cashier, Action.SELL, booth.exhibitor)
    assert may(booth.cashier, Action.VIEW, booth.exhibitor)
    for action in (Action.MANAGE, Action.REFUND, Action.REPORT):
        assert not may(booth.cashier, action, booth.exhibitor)


def test_a_deactivated_user_may_do_nothing(booth, db):
    booth.manager.active = False
    assert not may(booth.manager, Action.VIEW, booth.exhibitor)


def test_a_manager_creates_cashiers_for_their_own_booth_only(booth, other):
    cashier = service.create_user(
        booth.manager,
        username="kasir-dua",
        role="cashier",
        password="pw12",
        exhibitor=booth.exhibitor,
    )
    assert cashier.exhibitor_id == booth.exhibitor.id
    with pytest.raises(Forbidden):
        service.create_user(
            booth.manager, username="x1", role="manager", password="pw12", exhibitor=booth.exhibitor
        )
    with pytest.raises(Forbidden):
        service.create_user(
            booth.manager, username="x2", role="cashier", password="pw12", exhibitor=other.exhibitor
        )
    with pytest.raises(Forbidden):
        service.create_user(
            booth.cashier, username="x3", role="cashier", password="pw12", exhibitor=booth.exhibitor
        )


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"username": "A"}, Invalid),
        ({"username": "has space"}, Invalid),
        ({"password": "abc"}, Invalid),
        ({"role": "admin"}, Invalid),
    ],
)
def test_bad_accounts_are_refused(booth, fields, error):
    values = {
        "username": "kasir",
        "role": "cashier",
        "password": "pw12",
        "exhibitor": booth.exhibitor,
    }
    with pytest.raises(error):
        service.create_user(None, **(values | fields))


def test_a_taken_username_is_a_conflict(booth):
    with pytest.raises(Conflict):
        service.create_user(
            None,
            username=booth.cashier.username.upper(),
            role="cashier",
            password="pw12",
            exhibitor=booth.exhibitor,
        )


def test_roles_must_match_their_scope(booth):
    with pytest.raises(Invalid):
        service.create_user(
            None, username="o1", role="organizer", password="pw12", exhibitor=booth.exhibitor
        )
    with pytest.raises(Invalid):
        service.create_user(None, username="m1", role="manager", password="pw12")


def test_pins_are_four_to_six_digits_and_stored_hashed(booth, db):
    for bad in ("123", "1234567", "12a4", "", "١٢٣٤"):
        with pytest.raises(Invalid):
            service.set_pin(booth.manager, booth.cashier, bad)
    service.set_pin(booth.manager, booth.cashier, "482913")
    db.session.commit()
    assert booth.cashier.pin_hash and "482913" not in booth.cashier.pin_hash


def test_only_the_booths_manager_or_an_organizer_sets_a_cashiers_pin(booth, other):
    with pytest.raises(Forbidden):
        service.set_pin(other.manager, booth.cashier, "1234")
    second = factories.make_user("cashier", booth.exhibitor)
    with pytest.raises(Forbidden):
        service.set_pin(second, booth.cashier, "1234")
    service.set_pin(factories.make_user("organizer"), booth.cashier, "1234")


def test_pin_switch_hands_the_tablet_to_a_colleague_with_the_right_pin(booth, db):
    service.set_pin(booth.manager, booth.cashier, "2468")
    db.session.commit()
    assert service.switch_cashier(booth.manager, booth.cashier.id, "1111") is None
    assert service.switch_cashier(booth.manager, booth.cashier.id, "2468") is booth.cashier
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["pin_failed", "pin_switch"]


def test_pin_switch_never_crosses_booths(booth, other, db):
    service.set_pin(other.manager, other.cashier, "2468")
    with pytest.raises(Forbidden):
        service.switch_cashier(booth.cashier, other.cashier.id, "2468")


def test_repeated_wrong_pins_lock_the_pin_for_a_while(booth, db):
    service.set_pin(booth.manager, booth.cashier, "2468")
    for _ in range(service.PIN_FAILURES_ALLOWED):
        assert service.switch_cashier(booth.manager, booth.cashier.id, "0000") is None
    with pytest.raises(service.TooManyAttempts):
        service.switch_cashier(booth.manager, booth.cashier.id, "2468")


def test_a_manager_lists_only_their_booths_accounts(booth, other):
    names = {u.username for u in service.list_users(booth.manager)}
    assert names == {booth.manager.username, booth.cashier.username}
    with pytest.raises(Forbidden):
        service.list_users(booth.cashier)


def test_nobody_deactivates_their_own_account(booth):
    with pytest.raises(Invalid):
        service.set_active(booth.manager, booth.manager, False)
    service.set_active(booth.manager, booth.cashier, False)
    assert booth.cashier.active is False
