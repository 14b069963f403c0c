from datetime import timedelta

import pytest

from application.ports import NoticeKind
from domain.entities import BookingStatus
from domain.events import BookingCancelled, ClassSpotBecameAvailable, CreditsAdded
from domain.exceptions import (
    BookingNotCancellableException,
    BookingNotFoundException,
    ClassAlreadyStartedException,
)
from domain.values import BookingPolicy, LateCancellation, PromotionInsideWindow
from tests.fakes import FakeGym


def event_names(gym):
    return [type(event).__name__ for event in gym.events]


def booked_member(gym, starts_in, credits=1):
    """Ana, booked on Spin (capacity 10, 9 others booked) starting `starts_in` from now."""
    ana = gym.add_member("Ana", credits=credits)
    spin = gym.add_class("Spin", capacity=10, booked=9, starts_in=starts_in)
    booking = gym.book_class.execute(ana.id, spin.id, late_confirmed=True)
    gym.clear_history()
    return ana, spin, booking


def test_cancelling_in_time_refunds_a_credit_that_expires_in_30_days(gym):
    # given: Spin starts in 3 hours
    ana, spin, booking = booked_member(gym, starts_in=timedelta(hours=3))
    now = gym.clock.now()

    # when
    gym.cancel_booking.execute(booking.id, reason="Schedule conflict")

    # then
    stored = gym.bookings.get_by_id(booking.id)
    assert stored.status is BookingStatus.CANCELLED
    assert (stored.cancelled_at, stored.cancellation_reason) == (now, "Schedule conflict")
    assert gym.credits(ana) == 1
    refund = gym.members.get_by_id(ana.id).grants[-1]
    assert (refund.amount, refund.remaining) == (1, 1)
    assert refund.expires_at == now + timedelta(days=30)
    assert refund.reason == "Refund: Spin"
    assert gym.classes.get_by_id(spin.id).spots_left == 1
    assert event_names(gym) == ["BookingCancelled", "ClassSpotBecameAvailable", "CreditsAdded"]
    [cancelled] = gym.events_of(BookingCancelled)
    assert (cancelled.booking_id, cancelled.member_id, cancelled.class_id) == (
        booking.id,
        ana.id,
        spin.id,
    )
    assert (cancelled.reason, cancelled.refunded, cancelled.late) == (
        "Schedule conflict",
        True,
        False,
    )
    [spot] = gym.events_of(ClassSpotBecameAvailable)
    assert (spot.class_id, spot.previous_booking_id) == (spin.id, booking.id)
    [credits_added] = gym.events_of(CreditsAdded)
    assert credits_added.grant_id == refund.grant_id


def test_the_refunded_credit_expires_after_the_configured_days():
    # given
    gym = FakeGym(policy=BookingPolicy(refund_expiry_days=7))
    ana, _spin, booking = booked_member(gym, starts_in=timedelta(days=1))

    # when
    gym.cancel_booking.execute(booking.id)

    # then
    refund = gym.members.get_by_id(ana.id).grants[-1]
    assert refund.expires_at == gym.clock.now() + timedelta(days=7)


def test_the_member_is_told_the_booking_is_cancelled_and_refunded(gym):
    ana, spin, booking = booked_member(gym, starts_in=timedelta(days=1))

    gym.cancel_booking.execute(booking.id, reason="Sick")

    [(notice, member_id, class_id)] = gym.notifications.sent
    assert (member_id, class_id) == (ana.id, spin.id)
    assert notice.kind is NoticeKind.BOOKING_CANCELLED
    assert (notice.reason, notice.refunded) == ("Sick", True)


