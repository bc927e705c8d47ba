"""Pricing a cart: line discounts, the order discount spread over the lines, the tax
inside tax-inclusive prices, and payments with change. Pure: integers in, integers out.

A line total is unit price × quantity − line discount; a percentage discount is rounded
half up to the unit. The order discount is spread over the lines in proportion to their
totals (the remainder to the largest lines), so the lines' shares add up exactly. For a
tax-registered exhibitor the sale's tax is total − round(total × 100 / (100 + r)), and
that tax is spread over the lines the same way, so refunds give back exact shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from pos.money import allocate, included_tax, percent_of, round_half_up

CASH = "cash"


class PricingError(ValueError):
    """A cart or payment that cannot be priced; ``code`` is the API's error code."""

    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True)
class LineInput:
    unit_price: int
    quantity: int
    discount_percent: Decimal | None = None
    discount_amount: int | None = None


@dataclass(frozen=True)
class PricedLine:
    unit_price: int
    quantity: int
    gross: int  # unit price × quantity
    discount: int  # the line discount, in money
    total: int  # gross − discount
    order_share: int  # this line's part of the order discount
    net: int  # total − order_share: what the buyer pays for the line
    tax: int  # this line's part of the sale's tax


@dataclass(frozen=True)
class PricedCart:
    lines: tuple[PricedLine, ...]
    subtotal: int  # Σ gross
    line_discount_total: int
    order_discount: int
    discount_total: int  # line discounts + order discount
    total: int  # subtotal − discount_total
    tax_total: int


@dataclass(frozen=True)
class PaymentInput:
    method: str
    amount: int


@dataclass(frozen=True)
class Settlement:
    paid: int
    change: int
    change_by_payment: tuple[int, ...]  # change handed back from each payment (cash only)


def line_discount(line: LineInput) -> int:
    gross = line.unit_price * line.quantity
    if line.discount_percent is not None and line.discount_amount is not None:
        raise PricingError(
            "invalid_discount", "Give a line discount as a percentage or an amount, not both."
        )
    if line.discount_percent is not None:
        if not 0 <= line.discount_percent <= 100:
            raise PricingError("invalid_discount", "A discount percentage is between 0 and 100.")
        return percent_of(gross, line.discount_percent)
    amount = line.discount_amount or 0
    if not 0 <= amount <= gross:
        raise PricingError("invalid_discount", "A line discount cannot exceed the line's amount.")
    return amount


def price_cart(
    lines: list[LineInput],
    *,
    order_discount_amount: int = 0,
    order_discount_percent: Decimal | None = None,
    tax_rate_percent: int | Decimal = 0,
) -> PricedCart:
    """Price the cart exactly. Raises PricingError for an empty cart or a bad discount."""
    if not lines:
        raise PricingError("empty_cart", "A sale needs at least one item.")
    for line in lines:
        if line.quantity <= 0:
            raise PricingError("invalid_quantity", "Quantities are whole numbers of at least 1.")
        if line.unit_price < 0:
            raise PricingError("invalid_price", "A price cannot be negative.")
    gross = [line.unit_price * line.quantity for line in lines]
    discounts = [line_discount(line) for line in lines]
    totals = [g - d for g, d in zip(gross, discounts, strict=True)]
    lines_total = sum(totals)

    if order_discount_percent is not None and order_discount_amount:
        raise PricingError(
            "invalid_discount", "Give the order discount as a percentage or an amount, not both."
        )
    if order_discount_percent is not None:
        if not 0 <= order_discount_percent <= 100:
            raise PricingError("invalid_discount", "A discount percentage is between 0 and 100.")
        order_discount = percent_of(lines_total, order_discount_percent)
    else:
        order_discount = order_discount_amount
    if not 0 <= order_discount <= lines_total:
        raise PricingError(
            "invalid_discount", "The order discount cannot exceed the sale's amount."
        )

    shares = allocate(order_discount, totals)
    nets = [t - s for t, s in zip(totals, shares, strict=True)]
    total = lines_total - order_discount
    tax_total = included_tax(total, tax_rate_percent)
    taxes = allocate(tax_total, nets)
    priced = tuple(
        PricedLine(
            unit_price=line.unit_price,
            quantity=line.quantity,
            gross=g,
            discount=d,
            total=t,
            order_share=s,
            net=n,
            tax=x,
        )
        for line, g, d, t, s, n, x in zip(
            lines, gross, discounts, totals, shares, nets, taxes, strict=True
        )
    )
    return PricedCart(
        lines=priced,
        subtotal=sum(gross),
        line_discount_total=sum(discounts),
        order_discount=order_discount,
        discount_total=sum(discounts) + order_discount,
        total=total,
        tax_total=tax_total,
    )


def max_discount(cart: PricedCart, limit_percent: int) -> int:
    """The most a sale may be discounted in all (line and order discounts together) under
    ``limit_percent``: that share of the undiscounted total, rounded down."""
    return cart.subtotal * limit_percent // 100


def discount_within(cart: PricedCart, limit_percent: int) -> bool:
    """Whether the sale's discounts stay within ``limit_percent``: line and order discounts
    together against the undiscounted total (10 % off a line and 10 % off the sale are
    19 %, over a 10 % limit), and each line's own discount against its line."""
    if cart.discount_total > max_discount(cart, limit_percent):
        return False
    return all(line.discount * 100 <= line.gross * limit_percent for line in cart.lines)


def settle(total: int, payments: list[PaymentInput]) -> Settlement:
    """Check the payments cover the total and work out the change, which only cash gives.

    Raises PricingError: ``insufficient_payment`` when short, ``change_without_cash``
    when non-cash payments alone exceed the total (a card is never overcharged to hand
    back cash), ``invalid_payment`` for an amount that is not positive.
    """
    if any(p.amount <= 0 for p in payments):
        raise PricingError("invalid_payment", "Each payment is a positive amount.")
    paid = sum(p.amount for p in payments)
    if paid < total:
        raise PricingError(
            "insufficient_payment",
            "The payments do not cover the total.",
            total=total,
            paid=paid,
            due=total - paid,
        )
    change = paid - total
    cash = sum(p.amount for p in payments if p.method == CASH)
    if change > cash:
        raise PricingError(
            "change_without_cash",
            "Only cash gives change: other payments cannot exceed what is due.",
            total=total,
            paid=paid,
        )
    # The change comes out of the cash tendered, the last cash payment first.
    change_by_payment = [0] * len(payments)
    left = change
    for i in reversed(range(len(payments))):
        if left and payments[i].method == CASH:
            taken = min(left, payments[i].amount)
            change_by_payment[i] = taken
            left -= taken
    return Settlement(paid=paid, change=change, change_by_payment=tuple(change_by_payment))


def refund_share(amount: int, quantity: int, already: int, units: int) -> int:
    """The part of ``amount`` (a line's net or tax, for ``quantity`` units) that belongs to
    ``units`` more units after ``already`` were refunded. Refunding every unit, in any
    steps, gives back exactly ``amount``."""

    def upto(n: int) -> int:
        return round_half_up(Fraction(amount * n, quantity))

    return upto(already + units) - upto(already)
