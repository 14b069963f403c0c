"""Each period of a membership paid is kept as a payment, in the transaction that starts or
renews the membership, and its event names it: the money side of the membership ledger."""

from datetime import timedelta
from decimal import Decimal

import pytest

from application.selling_ports import PaymentTaken
from domain.exceptions import AlreadyAMemberException, PaymentNotTakenException
from domain.membership_payments import MembershipPaymentKind
from domain.sales import Money, PaymentMethod
from tests.fakes.sales import membership_plan


@pytest.fixture
def plan(gym):
    return gym.membership_plans.add(membership_plan())


def start(gym, member, plan):
    return gym.start_membership.execute(
        member.id, plan.plan_id, method=PaymentMethod.CARD_TERMINAL, recorded_by="Dee"
    )


def test_a_start_keeps_the_first_periods_payment_and_its_event_names_it(gym, plan):
    ana = gym.add_member("Ana", credits=0)
    gym.clear_history()

    membership = start(gym, ana, plan)

    [payment] = gym.membership_payments.all()
    assert payment.kind is MembershipPaymentKind.START
    assert (payment.membership_id, payment.member_id, payment.plan_name) == (
        membership.membership_id,
        ana.id,
        plan.name,
    )
    assert (payment.price, payment.tax, payment.tax_rate) == (
        Money(Decimal("60.00"), "EUR"),
        Money(Decimal("10.00"), "EUR"),
        Decimal("20"),
    )
    assert (payment.period_start, payment.period_end) == (
        membership.period_start,
        membership.period_end,
    )
    assert (payment.method, payment.reference, payment.recorded_by) == (
        PaymentMethod.CARD_TERMINAL,
        "TEST-1",
        "Dee",
    )
    assert payment.paid_at == gym.clock.now()
    [event] = gym.events
    assert event.payment_id == payment.payment_id


def test_each_renewal_keeps_the_payment_of_the_period_it_moved_on_to(gym, plan):
    ana = gym.add_member("Ana")
    first = start(gym, ana, plan)
    first_end = first.period_end
    gym.clock.advance(days=29)
    gym.clear_history()

    gym.renew_membership.execute(ana.id, method=PaymentMethod.CASH, recorded_by="Dee")

    _, renewal = gym.membership_payments.all()
    assert renewal.kind is MembershipPaymentKind.RENEWAL
    assert renewal.period_start == first_end
    assert renewal.period_end == gym.members.get_by_id(ana.id).membership.period_end
    assert renewal.period_end > first_end + timedelta(days=27)
    assert (renewal.method, renewal.reference) == (PaymentMethod.CASH, "TEST-2")
    [event] = gym.events
    assert event.payment_id == renewal.payment_id


def test_a_replayed_renewal_keeps_no_second_payment(gym, plan):
    ana = gym.add_member("Ana")
    start(gym, ana, plan)
    invoice = PaymentTaken(method=PaymentMethod.ONLINE, reference="in_123", recorded_by="Online")

    gym.renew_membership.execute(ana.id, payment=invoice)
    gym.renew_membership.execute(ana.id, payment=invoice)

    assert [p.reference for p in gym.membership_payments.all()] == ["TEST-1", "in_123"]


@pytest.mark.parametrize(
    "refuse",
    [
        lambda gym, ana, plan: start(gym, ana, plan),
        lambda gym, ana, plan: setattr(gym.payments, "refuse", True),
    ],
    ids=["already a member", "payment refused"],
)
def test_a_refused_start_keeps_no_payment(gym, plan, refuse):
    ana = gym.add_member("Ana")
    refuse(gym, ana, plan)
    before = gym.membership_payments.all()

    with pytest.raises((AlreadyAMemberException, PaymentNotTakenException)):
        start(gym, ana, plan)

    assert gym.membership_payments.all() == before
