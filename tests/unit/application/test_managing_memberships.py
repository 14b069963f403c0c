"""Starting, renewing, freezing, cancelling and ending memberships, each with its event."""

from datetime import timedelta
from decimal import Decimal

import pytest

from application.selling_ports import PaymentTaken
from domain.events import (
    MembershipCancellationScheduled,
    MembershipCancellationUndone,
    MembershipEnded,
    MembershipFrozen,
    MembershipRenewalFailed,
    MembershipRenewed,
    MembershipStarted,
    MembershipUnfrozen,
)
from domain.exceptions import (
    AlreadyAMemberException,
    InvalidFreezeException,
    MemberCannotBuyException,
    MembershipNotFoundException,
    MembershipPlanNotFoundException,
    PaymentNotTakenException,
    PlanNotOnSaleException,
)
from domain.sales import Money, PaymentMethod
from tests.fakes.sales import membership_plan


@pytest.fixture
def plan(gym):
    return gym.membership_plans.add(membership_plan())


def start(gym, member, plan):
    return gym.start_membership.execute(
        member.id, plan.plan_id, method=PaymentMethod.CARD_TERMINAL, recorded_by="Dee"
    )


def membership(gym, member):
    return gym.members.get_by_id(member.id).membership


def test_a_membership_sold_at_the_desk_starts_now_for_one_period(gym, plan):
    ana = gym.add_member("Ana", credits=0)
    gym.clear_history()

    started = start(gym, ana, plan)

    assert membership(gym, ana) == started
    assert started.period_start == gym.clock.now()
    assert started.period_end == gym.clock.now().replace(month=4)
    [charge] = gym.payments.charges
    assert charge.amount == Money(Decimal("60.00"), "EUR")
    [event] = gym.events
    assert isinstance(event, MembershipStarted)
    assert (event.price, event.tax, event.tax_rate, event.currency) == (
        "60.00",
        "10.00",
        "20",
        "EUR",
    )
    assert (event.payment_method, event.payment_reference, event.recorded_by) == (
        "card_terminal",
        "TEST-1",
        "Dee",
    )


@pytest.mark.parametrize(
    "setup, refusal",
    [
        (lambda gym, ana, plan: start(gym, ana, plan), AlreadyAMemberException),
        (
            lambda gym, ana, plan: gym.membership_plans.add(membership_plan(on_sale=False)),
            PlanNotOnSaleException,
        ),
        (lambda gym, ana, plan: setattr(gym.payments, "refuse", True), PaymentNotTakenException),
    ],
    ids=["already a member", "off sale", "payment refused"],
)
def test_a_refused_start_changes_nothing_more(gym, plan, setup, refusal):
    ana = gym.add_member("Ana", credits=0)
    setup(gym, ana, plan)
    before = membership(gym, ana)
    gym.clear_history()

    with pytest.raises(refusal):
        start(gym, ana, plan)

    assert membership(gym, ana) == before
    assert gym.events == []


def test_an_unknown_plan_or_a_closed_account_starts_nothing(gym, plan):
    ana = gym.add_member("Ana")
    with pytest.raises(MembershipPlanNotFoundException):
        gym.start_membership.execute(ana.id, "nope", method=PaymentMethod.CASH, recorded_by="D")
    closed = gym.members.get_by_id(ana.id)
    closed.is_active = False
    gym.members.save(closed)
    with pytest.raises(MemberCannotBuyException):
        start(gym, ana, plan)
    assert membership(gym, ana) is None


def test_a_renewal_is_applied_once_per_payment_reference(gym, plan):
    ana = gym.add_member("Ana")
    start(gym, ana, plan)
    invoice = PaymentTaken(method=PaymentMethod.CARD_TERMINAL, reference="in_123", recorded_by="")
    gym.clear_history()

    assert gym.renew_membership.execute(ana.id, payment=invoice)
    assert not gym.renew_membership.execute(ana.id, payment=invoice)

    assert membership(gym, ana).period_end == gym.clock.now().replace(month=5)
    [renewed] = gym.events
    assert isinstance(renewed, MembershipRenewed) and renewed.payment_reference == "in_123"
    assert gym.payments.charges[1:] == []  # the processor took it: nothing charged here


