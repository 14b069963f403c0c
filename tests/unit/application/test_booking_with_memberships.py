"""Booking on a membership: no credit spent within the plan's allowance; past it a credit,
else a refusal that says so; nothing on a frozen day; promotion from the waitlist too."""

from datetime import timedelta
from decimal import Decimal

import pytest

from application.fees import NextBookingFees
from domain.eligibility import PROMOTION_NEEDS, Hindrance
from domain.events import MemberSkippedOnWaitlist
from domain.exceptions import (
    AllowanceUsedUpException,
    BookingNotOpenException,
    MembershipFrozenException,
)
from domain.fees import NO_FEES, FeeTerms
from domain.memberships import Allowance, AllowancePeriod
from domain.sales import Money, PaymentMethod
from domain.values import BookingPolicy, LateCancellation
from tests.fakes import FakeGym
from tests.fakes.sales import membership_plan


def member_on(gym, plan, name="Ana", credits=0):
    gym.membership_plans.add(plan)
    member = gym.add_member(name, credits=credits)
    gym.start_membership.execute(
        member.id, plan.plan_id, method=PaymentMethod.CASH, recorded_by="Dee"
    )
    return gym.members.get_by_id(member.id)


def two_a_week():
    return membership_plan(plan_id="plan-2", allowance=Allowance(2, AllowancePeriod.WEEK))


def classes_this_week(gym, count):
    """`count` classes on Tuesday and after, all in the week of DEFAULT_NOW (a Monday)."""
    return [gym.add_class(f"Class {n}", starts_in=timedelta(days=1, hours=n)) for n in range(count)]


def test_a_member_books_within_her_allowance_without_a_credit(gym):
    ana = member_on(gym, two_a_week(), credits=3)
    spin, yoga = classes_this_week(gym, 2)

    booked = [gym.book_class.execute(ana.id, c.id) for c in (spin, yoga)]

    assert {b.membership_id for b in booked} == {ana.membership.membership_id}
    assert {b.credit_grant_id for b in booked} == {None}
    assert gym.credits(ana) == 3


def test_past_the_allowance_a_credit_pays(gym):
    ana = member_on(gym, two_a_week(), credits=1)
    first, second, third = classes_this_week(gym, 3)
    gym.book_class.execute(ana.id, first.id)
    gym.book_class.execute(ana.id, second.id)

    booking = gym.book_class.execute(ana.id, third.id)

    assert booking.membership_id is None and booking.credit_grant_id is not None
    assert gym.credits(ana) == 0


def test_past_the_allowance_without_a_credit_she_is_refused_with_the_limit(gym):
    ana = member_on(gym, two_a_week())
    first, second, third = classes_this_week(gym, 3)
    gym.book_class.execute(ana.id, first.id)
    gym.book_class.execute(ana.id, second.id)

    with pytest.raises(AllowanceUsedUpException) as refused:
        gym.book_class.execute(ana.id, third.id)

    assert "2 classes a week" in str(refused.value) and "Class packs" in str(refused.value)
    assert ana.id not in gym.booked(third)


def test_the_next_week_has_its_own_allowance(gym):
    ana = member_on(gym, two_a_week())
    for fitness_class in classes_this_week(gym, 2):
        gym.book_class.execute(ana.id, fitness_class.id)
    next_week = gym.add_class("Next week", starts_in=timedelta(days=8))

    assert gym.book_class.execute(ana.id, next_week.id).membership_id is not None


def test_an_unlimited_plan_pays_for_every_class_in_its_period(gym):
    ana = member_on(gym, membership_plan(plan_id="all", allowance=Allowance()))
    for fitness_class in classes_this_week(gym, 5):
        assert gym.book_class.execute(ana.id, fitness_class.id).membership_id is not None
    after_the_period = gym.add_class("April", starts_in=timedelta(days=32))
    with pytest.raises(Exception, match="no credits"):
        gym.book_class.execute(ana.id, after_the_period.id)


def test_nothing_is_booked_on_a_frozen_day_even_with_credits(gym):
    ana = member_on(gym, two_a_week(), credits=5)
    tuesday = gym.add_class("Spin", starts_in=timedelta(days=1))
    day = tuesday.starts_at.date()
    gym.freeze_membership.execute(ana.id, day, day)

    with pytest.raises(MembershipFrozenException, match="on hold"):
        gym.book_class.execute(ana.id, tuesday.id)

    assert ana.id not in gym.booked(tuesday)
    assert gym.credits(ana) == 5


def test_a_cancellation_in_time_gives_the_allowance_back_and_refunds_nothing(gym):
    ana = member_on(gym, two_a_week())
    first, second, third = classes_this_week(gym, 3)
    booking = gym.book_class.execute(ana.id, first.id)
    gym.book_class.execute(ana.id, second.id)

    cancelled = gym.cancel_booking.execute(booking.id, member_id=ana.id)

    assert not cancelled.refunded and gym.credits(ana) == 0
    assert gym.book_class.execute(ana.id, third.id).membership_id is not None


