"""Refunding a purchase with the fakes: the money goes back through the payment port, the
grant's unspent credits are withdrawn, a refund is kept and told as an event; a refusal
changes nothing."""

from decimal import Decimal

import pytest

from domain.events import CreditsWithdrawn, PurchaseRefunded
from domain.exceptions import (
    InvalidCreditWithdrawalException,
    InvalidRefundAmountException,
    InvalidRefundReasonException,
    PaymentNotTakenException,
    PurchaseNotFoundException,
)
from domain.sales import ClassPack, Money, PaymentMethod


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


@pytest.fixture
def sold(gym):
    """Ana bought a 10-class pack (90.00 EUR, 20 % tax) by card; history cleared."""
    ana = gym.add_member("Ana", credits=0)
    pack = gym.products.add(ClassPack("pack-10", "10 classes", 10, 90, eur("90.00"), Decimal("20")))
    purchase = gym.sell_product.execute(
        ana.id, pack.product_id, method=PaymentMethod.CARD_TERMINAL, recorded_by="Dee"
    )
    gym.clear_history()
    return ana, purchase


def refund(gym, purchase, amount="90.00", *, reason="Moved away", credits=None):
    return gym.refund_purchase.execute(
        purchase.purchase_id, eur(amount), reason=reason, recorded_by="Max", credits=credits
    )


def test_a_full_refund_pays_back_the_price_the_way_it_was_paid_and_withdraws_the_credits(gym, sold):
    # given
    ana, purchase = sold

    # when
    done = refund(gym, purchase)

    # then
    assert gym.credits(ana) == 0
    [request] = gym.payments.refunds
    assert (request.amount, request.method, request.purchase_reference) == (
        eur("90.00"),
        PaymentMethod.CARD_TERMINAL,
        purchase.reference,
    )
    assert (request.member_id, request.recorded_by, request.reason) == (ana.id, "Max", "Moved away")
    assert gym.purchases.refunds == [done]
    assert (done.amount, done.tax, done.credits_withdrawn) == (eur("90.00"), eur("15.00"), 10)
    assert (done.reference, done.recorded_by) == ("TEST-R1", "Max")


def test_a_refund_is_told_after_the_credits_it_withdrew(gym, sold):
    ana, purchase = sold

    done = refund(gym, purchase, "45.00", credits=4)

    withdrawn, refunded = gym.events
    assert isinstance(withdrawn, CreditsWithdrawn)
    assert (withdrawn.grant_id, withdrawn.amount) == (purchase.grant_id, 4)
    assert isinstance(refunded, PurchaseRefunded)
    assert (refunded.refund_id, refunded.purchase_id, refunded.member_id) == (
        done.refund_id,
        purchase.purchase_id,
        ana.id,
    )
    assert (refunded.amount, refunded.tax, refunded.currency) == ("45.00", "7.50", "EUR")
    assert (refunded.credits_withdrawn, refunded.payment_method) == (4, "card_terminal")
    assert refunded.occurred_at == gym.clock.now()


def test_spent_credits_stay_spent_only_the_unspent_are_withdrawn(gym, sold):
    ana, purchase = sold
    for _ in range(3):
        member = gym.members.get_by_id(ana.id)
        member.deduct_credit(now=gym.clock.now())
        gym.members.save(member)

    done = refund(gym, purchase, "63.00")

    assert done.credits_withdrawn == 7
    assert [grant.remaining for grant in gym.members.get_by_id(ana.id).grants] == [0]


def test_partial_refunds_add_up_to_the_price_and_no_further(gym, sold):
    ana, purchase = sold

    refund(gym, purchase, "30.00", credits=3)
    refund(gym, purchase, "60.00", credits=0)
    with pytest.raises(InvalidRefundAmountException, match=r"at most 0.00 EUR"):
        refund(gym, purchase, "0.01", credits=0)

    assert [r.amount for r in gym.purchases.refunds] == [eur("30.00"), eur("60.00")]
    assert sum(r.tax.amount for r in gym.purchases.refunds) == Decimal("15.00")
    assert gym.credits(ana) == 7


def nothing_changed(gym, ana) -> bool:
    return (
        gym.credits(ana) == 10
        and gym.purchases.refunds == []
        and gym.payments.refunds == []
        and gym.events == []
    )


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"amount": "90.01"}, InvalidRefundAmountException),
        ({"amount": "0.00"}, InvalidRefundAmountException),
        ({"reason": "  "}, InvalidRefundReasonException),
        ({"credits": 11}, InvalidCreditWithdrawalException),
        ({"credits": -1}, InvalidCreditWithdrawalException),
    ],
)
def test_bad_input_is_refused_and_nothing_is_refunded(gym, sold, changes, refusal):
    ana, purchase = sold

    with pytest.raises(refusal):
        refund(gym, purchase, **changes)

    assert nothing_changed(gym, ana)


def test_a_refund_the_payment_adapter_refuses_changes_nothing(gym, sold):
    ana, purchase = sold
    gym.payments.refuse = True

    with pytest.raises(PaymentNotTakenException):
        refund(gym, purchase)

    assert nothing_changed(gym, ana)


def test_an_unknown_purchase_is_refused(gym, sold):
    with pytest.raises(PurchaseNotFoundException):
        gym.refund_purchase.execute("nope", eur("1.00"), reason="x", recorded_by="Max")


def test_an_erased_members_purchase_can_still_be_refunded(gym, sold):
    ana, purchase = sold
    gym.erase_member.execute(ana.id)
    gym.clear_history()

    done = refund(gym, purchase, "90.00")

    assert done.credits_withdrawn == 10
    assert gym.events_of(PurchaseRefunded)[0].member_id == ana.id
