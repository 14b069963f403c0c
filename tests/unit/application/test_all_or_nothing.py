"""A use case that fails half-way stores nothing and dispatches nothing (the transaction)."""

import pytest

from domain.entities import BookingStatus
from tests.fakes import ConstraintViolation


def test_a_booking_whose_write_fails_leaves_the_credit_unspent_and_tells_nobody(gym):
    # given: the database refuses to store bookings
    ana = gym.add_member("Ana", credits=1)
    spin = gym.add_class("Spin", capacity=10, booked=3)
    gym.bookings.refuse_writes = True

    # when: the member's credit is spent and saved before the booking write fails
    with pytest.raises(ConstraintViolation):
        gym.book_class.execute(ana.id, spin.id)

    # then
    assert gym.credits(ana) == 1
    assert [g.remaining for g in gym.members.get_by_id(ana.id).grants] == [1]
    assert gym.classes.get_by_id(spin.id).spots_taken == 3
    assert gym.events == []
    assert gym.notifications.sent == []


def test_a_class_cancellation_that_fails_at_the_last_write_is_undone_entirely(gym):
    # given: Ana booked, Ben waiting; the waitlist cannot be written to
    ana, ben = gym.add_member("Ana"), gym.add_member("Ben")
    spin = gym.add_class("Spin", capacity=1)
    booking = gym.book_class.execute(ana.id, spin.id)
    gym.queue_up(spin, ben)
    gym.clear_history()
    gym.waitlist.refuse_writes = True

    # when: bookings are cancelled and refunds granted before the waitlist write fails
    with pytest.raises(ConstraintViolation):
        gym.cancel_class.execute(spin.id, "Instructor ill")

    # then
    assert gym.bookings.get_by_id(booking.id).status is BookingStatus.CONFIRMED
    assert gym.credits(ana) == 0
    assert len(gym.members.get_by_id(ana.id).grants) == 1
    assert gym.waiting(spin) == [ben.id]
    assert not gym.classes.get_by_id(spin.id).is_cancelled
    assert gym.events == []
    assert gym.notifications.sent == []