def test_cancelling_within_2_hours_is_refused_and_changes_nothing(gym):
    # given: Spin starts in 1 hour
    ana, spin, booking = booked_member(gym, starts_in=timedelta(hours=1))

    # when/then
    with pytest.raises(BookingNotCancellableException) as refused:
        gym.cancel_booking.execute(booking.id)
    assert "within 2 hours of class start" in str(refused.value)
    assert gym.bookings.get_by_id(booking.id).status is BookingStatus.CONFIRMED
    assert gym.credits(ana) == 0
    assert gym.classes.get_by_id(spin.id).is_full()
    assert gym.events == []
    assert gym.notifications.sent == []


def test_with_the_forfeit_policy_a_late_cancellation_frees_the_spot_without_refund():
    # given: Spin starts in 1 hour; Ben waits with a credit; promotions inside the window
    gym = FakeGym(
        policy=BookingPolicy(
            late_cancellation=LateCancellation.FORFEIT,
            promotion_inside_window=PromotionInsideWindow.GRACE,
        )
    )
    ana, spin, booking = booked_member(gym, starts_in=timedelta(hours=1))
    ben = gym.add_member("Ben", credits=1)
    gym.queue_up(spin, ben)
    gym.clear_history()

    # when
    gym.cancel_booking.execute(booking.id)

    # then: cancelled as late, no refund, the spot went to Ben
    assert gym.bookings.get_by_id(booking.id).status is BookingStatus.LATE_CANCELLED
    assert gym.credits(ana) == 0
    assert gym.events_of(CreditsAdded) == []
    [cancelled] = gym.events_of(BookingCancelled)
    assert (cancelled.late, cancelled.refunded) == (True, False)
    booked = gym.booked(spin)
    assert ana.id not in booked
    assert ben.id in booked
    assert gym.credits(ben) == 0
    assert gym.waiting(spin) == []
    [ana_notice] = gym.notifications.notices_to(ana.id)
    assert (ana_notice.kind, ana_notice.refunded) == (NoticeKind.BOOKING_CANCELLED, False)


def test_cancelling_another_members_booking_is_reported_as_not_found(gym):
    # given
    _ana, spin, booking = booked_member(gym, starts_in=timedelta(days=1))
    ben = gym.add_member("Ben")

    # when/then
    with pytest.raises(BookingNotFoundException) as refused:
        gym.cancel_booking.execute(booking.id, member_id=ben.id)
    assert str(refused.value) == "That booking does not exist."
    assert gym.bookings.get_by_id(booking.id).is_confirmed
    assert gym.classes.get_by_id(spin.id).is_full()
    assert gym.events == []


def test_a_member_may_cancel_their_own_booking_by_id(gym):
    ana, _spin, booking = booked_member(gym, starts_in=timedelta(days=1))

    gym.cancel_booking.execute(booking.id, member_id=ana.id)

    assert gym.bookings.get_by_id(booking.id).status is BookingStatus.CANCELLED


def test_cancelling_an_unknown_booking_is_refused(gym):
    with pytest.raises(BookingNotFoundException):
        gym.cancel_booking.execute("no-such-booking")


def test_a_booking_cannot_be_cancelled_twice_nor_refunded_twice(gym):
    # given
    ana, _spin, booking = booked_member(gym, starts_in=timedelta(days=1))
    gym.cancel_booking.execute(booking.id)

    # when/then
    with pytest.raises(BookingNotCancellableException):
        gym.cancel_booking.execute(booking.id)
    assert gym.credits(ana) == 1
    assert len(gym.events_of(BookingCancelled)) == 1


def test_a_booking_cannot_be_cancelled_after_the_class_started(gym):
    # given: Spin started 5 minutes ago
    ana, spin, booking = booked_member(gym, starts_in=timedelta(hours=3))
    gym.clock.advance(hours=3, minutes=5)

    # when/then
    with pytest.raises(ClassAlreadyStartedException):
        gym.cancel_booking.execute(booking.id)
    with pytest.raises(ClassAlreadyStartedException):
        gym.staff_cancel_booking.execute(booking.id, "Too late")
    assert gym.bookings.get_by_id(booking.id).is_confirmed
    assert ana.id in gym.booked(spin)
    assert gym.events == []
