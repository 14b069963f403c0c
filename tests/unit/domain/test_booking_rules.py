from datetime import timedelta

import pytest

from domain.entities import Booking, BookingStatus
from domain.events import BookingCancelled, BookingConfirmed
from domain.exceptions import BookingNotCancellableException, ClassAlreadyStartedException
from domain.values import BookingPolicy, CancellationCost, LateCancellation

FORFEIT = BookingPolicy(late_cancellation=LateCancellation.FORFEIT)


@pytest.fixture
def booking():
    return Booking(booking_id="B001", member_id="M001", class_id="C001")


def test_cancel_booking_raises_event(booking, now):
    """The book's test: cancelling records BookingCancelled with the booking's facts."""
    # given
    class_start = now + timedelta(hours=3)

    # when
    booking.cancel(class_start, reason="Schedule conflict", now=now)

    # then
    events = booking.get_domain_events()
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, BookingCancelled)
    assert event.booking_id == "B001"
    assert event.member_id == "M001"
    assert event.class_id == "C001"
    assert event.reason == "Schedule conflict"
    assert event.occurred_at == now
    assert (event.late, event.refunded, event.by_staff, event.with_class) == (
        False,
        True,
        False,
        False,
    )


def test_cancel_within_2_hours_does_not_raise_event(booking, now):
    """The book's test: a refused cancellation records nothing."""
    # given
    class_start = now + timedelta(hours=1)

    # when
    with pytest.raises(BookingNotCancellableException) as refused:
        booking.cancel(class_start, now=now)

    # then
    assert str(refused.value) == (
        "You can't cancel within 2 hours of class start; this class starts in 1 hour."
    )
    assert booking.get_domain_events() == []
    assert booking.status is BookingStatus.CONFIRMED


def test_the_refusal_never_says_the_class_starts_as_late_as_the_window(booking, now):
    # given: the class starts 15 seconds inside the window
    class_start = now + timedelta(hours=2) - timedelta(seconds=15)

    # when
    with pytest.raises(BookingNotCancellableException) as refused:
        booking.cancel(class_start, now=now)

    # then
    assert str(refused.value).endswith("this class starts in 1 hour 59 minutes.")


def test_a_cancelled_booking_keeps_when_and_why_and_is_due_a_refund(booking, now):
    # when
    booking.cancel(now + timedelta(days=1), reason="Sick", now=now)

    # then
    assert booking.status is BookingStatus.CANCELLED
    assert not booking.is_confirmed
    assert booking.cancelled_at == now
    assert booking.cancellation_reason == "Sick"
    assert booking.refund_due


def test_cancelling_exactly_at_the_edge_of_the_window_is_allowed(booking, now):
    booking.cancel(now + timedelta(hours=2), now=now)

    assert booking.status is BookingStatus.CANCELLED


def test_the_refusal_names_the_configured_window(booking, now):
    policy = BookingPolicy(cancellation_window=timedelta(hours=12))

    with pytest.raises(BookingNotCancellableException, match="within 12 hours"):
        booking.cancel(now + timedelta(hours=3), now=now, policy=policy)
    assert booking.is_confirmed


def test_with_the_forfeit_policy_a_late_cancellation_frees_the_spot_without_refund(booking, now):
    # when
    booking.cancel(now + timedelta(hours=1), reason="Traffic", now=now, policy=FORFEIT)

    # then
    assert booking.status is BookingStatus.LATE_CANCELLED
    assert not booking.is_confirmed
    assert booking.refund_due is False
    [event] = booking.get_domain_events()
    assert isinstance(event, BookingCancelled)
    assert (event.late, event.refunded, event.reason) == (True, False, "Traffic")


def test_with_the_forfeit_policy_an_early_cancellation_is_still_refunded(booking, now):
    booking.cancel(now + timedelta(hours=3), now=now, policy=FORFEIT)

    assert booking.status is BookingStatus.CANCELLED
    assert booking.refund_due
    [event] = booking.get_domain_events()
    assert (event.late, event.refunded) == (False, True)


def test_staff_cancel_bypasses_the_window_and_is_always_refunded(booking, now):
    # when: 30 minutes before the class
    booking.cancel_by_staff(now + timedelta(minutes=30), "Injured", now=now)

    # then
    assert booking.status is BookingStatus.CANCELLED
    assert booking.refund_due
    assert booking.cancellation_reason == "Injured"
    [event] = booking.get_domain_events()
    assert (event.reason, event.by_staff, event.late, event.refunded, event.with_class) == (
        "Injured",
        True,
        False,
        True,
        False,
    )


