from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.exceptions import (
    InvalidFreezeException,
    InvalidMembershipPlanException,
    MembershipEndedException,
    MembershipNotCancellableException,
    PlanNotOnSaleException,
)
from domain.memberships import (
    Allowance,
    AllowancePeriod,
    BillingPeriod,
    CoverState,
    Freeze,
    Membership,
    MembershipStatus,
)
from domain.sales import Money
from domain.values import BookingPolicy
from tests.fakes.sales import membership_plan

NOW = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)  # a Monday
TODAY = NOW.date()
MADRID = ZoneInfo("Europe/Madrid")


def started(plan=None, now=NOW) -> Membership:
    return Membership.start(
        "ana", plan or membership_plan(), method="cash", reference="DESK-1", now=now
    )


# --- allowances -------------------------------------------------------------------------------


def test_a_week_is_an_iso_week_on_the_location_clock():
    # Sunday 23:30 UTC is already Monday in Madrid: the next week there
    since, until = AllowancePeriod.WEEK.window(datetime(2030, 3, 10, 23, 30, tzinfo=UTC), MADRID)
    assert since == datetime(2030, 3, 11, tzinfo=MADRID)
    assert until == datetime(2030, 3, 18, tzinfo=MADRID)


def test_a_month_is_a_calendar_month_on_the_location_clock():
    since, until = AllowancePeriod.MONTH.window(datetime(2030, 12, 31, 23, 30, tzinfo=UTC), MADRID)
    assert (since, until) == (
        datetime(2031, 1, 1, tzinfo=MADRID),
        datetime(2031, 2, 1, tzinfo=MADRID),
    )


def test_an_allowance_has_room_until_its_classes_are_used():
    eight = Allowance(8, AllowancePeriod.MONTH)
    assert eight.has_room(7)
    assert not eight.has_room(8)
    assert Allowance().has_room(1000)
    assert str(eight) == "8 classes a month"
    assert str(Allowance(1, AllowancePeriod.WEEK)) == "1 class a week"
    assert str(Allowance()) == "Unlimited classes"


@pytest.mark.parametrize(
    "classes, per",
    [(0, AllowancePeriod.WEEK), (8, None), (None, AllowancePeriod.MONTH), (-1, None)],
)
def test_an_allowance_is_unlimited_or_a_positive_number_per_period(classes, per):
    with pytest.raises(InvalidMembershipPlanException):
        Allowance(classes, per)


def test_a_plan_s_fees_are_in_its_currency():
    fee = Money(Decimal("5.00"), "EUR")
    plan = membership_plan(late_cancel_fee=fee, no_show_fee=fee)
    assert (plan.late_cancel_fee, plan.no_show_fee) == (fee, fee)
    with pytest.raises(InvalidMembershipPlanException):
        membership_plan(no_show_fee=Money(Decimal("5.00"), "GBP"))


def test_a_plan_s_extra_booking_days_are_zero_to_a_year():
    assert membership_plan(extra_booking_window_days=365).extra_booking_window_days == 365
    with pytest.raises(InvalidMembershipPlanException):
        membership_plan(extra_booking_window_days=366)


# --- periods ----------------------------------------------------------------------------------


def test_a_monthly_membership_runs_a_calendar_month_and_the_31st_ends_on_a_short_month():
    assert started().period_end == NOW.replace(month=4)
    january = datetime(2030, 1, 31, 9, tzinfo=UTC)
    assert started(now=january).period_end == datetime(2030, 2, 28, 9, tzinfo=UTC)
    yearly = started(membership_plan(billing_period=BillingPeriod.YEARLY))
    assert yearly.period_end == NOW.replace(year=2031)


def test_a_plan_off_sale_starts_no_membership():
    with pytest.raises(PlanNotOnSaleException):
        started(membership_plan(on_sale=False))


def test_a_renewal_moves_the_period_on_once_per_payment():
    membership = started()
    assert membership.renew("INV-1", now=NOW)
    assert not membership.renew("INV-1", now=NOW)
    assert (membership.period_start, membership.period_end) == (
        NOW.replace(month=4),
        NOW.replace(month=5),
    )


# --- covering a class ---------------------------------------------------------------------------


def test_a_class_in_the_period_is_paid_until_the_allowance_is_used():
    membership = started()
    tomorrow = NOW + timedelta(days=1)
    assert membership.cover(tomorrow, UTC, used=7).state is CoverState.PAYS
    assert membership.cover(tomorrow, UTC, used=8).state is CoverState.USED_UP
    assert membership.cover(NOW.replace(month=4), UTC, used=0) is None  # past its end
    assert membership.cover(NOW - timedelta(minutes=1), UTC, used=0) is None