def test_a_late_cancellation_keeps_the_class_counted():
    gym = FakeGym(policy=BookingPolicy(late_cancellation=LateCancellation.FORFEIT))
    ana = member_on(gym, two_a_week())
    soon = gym.add_class("Soon", starts_in=timedelta(hours=1))
    later, third = classes_this_week(gym, 2)
    late = gym.book_class.execute(ana.id, soon.id, late_confirmed=True)
    gym.book_class.execute(ana.id, later.id)

    gym.cancel_booking.execute(late.id, member_id=ana.id)

    with pytest.raises(AllowanceUsedUpException):
        gym.book_class.execute(ana.id, third.id)


def test_a_class_the_gym_cancels_refunds_no_credit_for_a_membership_booking(gym):
    ana = member_on(gym, two_a_week())
    spin = gym.add_class("Spin")
    gym.book_class.execute(ana.id, spin.id)

    gym.cancel_class.execute(spin.id, "Instructor ill")

    assert gym.credits(ana) == 0
    assert gym.book_class.execute(ana.id, gym.add_class("Yoga").id).membership_id is not None


def test_a_waiting_member_with_a_membership_and_no_credit_is_promoted_on_it(gym):
    spin = gym.add_class("Spin", capacity=1)
    bea = gym.add_member("Bea")
    taken = gym.book_class.execute(bea.id, spin.id)
    ana = member_on(gym, two_a_week())
    gym.queue_up(spin, ana)

    gym.cancel_booking.execute(taken.id, member_id=bea.id)

    assert ana.id in gym.booked(spin)
    [promoted] = [b for b in gym.bookings.all() if b.member_id == ana.id]
    assert promoted.membership_id == ana.membership.membership_id
    assert promoted.credit_grant_id is None


def test_a_waiting_member_whose_allowance_is_used_is_skipped(gym):
    ana = member_on(gym, two_a_week())
    for fitness_class in classes_this_week(gym, 2):
        gym.book_class.execute(ana.id, fitness_class.id)
    spin = gym.add_class("Spin", capacity=1, starts_in=timedelta(days=2))
    bea = gym.add_member("Bea")
    taken = gym.book_class.execute(bea.id, spin.id)
    gym.queue_up(spin, ana)

    gym.cancel_booking.execute(taken.id, member_id=bea.id)

    assert ana.id not in gym.booked(spin)
    assert gym.waiting(spin) == [ana.id]


def test_a_plan_with_extra_days_books_that_much_earlier():
    gym = FakeGym(policy=BookingPolicy(booking_opens_before=timedelta(days=7)))
    early = membership_plan(
        plan_id="early", allowance=Allowance(2, AllowancePeriod.WEEK), extra_booking_window_days=2
    )
    ana = member_on(gym, early)
    bea = gym.add_member("Bea")
    in_eight_days = gym.add_class("Far", starts_in=timedelta(days=8))

    assert gym.book_class.execute(ana.id, in_eight_days.id).membership_id is not None
    with pytest.raises(BookingNotOpenException):
        gym.book_class.execute(bea.id, in_eight_days.id)


def test_a_waiting_member_on_hold_that_day_is_skipped_and_told_why(gym):
    spin = gym.add_class("Spin", capacity=1)
    bea = gym.add_member("Bea")
    taken = gym.book_class.execute(bea.id, spin.id)
    ana = member_on(gym, two_a_week(), credits=2)
    gym.queue_up(spin, ana)
    day = spin.starts_at.date()
    gym.freeze_membership.execute(ana.id, day, day)

    gym.cancel_booking.execute(taken.id, member_id=bea.id)

    assert gym.waiting(spin) == [ana.id]
    [skipped] = gym.events_of(MemberSkippedOnWaitlist)
    assert skipped.reason == "frozen"
    assert PROMOTION_NEEDS[Hindrance(skipped.reason)].startswith("your membership not")


def test_the_fees_told_before_booking_are_the_plan_s_while_it_pays_then_the_credit_s(gym):
    three = Money(Decimal("3.00"), "EUR")
    plan = membership_plan(
        plan_id="plan-1", allowance=Allowance(1, AllowancePeriod.WEEK), late_cancel_fee=three
    )
    ana = member_on(gym, plan, credits=1)
    first, second = classes_this_week(gym, 2)

    on_plan = gym.fee_terms.for_next_booking(ana.id, first.id)
    gym.book_class.execute(ana.id, first.id)
    on_credit = gym.fee_terms.for_next_booking(ana.id, second.id)

    assert on_plan == NextBookingFees(terms=FeeTerms(late_cancellation=three), by_membership=True)
    assert on_credit == NextBookingFees(terms=NO_FEES)  # a granted credit has none
    assert gym.credits(ana) == 1, "reading the fees spends nothing"
