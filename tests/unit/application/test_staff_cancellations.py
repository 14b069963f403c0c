from datetime import timedelta

import pytest

from application.ports import NoticeKind
from domain.entities import BookingStatus
from domain.events import (
    BookingCancelled,
    ClassCancelled,
    ClassSpotBecameAvailable,
    MemberLeftWaitlist,
    MemberPromotedFromWaitlist,
)
from domain.exceptions import (
    ClassAlreadyStartedException,
    ClassCancelledException,
    InvalidClassException,
)


def test_staff_cancel_a_booking_30_minutes_before_class_with_a_refund_and_the_reason(gym):
    # given: Spin starts in 30 minutes, inside the member's cancellation window
    ana = gym.add_member("Ana", credits=1)
    spin = gym.add_class("Spin", starts_in=timedelta(minutes=30))
    booking = gym.book_class.execute(ana.id, spin.id, late_confirmed=True)
    gym.clear_history()

    # when
    gym.staff_cancel_booking.execute(booking.id, "Injured at the front desk")

    # then
    stored = gym.bookings.get_by_id(booking.id)
    assert stored.status is BookingStatus.CANCELLED
    assert stored.cancellation_reason == "Injured at the front desk"
    assert gym.credits(ana) == 1
    assert gym.booked(spin) == frozenset()
    [cancelled] = gym.events_of(BookingCancelled)
    assert (cancelled.by_staff, cancelled.refunded, cancelled.late) == (True, True, False)
    assert cancelled.reason == "Injured at the front desk"
    [notice] = gym.notifications.notices_to(ana.id)
    assert notice.kind is NoticeKind.BOOKING_CANCELLED
    assert (notice.reason, notice.refunded) == ("Injured at the front desk", True)


def test_a_staff_cancellation_without_a_reason_says_the_gym_cancelled(gym):
    ana = gym.add_member("Ana", credits=1)
    spin = gym.add_class("Spin")
    booking = gym.book_class.execute(ana.id, spin.id)

    gym.staff_cancel_booking.execute(booking.id, "   ")

    assert gym.bookings.get_by_id(booking.id).cancellation_reason == "Cancelled by the gym"


def test_a_spot_freed_by_staff_goes_to_the_first_waiting_member(gym):
    # given
    ben = gym.add_member("Ben", credits=1)
    spin = gym.add_class("Spin", capacity=3, booked=3, starts_in=timedelta(hours=3))
    gym.queue_up(spin, ben)
    removed = gym.bookings.get_confirmed_by_class(spin.id)[0]

    # when
    gym.staff_cancel_booking.execute(removed.id, "Membership suspended")

    # then
    assert ben.id in gym.booked(spin)
    assert removed.member_id not in gym.booked(spin)
    assert gym.waiting(spin) == []
    assert gym.credits(ben) == 0


def cancelled_spin(gym):
    """Spin (capacity 2) with Ana and Ben booked and Cara and Dan waiting, then cancelled."""
    ana, ben = gym.add_member("Ana"), gym.add_member("Ben")
    cara, dan = gym.add_member("Cara"), gym.add_member("Dan")
    spin = gym.add_class("Spin", capacity=2)
    bookings = [gym.book_class.execute(member.id, spin.id) for member in (ana, ben)]
    gym.queue_up(spin, cara, dan)
    gym.clear_history()
    gym.cancel_class.execute(spin.id, "Instructor ill")
    return spin, (ana, ben), (cara, dan), bookings


def test_cancelling_a_class_cancels_and_refunds_every_booking(gym):
    # given/when
    spin, booked, _waiting, bookings = cancelled_spin(gym)

    # then
    for booking in bookings:
        stored = gym.bookings.get_by_id(booking.id)
        assert stored.status is BookingStatus.CANCELLED
        assert stored.cancellation_reason == "Instructor ill"
    assert gym.bookings.get_confirmed_by_class(spin.id) == []
    for member in booked:
        assert gym.credits(member) == 1
        refund = gym.members.get_by_id(member.id).grants[-1]
        assert refund.expires_at == gym.clock.now() + timedelta(days=30)
    cancellations = gym.events_of(BookingCancelled)
    assert {event.member_id for event in cancellations} == {member.id for member in booked}
    assert all(event.with_class and event.by_staff and event.refunded for event in cancellations)


