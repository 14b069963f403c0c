"""A refund goes back the way its sale was paid: to the card for a sale paid online, at the
desk for any other; and never "at the desk" for an online sale where Stripe is not set up."""

from decimal import Decimal

import pytest

from application.selling_ports import Charge, PaymentTaken, RefundRequest
from domain.exceptions import PaymentNotTakenException
from domain.sales import Money, PaymentMethod
from payments.routing import PaymentsByMethod
from sales.payments import FrontDeskPayments


class CardRefunds:
    def __init__(self) -> None:
        self.asked: list[RefundRequest] = []

    def refund(self, request: RefundRequest) -> PaymentTaken:
        self.asked.append(request)
        return PaymentTaken(method=request.method, reference="re_1", recorded_by="Max")


def refund_of(method: PaymentMethod) -> RefundRequest:
    return RefundRequest(
        member_id="ana",
        purchase_reference="pi_1",
        method=method,
        amount=Money(Decimal("9.00"), "EUR"),
        recorded_by="Max",
        reason="Moved away",
    )


def test_a_sale_paid_online_is_refunded_to_the_card():
    card = CardRefunds()

    refunded = PaymentsByMethod(FrontDeskPayments(), card).refund(refund_of(PaymentMethod.ONLINE))

    assert refunded.reference == "re_1"
    assert [asked.purchase_reference for asked in card.asked] == ["pi_1"]


@pytest.mark.parametrize("method", [PaymentMethod.CASH, PaymentMethod.CARD_TERMINAL])
def test_a_desk_sale_is_refunded_at_the_desk(method):
    card = CardRefunds()

    refunded = PaymentsByMethod(FrontDeskPayments(), card).refund(refund_of(method))

    assert refunded.reference.startswith("DESK-R")
    assert card.asked == []


def test_an_online_sale_is_not_refunded_where_stripe_is_not_set_up():
    with pytest.raises(PaymentNotTakenException, match="cannot be refunded to the card"):
        PaymentsByMethod(FrontDeskPayments(), None).refund(refund_of(PaymentMethod.ONLINE))


def test_sales_are_taken_at_the_desk():
    charge = Charge(
        member_id="ana",
        amount=Money(Decimal("9.00"), "EUR"),
        method=PaymentMethod.CASH,
        recorded_by="Dee",
        description="5 classes",
    )

    taken = PaymentsByMethod(FrontDeskPayments(), CardRefunds()).take(charge)

    assert taken.reference.startswith("DESK-")
    assert taken.recorded_by == "Dee"
