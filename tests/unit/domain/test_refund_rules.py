"""The rules of a refund: credits withdrawn from a grant (unspent ones only, never below zero)
and the amounts that may be given back (never more than was paid), with their tax part."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.entities import Member
from domain.events import CreditsWithdrawn
from domain.exceptions import (
    GrantNotFoundException,
    InvalidCreditWithdrawalException,
    InvalidRefundAmountException,
    InvalidRefundReasonException,
)
from domain.refunds import refund_tax, refundable
from domain.sales import ClassPack, Money, PaymentMethod, Purchase


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def holding(now, credits=10, spent=0) -> tuple[Member, str]:
    member = Member("ana", "Ana", "ana@example.com")
    grant = member.add_credits(credits, expiry_days=90, now=now)
    member.take_domain_events()
    for _ in range(spent):
        member.deduct_credit(now=now)
    return member, grant.grant_id


def sale(price="90.00", rate="20") -> Purchase:
    pack = ClassPack("pack", "10 classes", 10, 90, eur(price), Decimal(rate))
    sold_at = datetime(2030, 1, 1, tzinfo=UTC)
    return Purchase("p1", "ana", pack, "g1", PaymentMethod.CASH, "Dee", "DESK-1", sold_at)


# --- withdrawing credits ---------------------------------------------------------------------


def test_withdrawing_takes_every_unspent_credit_by_default_and_records_it(now):
    member, grant_id = holding(now, credits=10, spent=3)

    taken = member.withdraw_credits(grant_id, None, now=now, reason="Refund: 10 classes")

    assert taken == 7
    assert member.credits_at(now) == 0
    [(_, event)] = member.take_domain_events()
    assert isinstance(event, CreditsWithdrawn)
    assert (event.grant_id, event.amount, event.reason) == (grant_id, 7, "Refund: 10 classes")


def test_withdrawing_some_leaves_the_rest_to_spend(now):
    member, grant_id = holding(now, credits=10)

    assert member.withdraw_credits(grant_id, 4, now=now) == 4

    assert member.credits_at(now) == 6


@pytest.mark.parametrize("count", [8, -1, 1.5, True, "2"])
def test_more_than_the_unspent_credits_or_no_whole_number_is_refused(now, count):
    member, grant_id = holding(now, credits=10, spent=3)

    with pytest.raises(InvalidCreditWithdrawalException):
        member.withdraw_credits(grant_id, count, now=now)

    assert member.credits_at(now) == 7
    assert member.take_domain_events() == []


def test_withdrawing_none_records_nothing(now):
    member, grant_id = holding(now, credits=10)

    assert member.withdraw_credits(grant_id, 0, now=now) == 0

    assert member.credits_at(now) == 10
    assert member.take_domain_events() == []


def test_a_grant_spent_in_full_gives_nothing_back_and_stays_at_zero(now):
    member, grant_id = holding(now, credits=2, spent=2)

    assert member.withdraw_credits(grant_id, None, now=now) == 0
    with pytest.raises(InvalidCreditWithdrawalException):
        member.withdraw_credits(grant_id, 1, now=now)

    assert [grant.remaining for grant in member.grants] == [0]


def test_expired_credits_are_not_withdrawn(now):
    member, grant_id = holding(now, credits=5)
    later = now + timedelta(days=91)

    assert member.withdraw_credits(grant_id, None, now=later) == 0
    with pytest.raises(InvalidCreditWithdrawalException):
        member.withdraw_credits(grant_id, 1, now=later)


def test_an_unknown_grant_is_refused(now):
    member, _ = holding(now)

    with pytest.raises(GrantNotFoundException):
        member.withdraw_credits("no-such-grant", 1, now=now)


# --- amounts -----------------------------------------------------------------------------------


def test_a_full_refund_gives_back_the_sales_tax():
    assert refund_tax(sale(), eur("0"), eur("90.00"), "Moved away") == eur("15.00")


def test_partial_refunds_add_up_to_the_sales_tax_to_the_cent():
    purchase = sale(price="10.00")  # 1.67 tax inside
    parts = [eur("3.33"), eur("3.33"), eur("3.34")]
    refunded, taxes = Decimal(0), []
    for part in parts:
        taxes.append(refund_tax(purchase, eur(str(refunded)), part, "Partly unwell").amount)
        refunded += part.amount

    assert sum(taxes) == purchase.tax.amount == Decimal("1.67")


def test_what_is_left_to_refund_is_the_price_less_earlier_refunds():
    assert refundable(sale(), eur("40.00")) == eur("50.00")


@pytest.mark.parametrize(
    ("before", "amount"),
    [("0", "90.01"), ("40.00", "50.01"), ("90.00", "0.01"), ("0", "0")],
)
def test_more_than_what_is_left_or_nothing_is_refused(before, amount):
    with pytest.raises(InvalidRefundAmountException, match="at most"):
        refund_tax(sale(), eur(before), eur(amount), "Moved away")


def test_another_currency_is_refused():
    with pytest.raises(InvalidRefundAmountException):
        refund_tax(sale(), eur("0"), Money(Decimal("10.00"), "GBP"), "Moved away")


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_refund_needs_a_reason_of_sensible_length(reason):
    with pytest.raises(InvalidRefundReasonException):
        refund_tax(sale(), eur("0"), eur("10.00"), reason)
