from decimal import Decimal

import pytest

from domain.exceptions import (
    IntroOfferAlreadyBoughtException,
    InvalidMoneyException,
    InvalidProductException,
    ProductNotOnSaleException,
)
from domain.sales import ClassPack, Money


def pack(**changes) -> ClassPack:
    values = {
        "product_id": "p1",
        "name": "10 classes",
        "credits": 10,
        "valid_days": 90,
        "price": Money(Decimal("90.00"), "EUR"),
        "tax_rate": Decimal("20"),
    }
    return ClassPack(**{**values, **changes})


def test_money_is_a_decimal_amount_to_the_cent_with_an_upper_case_currency():
    price = Money(Decimal("12.5"), "eur")

    assert (price.amount, price.currency) == (Decimal("12.50"), "EUR")
    assert str(price) == "12.50 EUR"
    assert price == Money(Decimal("12.50"), "EUR")


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        (12.5, "EUR"),  # a float is never money
        ("12.50", "EUR"),
        (Decimal("12.505"), "EUR"),  # past the cent
        (Decimal("-1.00"), "EUR"),
        (Decimal("NaN"), "EUR"),
        (Decimal("1.00"), "EURO"),
        (Decimal("1.00"), "E1R"),
        (Decimal("1.00"), ""),
    ],
)
def test_money_refuses_what_is_not_an_amount_in_a_currency(amount, currency):
    with pytest.raises(InvalidMoneyException):
        Money(amount, currency)


@pytest.mark.parametrize(
    ("price", "rate", "tax"),
    [
        ("10.00", "20", "1.67"),  # 1.6666… rounds up
        ("90.00", "20", "15.00"),
        ("12.00", "7.7", "0.86"),  # 0.8580…
        ("0.21", "5", "0.01"),
        ("1.05", "5", "0.05"),  # exactly 0.05
        ("0.63", "5", "0.03"),  # 0.030
        ("11.00", "10", "1.00"),
        ("9.99", "0", "0.00"),
    ],
)
def test_the_tax_inside_a_price_is_rounded_half_up_to_the_cent(price, rate, tax):
    assert Money(Decimal(price), "EUR").tax_included(Decimal(rate)) == Money(Decimal(tax), "EUR")


def test_a_tax_of_exactly_half_a_cent_rounds_up():
    # 0.05 at 100 % holds 0.025: half-up gives 0.03 (half-even would give 0.02).
    assert Money(Decimal("0.05"), "EUR").tax_included(Decimal("100")).amount == Decimal("0.03")


def test_a_pack_says_the_tax_in_its_price():
    assert pack().tax == Money(Decimal("15.00"), "EUR")


@pytest.mark.parametrize(
    "changes",
    [
        {"name": " "},
        {"credits": 0},
        {"credits": 1.5},
        {"valid_days": 0},
        {"tax_rate": Decimal("-1")},
        {"tax_rate": Decimal("100.5")},
        {"tax_rate": 20.0},
    ],
)
def test_an_invalid_pack_is_refused(changes):
    with pytest.raises(InvalidProductException):
        pack(**changes)


def test_a_pack_off_sale_is_not_sold():
    with pytest.raises(ProductNotOnSaleException):
        pack(active=False).ensure_sellable(bought_before=False)


def test_an_intro_offer_is_sold_once_per_member():
    intro = pack(intro_offer=True)

    intro.ensure_sellable(bought_before=False)
    with pytest.raises(IntroOfferAlreadyBoughtException):
        intro.ensure_sellable(bought_before=True)


def test_an_ordinary_pack_may_be_bought_again():
    pack().ensure_sellable(bought_before=True)
