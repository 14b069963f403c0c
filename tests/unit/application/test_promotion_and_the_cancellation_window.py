"""Promotion respects the member's ability to cancel: by default nobody is promoted inside the
cancellation window; with the grace setting, a member promoted there may cancel with a refund
for a grace period. A member booking inside the window must confirm that she cannot cancel."""

from datetime import timedelta

import pytest

from application.ports import NoticeKind
from domain.events import BookingCancelled, MemberPromotedFromWaitlist
from domain.exceptions import BookingNotCancellableException, LateBookingNotConfirmedException
from domain.values import BookingPolicy, LateCancellation, PromotionInsideWindow
from tests.fakes import FakeGym

GRACE = BookingPolicy(
    promotion_inside_window=PromotionInsideWindow.GRACE, promotion_grace=timedelta(minutes=30)
)


def freed_spot(gym, starts_in):
    """Spin (1 spot) with Ben waiting since the day before, with a credit; when Spin starts
    in `starts_in`, staff free the spot."""
    ben = gym.add_member("Ben", credits=1)
    spin = gym.add_class("Spin", capacity=1, booked=1, starts_in=timedelta(days=1))
    gym.queue_up(spin, ben)
    gym.clock.advance(seconds=(spin.starts_at - starts_in - gym.clock.now()).total_seconds())
    gym.clear_history()
    [taken] = gym.bookings.get_confirmed_by_class(spin.id)
    gym.staff_cancel_booking.execute(taken.id, "Injured")
    return spin, ben


def test_by_default_nobody_is_promoted_inside_the_cancellation_window():
    # given the default policy (window 2 hours); Spin starts in 89 minutes
    gym = FakeGym()
    spin, ben = freed_spot(gym, timedelta(minutes=89))

    # then Ben is not promoted: he could not have cancelled; he keeps his credit and place
    assert gym.events_of(MemberPromotedFromWaitlist) == []
    assert gym.waiting(spin) == [ben.id]
    assert gym.credits(ben) == 1


def test_a_promotion_before_the_window_says_until_when_cancelling_refunds():
    # given Spin starts in 3 hours (window 2 hours)
    gym = FakeGym()
    spin, ben = freed_spot(gym, timedelta(hours=3))

    # then Ben is promoted, told he can cancel with a refund until the window opens
    [promoted] = gym.events_of(MemberPromotedFromWaitlist)
    assert promoted.refundable_until == spin.starts_at - timedelta(hours=2)
    assert promoted.grace is False
    [notice] = gym.notifications.notices_to(ben.id)
    assert notice.kind is NoticeKind.PROMOTED_FROM_WAITLIST
    assert (notice.refundable_until, notice.grace) == (promoted.refundable_until, False)


def test_with_grace_a_member_promoted_inside_the_window_may_cancel_with_a_refund_for_a_while():
    # given promotions inside the window come with 30 minutes' grace; Spin in 89 minutes
    gym = FakeGym(policy=GRACE)
    _, ben = freed_spot(gym, timedelta(minutes=89))
    [promoted] = gym.events_of(MemberPromotedFromWaitlist)
    assert promoted.member_id == ben.id
    assert promoted.grace is True
    assert promoted.refundable_until == gym.clock.now() + timedelta(minutes=30)
    [notice] = gym.notifications.notices_to(ben.id)
    assert notice.grace is True

    # when Ben cancels 20 minutes later
    gym.clock.advance(minutes=20)
    gym.cancel_booking.execute(promoted.booking_id)

    # then it is refunded, although inside the window
    [cancelled] = gym.events_of(BookingCancelled)[-1:]
    assert (cancelled.late, cancelled.refunded) == (False, True)
    assert gym.credits(ben) == 1


def test_after_the_grace_period_the_window_applies_again():
    # given Ben was promoted 89 minutes before with 30 minutes' grace
    gym = FakeGym(policy=GRACE)
    freed_spot(gym, timedelta(minutes=89))
    [promoted] = gym.events_of(MemberPromotedFromWaitlist)

    # when he tries to cancel 31 minutes later
    gym.clock.advance(minutes=31)

    # then it is refused, as for any booking inside the window
    with pytest.raises(BookingNotCancellableException):
        gym.cancel_booking.execute(promoted.booking_id)


def test_the_grace_period_never_runs_past_the_start():
    # given Spin starts in 10 minutes, grace 30 minutes
    gym = FakeGym(policy=GRACE)
    spin, _ = freed_spot(gym, timedelta(minutes=10))

    # then the refund is possible until the start only
    [promoted] = gym.events_of(MemberPromotedFromWaitlist)
    assert promoted.refundable_until == spin.starts_at


# --- Booking inside the window asks for confirmation -----------------------------------------


@pytest.mark.parametrize(
    ("late_cancellation", "warning"),
    [
        (
            LateCancellation.REFUSE,
            "This class starts in 26 minutes, and bookings can't be cancelled within 2 hours "
            "of the start: once you book, you cannot cancel.",
        ),
        (
            LateCancellation.FORFEIT,
            "This class starts in 26 minutes, and cancelling within 2 hours of the start does "
            "not refund the credit: if you book and then cancel, your credit is lost.",
        ),
    ],
)
def test_booking_inside_the_window_without_confirming_is_refused_with_the_warning(
    late_cancellation, warning
):
    # given Spin starts in 26 minutes
    gym = FakeGym(policy=BookingPolicy(late_cancellation=late_cancellation))
    ana = gym.add_member("Ana", credits=1)
    spin = gym.add_class("Spin", starts_in=timedelta(minutes=26))

    # when Ana books without confirming
    with pytest.raises(LateBookingNotConfirmedException) as refused:
        gym.book_class.execute(ana.id, spin.id)

    # then she is told what it means, and nothing changed
    assert str(refused.value) == warning
    assert gym.booked(spin) == frozenset()
    assert gym.credits(ana) == 1
    assert gym.events == []


def test_booking_inside_the_window_after_confirming_books():
    gym = FakeGym()
    ana = gym.add_member("Ana", credits=1)
    spin = gym.add_class("Spin", starts_in=timedelta(minutes=26))

    gym.book_class.execute(ana.id, spin.id, late_confirmed=True)

    assert gym.booked(spin) == {ana.id}


@pytest.mark.parametrize("by_staff", [True, False], ids=["staff adding", "before the window"])
def test_no_confirmation_is_asked_of_staff_nor_before_the_window(by_staff):
    gym = FakeGym()
    ana = gym.add_member("Ana", credits=1)
    spin = gym.add_class(
        "Spin", starts_in=timedelta(minutes=26) if by_staff else timedelta(hours=2)
    )

    gym.book_class.execute(ana.id, spin.id, by_staff=by_staff)

    assert gym.booked(spin) == {ana.id}