def test_a_class_on_a_frozen_day_is_not_paid():
    membership = started()
    hold = membership.freeze(date(2030, 3, 10), date(2030, 3, 12), today=TODAY, max_days=30)
    cover = membership.cover(datetime(2030, 3, 12, 20, tzinfo=UTC), UTC, used=0)
    assert (cover.state, cover.freeze) == (CoverState.FROZEN, hold)
    assert membership.cover(datetime(2030, 3, 13, 8, tzinfo=UTC), UTC, used=0).pays


def test_a_plan_s_extra_days_open_booking_earlier():
    policy = BookingPolicy(booking_opens_before=timedelta(days=7))
    membership = started(membership_plan(extra_booking_window_days=2))
    assert membership.booking_policy(policy).booking_opens_before == timedelta(days=9)
    assert started().booking_policy(policy) is policy
    assert membership.booking_policy(BookingPolicy()).booking_opens_before is None


# --- freezes ----------------------------------------------------------------------------------


def test_a_freeze_moves_the_period_end_on_by_the_frozen_days():
    membership = started()
    hold = membership.freeze(date(2030, 3, 10), date(2030, 3, 19), today=TODAY, max_days=30)
    assert hold.days == 10
    assert membership.period_end == NOW.replace(month=4) + timedelta(days=10)
    assert membership.status_on(date(2030, 3, 10)) is MembershipStatus.FROZEN
    assert membership.status_on(date(2030, 3, 20)) is MembershipStatus.ACTIVE


@pytest.mark.parametrize(
    "starts_on, ends_on, message",
    [
        (TODAY - timedelta(days=1), TODAY, "today or later"),
        (TODAY + timedelta(days=3), TODAY + timedelta(days=2), "today or later"),
        (TODAY, TODAY + timedelta(days=30), "at most 30 days"),
        (date(2030, 4, 4), date(2030, 4, 5), "before the current period ends"),
    ],
)
def test_a_freeze_is_not_in_the_past_not_too_long_and_in_the_period(starts_on, ends_on, message):
    membership = started()
    with pytest.raises(InvalidFreezeException, match=message):
        membership.freeze(starts_on, ends_on, today=TODAY, max_days=30)
    assert membership.freezes == []
    assert membership.period_end == NOW.replace(month=4)


def test_one_freeze_at_a_time():
    membership = started()
    membership.freeze(date(2030, 3, 10), date(2030, 3, 12), today=TODAY, max_days=30)
    with pytest.raises(InvalidFreezeException, match="already has a freeze"):
        membership.freeze(date(2030, 3, 20), date(2030, 3, 22), today=TODAY, max_days=30)


def test_unfreezing_a_freeze_not_begun_gives_all_its_days_back():
    membership = started()
    membership.freeze(date(2030, 3, 10), date(2030, 3, 19), today=TODAY, max_days=30)
    assert membership.unfreeze(today=TODAY) == 10
    assert membership.freezes == []
    assert membership.period_end == NOW.replace(month=4)


def test_unfreezing_midway_keeps_the_days_frozen_so_far():
    membership = started()
    membership.freeze(date(2030, 3, 10), date(2030, 3, 19), today=TODAY, max_days=30)
    assert membership.unfreeze(today=date(2030, 3, 13)) == 7
    assert membership.freezes == [Freeze(date(2030, 3, 10), date(2030, 3, 12))]
    assert membership.period_end == NOW.replace(month=4) + timedelta(days=3)
    with pytest.raises(InvalidFreezeException, match="not frozen"):
        membership.unfreeze(today=date(2030, 3, 13))


# --- cancelling at the period end ------------------------------------------------------------


def test_a_membership_cancelled_at_its_period_end_lapses_then():
    membership = started()
    membership.schedule_cancellation()
    assert membership.status_on(TODAY) is MembershipStatus.CANCELLING
    assert not membership.has_lapsed(NOW.replace(month=4) - timedelta(seconds=1))
    assert membership.has_lapsed(NOW.replace(month=4))
    with pytest.raises(MembershipNotCancellableException, match="already ends"):
        membership.schedule_cancellation()
    with pytest.raises(MembershipNotCancellableException, match="undo that to renew"):
        membership.renew("INV-2", now=NOW)


def test_a_cancellation_is_undone_before_the_end_and_the_membership_renews_again():
    membership = started()
    membership.schedule_cancellation()
    membership.undo_cancellation()
    assert membership.status_on(TODAY) is MembershipStatus.ACTIVE
    assert membership.renew("INV-2", now=NOW)
    with pytest.raises(MembershipNotCancellableException, match="not set to end"):
        membership.undo_cancellation()


def test_an_ended_membership_changes_no_more():
    membership = started()
    membership.end(now=NOW)
    assert membership.status_on(TODAY) is MembershipStatus.ENDED
    assert membership.cover(NOW + timedelta(days=1), UTC, used=0) is None
    for change in (
        membership.schedule_cancellation,
        lambda: membership.renew("INV-2", now=NOW),
        lambda: membership.freeze(TODAY, TODAY, today=TODAY, max_days=30),
    ):
        with pytest.raises(MembershipEndedException):
            change()
