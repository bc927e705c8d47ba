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
        password=factories.PASSWORD,
        exhibitor=booth.exhibitor,
    )
    assert cashier.exhibitor_id == booth.exhibitor.id
    with pytest.raises(Forbidden):
        service.create_user(
            booth.manager,
            username="x1",
            role="manager",
            password=factories.PASSWORD,
            exhibitor=booth.exhibitor,
        )
    with pytest.raises(Forbidden):
        service.create_user(
            booth.manager,
            username="x2",
            role="cashier",
            password=factories.PASSWORD,
            exhibitor=other.exhibitor,
        )
    with pytest.raises(Forbidden):
        service.create_user(
            booth.cashier,
            username="x3",
            role="cashier",
            password=factories.PASSWORD,
            exhibitor=booth.exhibitor,
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
        "password": factories.PASSWORD,
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
            password=factories.PASSWORD,
            exhibitor=booth.exhibitor,
        )


def test_roles_must_match_their_scope(booth):
    with pytest.raises(Invalid):
        service.create_user(
            None,
            username="o1",
            role="organizer",
            password=factories.PASSWORD,
            exhibitor=booth.exhibitor,
        )
    with pytest.raises(Invalid):
        service.create_user(None, username="m1", role="manager", password=factories.PASSWORD)


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
    db.session.commit()  # the failure stays in the audit log
    assert service.switch_cashier(booth.manager, booth.cashier.id, "2468") is booth.cashier
    db.session.commit()
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["pin_failed", "pin_switch"]


def test_pin_switch_never_crosses_booths(booth, other, db):
    service.set_pin(other.manager, other.cashier, "2468")
    with pytest.raises(Forbidden):
        service.switch_cashier(booth.cashier, other.cashier.id, "2468")


def test_repeated_wrong_pins_pause_the_cashiers_pin_for_a_while(booth, db):
    service.set_pin(booth.manager, booth.cashier, "2468")
    db.session.commit()
    for _ in range(5):
        assert service.switch_cashier(booth.manager, booth.cashier.id, "0000") is None
        db.session.commit()  # as the PIN page does after a wrong PIN
    with pytest.raises(service.TooManyAttempts) as paused:
        service.switch_cashier(booth.manager, booth.cashier.id, "2468")
    assert 0 < paused.value.retry_after <= 15 * 60


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


# --- organizers are scoped to their events ----------------------------------------------


@pytest.fixture
def offices(event, booth):
    """The global organizer, an organizer of ``event``, and another event with its own
    organizer and booth."""
    other_event = factories.make_event(name="Pameran Lain")
    return {
        "global": factories.make_user("organizer"),
        "event": factories.make_user("organizer", username="panitia-acara"),
        "other_event": other_event,
        "other_booth": factories.Booth(other_event, "Z1"),
    }


def bind_to_event(user, event, db):
    user.event_id = event.id
    db.session.commit()
    return user


def test_an_event_organizer_cannot_manage_the_global_organizer(offices, event, db):
    organizer = bind_to_event(offices["event"], event, db)
    chief = offices["global"]
    with pytest.raises(Forbidden):
        service.get_user(organizer, chief.id)
    with pytest.raises(Forbidden):
        service.set_password(organizer, chief, "diambil-alih-99")
    with pytest.raises(Forbidden):
        service.set_active(organizer, chief, False)
    assert chief.username not in {u.username for u in service.list_users(organizer)}


def test_an_event_organizer_manages_its_events_booths_and_organizers_only(
    offices, event, booth, db
):
    organizer = bind_to_event(offices["event"], event, db)
    colleague = bind_to_event(factories.make_user("organizer"), event, db)
    stranger = bind_to_event(factories.make_user("organizer"), offices["other_event"], db)
    for user in (booth.manager, booth.cashier, colleague):
        assert service.get_user(organizer, user.id) == user
    for user in (stranger, offices["other_booth"].manager, offices["other_booth"].cashier):
        with pytest.raises(Forbidden):
            service.get_user(organizer, user.id)
    listed = {u.username for u in service.list_users(organizer)}
    assert listed == {
        organizer.username,
        colleague.username,
        booth.manager.username,
        booth.cashier.username,
    }


def test_an_event_organizer_creates_organizers_of_its_own_event_only(offices, event, db):
    organizer = bind_to_event(offices["event"], event, db)
    created = service.create_user(
        organizer, username="panitia-tiga", role="organizer", password=factories.PASSWORD
    )
    assert created.event_id == event.id
    with pytest.raises(Forbidden):
        service.create_user(
            organizer,
            username="manajer-lain",
            role="manager",
            password=factories.PASSWORD,
            exhibitor=offices["other_booth"].exhibitor,
        )


def test_the_global_organizer_manages_every_account(offices, event, db):
    organizer = bind_to_event(offices["event"], event, db)
    chief = offices["global"]
    for user in (organizer, offices["other_booth"].manager, factories.make_user("organizer")):
        assert service.get_user(chief, user.id) == user