def test_cancelling_a_class_empties_its_waitlist(gym):
    # given/when
    spin, _booked, waiting, _bookings = cancelled_spin(gym)

    # then
    assert gym.waiting(spin) == []
    left = gym.events_of(MemberLeftWaitlist)
    assert [event.member_id for event in left] == [member.id for member in waiting]
    assert {event.reason for event in left} == {"class cancelled"}
    for member in waiting:
        assert gym.credits(member) == 1


def test_cancelling_a_class_tells_booked_and_waiting_members_why(gym):
    # given/when
    spin, booked, waiting, _bookings = cancelled_spin(gym)

    # then: everyone hears of it, once
    for member in (*booked, *waiting):
        [notice] = gym.notifications.notices_to(member.id)
        assert notice.kind is NoticeKind.CLASS_CANCELLED
        assert notice.class_id == spin.id
    for member in booked:
        [notice] = gym.notifications.notices_to(member.id)
        assert (notice.reason, notice.refunded) == ("Instructor ill", True)
    # waiting members' notices carry no reason; it is read from the class they are told about
    assert gym.classes.get_by_id(spin.id).cancellation_reason == "Instructor ill"


def test_cancelling_a_class_records_class_cancelled_and_promotes_nobody(gym):
    # given/when
    spin, *_ = cancelled_spin(gym)

    # then
    [cancelled] = gym.events_of(ClassCancelled)
    assert (cancelled.class_id, cancelled.reason) == (spin.id, "Instructor ill")
    assert gym.events_of(ClassSpotBecameAvailable) == []
    assert gym.events_of(MemberPromotedFromWaitlist) == []
    stored = gym.classes.get_by_id(spin.id)
    assert stored.is_cancelled
    assert stored.cancellation_reason == "Instructor ill"


def test_a_cancelled_class_can_no_longer_be_booked_or_waited_for(gym):
    # given
    spin, *_ = cancelled_spin(gym)
    eve = gym.add_member("Eve", credits=1)

    # when/then
    with pytest.raises(ClassCancelledException):
        gym.book_class.execute(eve.id, spin.id)
    with pytest.raises(ClassCancelledException):
        gym.join_waitlist.execute(eve.id, spin.id)
    with pytest.raises(ClassCancelledException):
        gym.cancel_class.execute(spin.id, "Twice")
    assert gym.credits(eve) == 1
    assert gym.booked(spin) == frozenset()


def test_a_class_is_not_cancelled_without_a_reason(gym):
    # given
    ana = gym.add_member("Ana")
    spin = gym.add_class("Spin")
    gym.book_class.execute(ana.id, spin.id)
    gym.clear_history()

    # when/then
    with pytest.raises(InvalidClassException):
        gym.cancel_class.execute(spin.id, "  ")
    assert not gym.classes.get_by_id(spin.id).is_cancelled
    assert gym.booked(spin) == {ana.id}
    assert gym.events == []


def test_a_class_that_has_started_cannot_be_cancelled(gym):
    ana = gym.add_member("Ana")
    spin = gym.add_class("Spin", starts_in=timedelta(hours=1))
    gym.book_class.execute(ana.id, spin.id, late_confirmed=True)
    gym.clock.advance(hours=1, minutes=5)

    with pytest.raises(ClassAlreadyStartedException):
        gym.cancel_class.execute(spin.id, "Instructor ill")
    assert not gym.classes.get_by_id(spin.id).is_cancelled
    assert gym.booked(spin) == {ana.id}


def test_cancelling_a_class_refunds_a_member_already_checked_in_too(gym):
    # given Spin in 30 minutes; the front desk has checked Ana in, Ben not yet
    spin = gym.add_class("Spin", starts_in=timedelta(minutes=30))
    ana, ben = gym.add_member("Ana", credits=1), gym.add_member("Ben", credits=1)
    checked_in = gym.book_class.execute(ana.id, spin.id, late_confirmed=True)
    gym.book_class.execute(ben.id, spin.id, late_confirmed=True)
    gym.record_attendance.execute([checked_in.id], attended=True)

    # when staff cancel the class
    gym.cancel_class.execute(spin.id, "Flooded studio")

    # then both are cancelled and refunded
    assert gym.bookings.get_by_id(checked_in.id).status is BookingStatus.CANCELLED
    assert gym.credits(ana) == gym.credits(ben) == 1
