"""Cart pricing without an app: exact rupiah for discounts, allocation, tax and change."""

from decimal import Decimal

import pytest

from pos.sales.pricing import (
    LineInput,
    PaymentInput,
    PricingError,
    discount_within,
    price_cart,
    refund_share,
    settle,
)


def test_line_totals_are_price_times_quantity_less_the_line_discount():
    cart = price_cart(
        [
            LineInput(450_000, 2, discount_percent=Decimal(10)),
            LineInput(1_250_000, 1, discount_amount=50_000),
            LineInput(85_000, 3),
        ]
    )
    assert [line.total for line in cart.lines] == [810_000, 1_200_000, 255_000]
    assert cart.subtotal == 2_405_000
    assert cart.line_discount_total == 140_000
    assert cart.total == 2_265_000


def test_a_percentage_discount_is_rounded_half_up_to_the_rupiah():
    cart = price_cart([LineInput(12_345, 1, discount_percent=Decimal(10))])
    assert cart.lines[0].discount == 1_235  # 1,234.5 → 1,235
    cart = price_cart([LineInput(33_333, 1, discount_percent=Decimal("12.5"))])
    assert cart.lines[0].discount == 4_167  # 4,166.625 → 4,167


def test_the_order_discount_is_spread_in_proportion_and_adds_up_exactly():
    cart = price_cart(
        [LineInput(100_000, 1), LineInput(300_000, 1), LineInput(200_000, 1)],
        order_discount_amount=10,
    )
    assert [line.order_share for line in cart.lines] == [1, 6, 3]
    assert [line.net for line in cart.lines] == [99_999, 299_994, 199_997]
    assert sum(line.net for line in cart.lines) == cart.total == 599_990
    assert cart.discount_total == 10


def test_an_order_discount_percentage_applies_to_the_lines_after_their_discounts():
    cart = price_cart(
        [LineInput(100_000, 2, discount_amount=10_000)], order_discount_percent=Decimal(5)
    )
    assert cart.order_discount == 9_500
    assert cart.total == 180_500


def test_tax_inside_the_price_is_total_less_the_rounded_base_and_spread_over_lines():
    cart = price_cart([LineInput(450_000, 1), LineInput(675_000, 1)], tax_rate_percent=11)
    # 1,125,000 × 100 / 111 = 1,013,513.5… → base 1,013,514, PPN 111,486
    assert cart.tax_total == 111_486
    assert sum(line.tax for line in cart.lines) == 111_486
    untaxed = price_cart([LineInput(450_000, 1)], tax_rate_percent=0)
    assert untaxed.tax_total == 0


@pytest.mark.parametrize(
    ("lines", "kwargs"),
    [
        ([LineInput(100, 1, discount_percent=Decimal(101))], {}),
        ([LineInput(100, 1, discount_amount=101)], {}),
        ([LineInput(100, 1, discount_amount=-1)], {}),
        ([LineInput(100, 1)], {"order_discount_amount": 101}),
        ([LineInput(100, 1)], {"order_discount_percent": Decimal(150)}),
        ([LineInput(100, 1)], {"order_discount_amount": 5, "order_discount_percent": Decimal(5)}),
    ],
)
def test_discounts_above_100_percent_or_above_the_amount_are_refused(lines, kwargs):
    with pytest.raises(PricingError) as refused:
        price_cart(lines, **kwargs)
    assert refused.value.code == "invalid_discount"


def test_an_empty_cart_or_a_zero_quantity_is_refused():
    with pytest.raises(PricingError):
        price_cart([])
    with pytest.raises(PricingError):
        price_cart([LineInput(100, 0)])


def test_change_comes_only_from_cash():
    settled = settle(1_750_000, [PaymentInput("cash", 600_000), PaymentInput("qris", 1_250_000)])
    assert (settled.paid, settled.change, settled.change_by_payment) == (
        1_850_000,
        100_000,
        (100_000, 0),
    )
    with pytest.raises(PricingError) as refused:
        settle(100_000, [PaymentInput("card", 150_000)])
    assert refused.value.code == "change_without_cash"
    with pytest.raises(PricingError) as short:
        settle(100_000, [PaymentInput("cash", 50_000), PaymentInput("qris", 40_000)])
    assert short.value.code == "insufficient_payment"
    assert short.value.details["due"] == 10_000


def test_exact_payment_gives_no_change():
    settled = settle(100_000, [PaymentInput("qris", 100_000)])
    assert (settled.paid, settled.change) == (100_000, 0)


def test_a_cashiers_discount_limit_covers_lines_and_the_order():
    small = price_cart([LineInput(100_000, 1, discount_percent=Decimal(10))])
    large = price_cart([LineInput(100_000, 1, discount_percent=Decimal(11))])
    order = price_cart([LineInput(100_000, 1)], order_discount_amount=10_001)
    assert discount_within(small, 10)
    assert not discount_within(large, 10)
    assert not discount_within(order, 10)


def test_a_cashiers_discount_limit_holds_for_line_and_sale_discounts_together():
    # 10 % off the line and 10 % off the sale: 19 % of what the buyer would have paid.
    stacked = price_cart(
        [LineInput(100_000, 1, discount_percent=Decimal(10))], order_discount_percent=Decimal(10)
    )
    assert stacked.discount_total == 19_000
    assert not discount_within(stacked, 10)
    # 5 % off the line (5,000) and 5,000 off the sale: exactly 10 % in all.
    at_cap = price_cart(
        [LineInput(100_000, 1, discount_percent=Decimal(5))], order_discount_amount=5_000
    )
    assert at_cap.discount_total == 10_000 and discount_within(at_cap, 10)
    over = price_cart(
        [LineInput(100_000, 1, discount_percent=Decimal(5))], order_discount_amount=5_001
    )
    assert not discount_within(over, 10)


def test_a_cashiers_line_discount_stays_within_the_limit_in_a_large_sale_too():
    # 20 % off a scarf beside a painting is 0.8 % of the sale, but still 20 % of its line.
    sale = price_cart(
        [LineInput(100_000, 1, discount_percent=Decimal(20)), LineInput(2_400_000, 1)]
    )
    assert sale.discount_total * 100 < sale.subtotal * 10
    assert not discount_within(sale, 10)


def test_refunding_every_unit_in_any_steps_gives_back_exactly_the_line():
    net, quantity = 100_000, 3  # 33,333.33 a unit
    steps = [
        refund_share(net, quantity, 0, 1),
        refund_share(net, quantity, 1, 1),
        refund_share(net, quantity, 2, 1),
    ]
    assert steps == [33_333, 33_334, 33_333]
    assert sum(steps) == net
    assert refund_share(net, quantity, 0, 2) + refund_share(net, quantity, 2, 1) == net