def test_staff_cancel_with_the_class_says_so(booking, now):
    booking.cancel_by_staff(now + timedelta(days=1), "Instructor ill", now=now, with_class=True)

    [event] = booking.get_domain_events()
    assert event.with_class is True


def test_an_already_cancelled_booking_cannot_be_cancelled_again(booking, now):
    # given
    booking.cancel(now + timedelta(days=1), now=now)

    # when/then
    with pytest.raises(BookingNotCancellableException, match="already cancelled"):
        booking.cancel(now + timedelta(days=1), now=now)
    with pytest.raises(BookingNotCancellableException, match="already cancelled"):
        booking.cancel_by_staff(now + timedelta(days=1), "Again", now=now)
    assert len(booking.get_domain_events()) == 1


def test_a_late_cancelled_booking_cannot_be_cancelled_again(booking, now):
    booking.cancel(now + timedelta(hours=1), now=now, policy=FORFEIT)

    with pytest.raises(BookingNotCancellableException):
        booking.cancel_by_staff(now + timedelta(hours=1), "Refund it anyway", now=now)
    assert booking.status is BookingStatus.LATE_CANCELLED


def test_a_booking_cannot_be_cancelled_once_the_class_has_started(booking, now):
    started = now - timedelta(minutes=5)

    with pytest.raises(ClassAlreadyStartedException):
        booking.cancel(started, now=now)
    with pytest.raises(ClassAlreadyStartedException):
        booking.cancel(started, now=now, policy=FORFEIT)
    with pytest.raises(ClassAlreadyStartedException):
        booking.cancel_by_staff(started, "Too late", now=now)
    assert booking.is_confirmed
    assert booking.get_domain_events() == []


def test_confirming_a_booking_records_booking_confirmed(now):
    # when
    booking = Booking.confirm("M001", "C001", now=now, credit_grant_id="G001")

    # then
    assert booking.is_confirmed
    assert (booking.member_id, booking.class_id) == ("M001", "C001")
    assert booking.created_at == now
    assert booking.credit_grant_id == "G001"
    [event] = booking.get_domain_events()
    assert isinstance(event, BookingConfirmed)
    assert (event.booking_id, event.member_id, event.class_id) == (booking.id, "M001", "C001")
    assert event.occurred_at == now


def test_each_confirmed_booking_gets_its_own_id(now):
    first = Booking.confirm("M001", "C001", now=now, credit_grant_id="G001")
    second = Booking.confirm("M001", "C002", now=now, credit_grant_id="G002")

    assert first.id != second.id


def test_recorded_events_are_handed_out_as_a_copy_until_cleared(booking, now):
    # given
    booking.cancel(now + timedelta(days=1), now=now)

    # when
    handed_out = booking.get_domain_events()
    handed_out.clear()

    # then
    assert len(booking.get_domain_events()) == 1
    booking.clear_domain_events()
    assert booking.get_domain_events() == []


@pytest.mark.parametrize(
    ("starts_in", "late_cancellation", "cost", "allowed"),
    [
        (timedelta(hours=3), LateCancellation.REFUSE, CancellationCost.REFUNDED, True),
        (timedelta(hours=2), LateCancellation.REFUSE, CancellationCost.REFUNDED, True),
        (timedelta(hours=1), LateCancellation.REFUSE, CancellationCost.CLOSED, False),
        (timedelta(hours=1), LateCancellation.FORFEIT, CancellationCost.FORFEITED, True),
        (timedelta(0), LateCancellation.FORFEIT, CancellationCost.STARTED, False),
        (-timedelta(minutes=5), LateCancellation.REFUSE, CancellationCost.STARTED, False),
    ],
)
def test_the_policy_tells_what_a_cancellation_would_cost_before_it_is_made(
    now, starts_in, late_cancellation, cost, allowed
):
    # given the gym's policy
    policy = BookingPolicy(late_cancellation=late_cancellation)

    # when a member looks at a class starting `starts_in` from now
    terms = policy.cancellation_terms(now + starts_in, now)

    # then the terms say what cancelling would do, in the member's words
    assert (terms.cost, terms.allowed) == (cost, allowed)
    assert (
        terms.message
        == {
            CancellationCost.REFUNDED: "Your credit will be refunded.",
            CancellationCost.FORFEITED: "Cancelling now is a late cancellation: the spot is freed "
            "but your credit is not refunded.",
            CancellationCost.CLOSED: "Cancellation closes 2 hours before the start.",
            CancellationCost.STARTED: "This class has started.",
        }[cost]
    )