def test_a_renewal_paid_clears_the_failure_before_it(gym, plan):
    ana = gym.add_member("Ana")
    start(gym, ana, plan)
    gym.record_renewal_failure.execute(ana.id, "card declined")

    gym.renew_membership.execute(ana.id, method=PaymentMethod.CASH, recorded_by="Dee")

    assert membership(gym, ana).renewal_failed_at is None


def test_a_renewal_at_the_desk_takes_the_payment(gym, plan):
    ana = gym.add_member("Ana")
    start(gym, ana, plan)

    assert gym.renew_membership.execute(ana.id, method=PaymentMethod.CASH, recorded_by="Dee")

    assert [c.description for c in gym.payments.charges] == [
        "8 classes a month membership",
        "8 classes a month membership renewal",
    ]
    assert membership(gym, ana).payment_reference == "TEST-2"


def test_a_failed_renewal_keeps_the_membership_until_its_end_then_it_lapses(gym, plan):
    ana = gym.add_member("Ana")
    start(gym, ana, plan)
    gym.clear_history()

    gym.record_renewal_failure.execute(ana.id, "card declined")
    assert membership(gym, ana).renewal_failed_at == gym.clock.now()
    assert not gym.end_lapsed_membership.execute(ana.id)
    gym.clock.advance(days=31)
    assert gym.members.ids_with_lapsed_memberships(gym.clock.now()) == [ana.id]
    assert gym.end_lapsed_membership.execute(ana.id)

    failed, ended = gym.events
    assert isinstance(failed, MembershipRenewalFailed) and failed.reason == "card declined"
    assert isinstance(ended, MembershipEnded) and not ended.cancelled
    assert membership(gym, ana) is None
    assert not gym.end_lapsed_membership.execute(ana.id)


def test_a_cancelled_membership_ends_at_its_period_end_and_can_be_undone_before(gym, plan):
    ana = gym.add_member("Ana")
    start(gym, ana, plan)
    gym.clear_history()

    gym.cancel_membership.execute(ana.id)
    gym.cancel_membership.execute(ana.id, undo=True)
    gym.cancel_membership.execute(ana.id)
    gym.clock.advance(days=31)
    gym.end_lapsed_membership.execute(ana.id)

    assert [type(e) for e in gym.events] == [
        MembershipCancellationScheduled,
        MembershipCancellationUndone,
        MembershipCancellationScheduled,
        MembershipEnded,
    ]
    assert gym.events[-1].cancelled
    assert membership(gym, ana) is None


def test_a_freeze_moves_the_renewal_and_unfreezing_gives_the_days_back(gym, plan):
    ana = gym.add_member("Ana")
    start(gym, ana, plan)
    today = gym.clock.now().date()
    gym.clear_history()

    gym.freeze_membership.execute(ana.id, today + timedelta(days=2), today + timedelta(days=5))
    frozen_end = membership(gym, ana).period_end
    assert gym.unfreeze_membership.execute(ana.id) == 4

    assert frozen_end == gym.clock.now().replace(month=4) + timedelta(days=4)
    assert membership(gym, ana).period_end == gym.clock.now().replace(month=4)
    frozen, unfrozen = gym.events
    assert isinstance(frozen, MembershipFrozen) and frozen.ends_on == str(today + timedelta(days=5))
    assert isinstance(unfrozen, MembershipUnfrozen) and unfrozen.days_given_back == 4


def test_a_freeze_longer_than_the_setting_is_refused(gym, plan):
    ana = gym.add_member("Ana")
    start(gym, ana, plan)
    today = gym.clock.now().date()
    gym.clear_history()

    with pytest.raises(InvalidFreezeException, match="at most 30 days"):
        gym.freeze_membership.execute(ana.id, today, today + timedelta(days=30))

    assert membership(gym, ana).freezes == [] and gym.events == []


def test_changing_a_membership_nobody_holds_is_refused(gym):
    ana = gym.add_member("Ana")
    for change in (
        lambda: gym.cancel_membership.execute(ana.id),
        lambda: gym.unfreeze_membership.execute(ana.id),
        lambda: gym.record_renewal_failure.execute(ana.id, "declined"),
        lambda: gym.renew_membership.execute(ana.id, recorded_by="Dee"),
    ):
        with pytest.raises(MembershipNotFoundException):
            change()
    assert gym.payments.charges == []
