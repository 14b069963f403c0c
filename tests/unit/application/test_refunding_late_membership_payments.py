"""A membership's new period paid after the membership had ended, over the in-memory twins:
the payment is refunded in full and its subscription stopped, once per invoice, and recorded;
an invoice that renewed the membership is not refunded; with the provider out of reach
nothing is recorded."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from application.late_membership_payments import LatePayment
from domain.events import LateMembershipPaymentRefunded
from domain.exceptions import OnlinePaymentUnavailableException
from domain.sales import Money


def late(member_id: str, *, invoice_id: str = "in_2") -> LatePayment:
    return LatePayment(
        member_id=member_id,
        membership_id="membership-1",
        subscription_id="sub_1",
        invoice_id=invoice_id,
        amount=Money(Decimal("60.00"), "EUR"),
        ended_on=date(2026, 12, 1),
    )


def test_a_late_payment_is_refunded_its_subscription_stopped_and_recorded(gym):
    ana = gym.add_member("Ana", credits=0)
    gym.clear_history()

    reference = gym.refund_late_payment.execute(late(ana.id)).reference

    assert reference == "re_late-refund-in_2"
    assert gym.checkout.stopped == {"late-refund-in_2": ("sub_1", "in_2")}
    [event] = gym.events
    assert isinstance(event, LateMembershipPaymentRefunded)
    assert (event.membership_id, event.member_id, event.invoice_id) == (
        "membership-1",
        ana.id,
        "in_2",
    )
    assert (event.refund_reference, event.amount, event.currency) == (reference, "60.00", "EUR")
    assert event.reason == "The membership had ended on 01 December 2026."
    assert event.occurred_at == gym.clock.now()


def test_the_same_invoice_again_is_refunded_once(gym):
    ana = gym.add_member("Ana", credits=0)

    first = gym.refund_late_payment.execute(late(ana.id))
    again = gym.refund_late_payment.execute(late(ana.id))
    other = gym.refund_late_payment.execute(late(ana.id, invoice_id="in_3"))

    assert (first.given_before, again.given_before, other.given_before) == (False, True, False)
    assert first.reference == again.reference != other.reference
    assert set(gym.checkout.stopped) == {"late-refund-in_2", "late-refund-in_3"}
    assert len(gym.events_of(LateMembershipPaymentRefunded)) == 2


def test_an_invoice_that_renewed_the_membership_is_not_refunded(gym):
    ana = gym.add_member("Ana", credits=0)
    renewed_by_it = replace(late(ana.id), applied_references=("in_1", "in_2"))

    refund = gym.refund_late_payment.execute(renewed_by_it)

    assert refund.reference is None
    assert not gym.checkout.stopped
    assert not gym.events_of(LateMembershipPaymentRefunded)


def test_with_the_provider_out_of_reach_nothing_is_recorded(gym):
    ana = gym.add_member("Ana", credits=0)
    gym.clear_history()
    gym.checkout.unavailable = True

    with pytest.raises(OnlinePaymentUnavailableException):
        gym.refund_late_payment.execute(late(ana.id))

    assert not gym.checkout.stopped
    assert not gym.events_of(LateMembershipPaymentRefunded)
