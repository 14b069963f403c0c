"""Memberships bought online, over the in-memory twins: joining is refused as the desk would
refuse it, a paid subscription starts the membership (method ONLINE, the invoice as its
reference, the subscription kept) or is refunded and stopped; a member's changes to one
billed online are told to the provider first, and its refusal changes nothing."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from application.online_memberships import UNCHANGED, PaidSubscription
from application.selling_ports import PaymentTaken
from domain.events import MembershipCheckoutStarted, MembershipStarted, OnlineMembershipRefunded
from domain.exceptions import (
    AlreadyAMemberException,
    InvalidFreezeException,
    MemberCannotBuyException,
    MembershipBilledOnlineException,
    OnlinePaymentUnavailableException,
    PlanNotOnSaleException,
)
from domain.sales import Money, PaymentMethod
from tests.fakes.sales import membership_plan


@pytest.fixture
def plan(gym):
    return gym.membership_plans.add(membership_plan())


def join(gym, member, plan):
    return gym.start_membership_checkout.execute(
        member.id, plan.plan_id, success_url="https://gym.test/ok", cancel_url="https://no"
    )


def paid(member, plan, *, amount=None) -> PaidSubscription:
    return PaidSubscription(
        session_id="cs_sub_1",
        member_id=member.id,
        plan_id=plan.plan_id,
        subscription_id="sub_1",
        invoice_id="in_1",
        amount=amount or plan.price,
    )


def online_member(gym, plan):
    ana = gym.add_member("Ana", credits=0)
    gym.complete_membership_checkout.execute(paid(ana, plan))
    gym.clear_history()
    return ana


def test_joining_asks_the_provider_for_a_monthly_subscription_at_the_plans_price(gym, plan):
    ana = gym.add_member("Ana", credits=0)
    gym.clear_history()

    session = join(gym, ana, plan)

    [request] = gym.checkout.subscribing
    assert (request.member_id, request.plan_id, request.interval) == (ana.id, plan.plan_id, "month")
    assert request.amount == plan.price
    assert session.session_id == "cs_sub_1"
    [event] = gym.events
    assert isinstance(event, MembershipCheckoutStarted)
    assert (event.price, event.billing_period) == ("60.00", "monthly")


@pytest.mark.parametrize("refusal", ["member", "off sale", "closed"])
def test_joining_is_refused_as_the_desk_would_refuse_it(gym, plan, refusal):
    ana = gym.add_member("Ana", credits=0)
    expected = {
        "member": AlreadyAMemberException,
        "off sale": PlanNotOnSaleException,
        "closed": MemberCannotBuyException,
    }[refusal]
    if refusal == "member":
        gym.start_membership.execute(
            ana.id, plan.plan_id, method=PaymentMethod.CASH, recorded_by="Dee"
        )
    elif refusal == "off sale":
        plan = gym.membership_plans.add(membership_plan(plan_id="old", on_sale=False))
    else:
        closed = gym.members.get_by_id(ana.id)
        closed.is_active = False
        gym.members.save(closed)
    gym.clear_history()

    with pytest.raises(expected):
        join(gym, ana, plan)

    assert not gym.checkout.subscribing
    assert not gym.events


def test_a_paid_subscription_starts_the_membership_renewed_by_it(gym, plan):
    ana = gym.add_member("Ana", credits=0)
    gym.clear_history()

    outcome = gym.complete_membership_checkout.execute(paid(ana, plan))

    membership = gym.members.get_by_id(ana.id).membership
    assert outcome.membership == membership
    assert (membership.payment_method, membership.payment_reference) == ("online", "in_1")
    assert membership.external_subscription_id == "sub_1"
    assert gym.checkout.cards[ana.id] == "card of sub_1"
    assert not gym.payments.charges
    [event] = gym.events
    assert isinstance(event, MembershipStarted)
    assert (event.payment_method, event.recorded_by) == ("online", "Online")


def test_a_paid_subscription_that_can_no_longer_start_is_refunded_and_stopped(gym, plan):
    ana = gym.add_member("Ana", credits=0)
    gym.start_membership.execute(ana.id, plan.plan_id, method=PaymentMethod.CASH, recorded_by="D")
    gym.clear_history()

    outcome = gym.complete_membership_checkout.execute(paid(ana, plan))
    again = gym.complete_membership_checkout.execute(paid(ana, plan))

    assert outcome.membership is None and outcome.refund_reference == "re_refund-cs_sub_1"
    assert again.refund_reference == outcome.refund_reference
    assert gym.checkout.stopped == {"refund-cs_sub_1": ("sub_1", "in_1")}
    assert gym.members.get_by_id(ana.id).membership.payment_method == "cash"
    assert isinstance(gym.events[0], OnlineMembershipRefunded)
    assert "already has a membership" in gym.events[0].reason


def test_an_amount_that_is_not_the_plans_price_now_is_refunded(gym, plan):
    ana = gym.add_member("Ana", credits=0)
    cheaper = Money(Decimal("50.00"), "EUR")

    outcome = gym.complete_membership_checkout.execute(paid(ana, plan, amount=cheaper))

    assert outcome.membership is None and "plan's price" in outcome.reason
    assert gym.members.get_by_id(ana.id).membership is None


def test_cancelling_and_undoing_tell_the_subscription_first_with_a_key_each(gym, plan):
    ana = online_member(gym, plan)

    gym.membership_changes.cancel_at_period_end(ana.id)
    gym.membership_changes.cancel_at_period_end(ana.id, undo=True)

    [(sub, cancel, first), (_, undo, second)] = gym.subscriptions.told
    assert (sub, cancel, undo) == (
        "sub_1",
        {"cancel_at_period_end": True},
        {"cancel_at_period_end": False},
    )
    assert first != second and first.startswith("sub_1-")
    assert not gym.members.get_by_id(ana.id).membership.cancel_at_period_end


def test_a_freeze_pauses_the_subscription_until_the_day_after(gym, plan):
    """The gym's clock is UTC here (the twins' default)."""
    ana = online_member(gym, plan)
    today = gym.clock.now().date()
    last = today + timedelta(days=6)

    gym.membership_changes.freeze(ana.id, today, last)
    gym.membership_changes.unfreeze(ana.id)

    [(_, pause, _), (_, resume, _)] = gym.subscriptions.told
    assert pause == {"resumes_at": datetime.combine(last + timedelta(1), time(), tzinfo=UTC)}
    assert resume == {"resumes_at": None}


def test_the_providers_refusal_changes_nothing_and_says_so(gym, plan):
    ana = online_member(gym, plan)
    gym.subscriptions.unavailable = True

    with pytest.raises(OnlinePaymentUnavailableException, match="nothing was changed") as refused:
        gym.membership_changes.cancel_at_period_end(ana.id)

    assert str(refused.value) == UNCHANGED
    assert not gym.members.get_by_id(ana.id).membership.cancel_at_period_end
    assert not gym.events


def test_what_the_membership_refuses_is_never_told(gym, plan):
    ana = online_member(gym, plan)

    with pytest.raises(InvalidFreezeException):
        gym.membership_changes.freeze(ana.id, date(2000, 1, 1), date(2000, 1, 2))
    with pytest.raises(InvalidFreezeException):
        gym.membership_changes.unfreeze(ana.id)

    assert not gym.subscriptions.told
    assert gym.members.get_by_id(ana.id).membership.freezes == []


def test_a_desk_membership_changes_without_the_provider(gym, plan):
    ana = gym.add_member("Ana", credits=0)
    gym.start_membership.execute(ana.id, plan.plan_id, method=PaymentMethod.CASH, recorded_by="D")
    gym.subscriptions.unavailable = True

    gym.membership_changes.cancel_at_period_end(ana.id)

    assert gym.members.get_by_id(ana.id).membership.cancel_at_period_end
    assert not gym.subscriptions.told


def test_a_membership_its_subscription_renews_is_not_renewed_at_the_desk_too(gym, plan):
    ana = online_member(gym, plan)
    before = gym.members.get_by_id(ana.id).membership

    with pytest.raises(MembershipBilledOnlineException, match="pay twice"):
        gym.renew_membership.execute(ana.id, method=PaymentMethod.CASH, recorded_by="Dee")

    assert gym.members.get_by_id(ana.id).membership.period_end == before.period_end
    assert gym.payments.charges == []
    assert not gym.events
    # Its invoice, paid online, still renews it.
    assert gym.renew_membership.execute(
        ana.id, payment=PaymentTaken(method=PaymentMethod.ONLINE, reference="in_2", recorded_by="")
    )
