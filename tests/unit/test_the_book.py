"""The book's own tests ("Testing with Domain Events"), as printed where the code allows.

Each adaptation says why in a one-line comment.
"""

from datetime import datetime, timedelta
from unittest.mock import Mock

import pytest

# The book's infrastructure/ layer does not exist here: the dispatcher is framework-free.
from application.event_dispatcher import InMemoryEventDispatcher
from application.ports import NoticeKind  # the fakes record notices by kind
from domain.entities import Booking
from domain.events import BookingCancelled, ClassSpotBecameAvailable
from tests.fakes import FakeGym  # in-memory ports instead of the book's Mocks

# --- tests/unit/domain/test_booking_events.py -----------------------------------------------


def test_cancel_booking_raises_event():
    """Cancelling a booking should raise a BookingCancelled event."""
    # Arrange
    booking = Booking(booking_id="B001", member_id="M001", class_id="C001")
    class_start = datetime.now() + timedelta(hours=3)  # More than 2 hours away

    # Act
    booking.cancel(class_start, reason="Schedule conflict")

    # Assert
    events = booking.get_domain_events()
    assert len(events) == 1

    event = events[0]
    assert isinstance(event, BookingCancelled)
    assert event.booking_id == "B001"
    assert event.member_id == "M001"
    assert event.class_id == "C001"
    assert event.reason == "Schedule conflict"


def test_cancel_within_2_hours_does_not_raise_event():
    """If cancellation fails, no event should be raised."""
    booking = Booking(booking_id="B001", member_id="M001", class_id="C001")
    class_start = datetime.now() + timedelta(hours=1)  # Less than 2 hours

    # Cancellation should fail
    from domain.exceptions import BookingNotCancellableException

    with pytest.raises(BookingNotCancellableException):
        booking.cancel(class_start)

    # No event should be raised
    events = booking.get_domain_events()
    assert len(events) == 0


# --- tests/unit/application/test_waitlist_handler.py ---------------------------------------


def test_promotes_waitlisted_member_when_spot_available():
    """Handler should promote the first waitlisted member."""
    # Arrange: the real handler takes ports, not the book's Mock kwargs, so a fake gym instead
    gym = FakeGym()
    fitness_class = gym.add_class("C001", capacity=1)
    ana = gym.add_member("Ana", credits=1)
    anas_booking = gym.book_class.execute(ana.id, fitness_class.id)
    member = gym.add_member("M001", credits=0)
    gym.queue_up(fitness_class, member)
    # a spot nobody was promoted into (M001 had no credit when it was freed), then 5 credits
    gym.cancel_booking.execute(anas_booking.id)
    gym.add_credits.execute(member.id, 5)
    gym.clear_history()  # (M001 was told then why the spot passed her by)

    event = ClassSpotBecameAvailable(class_id=fitness_class.id)

    # Act
    gym.promote_waitlist.handle(event)

    # Assert: the end state the book's mock calls stand for (credit, booking, waitlist, notice)
    assert gym.credits(member) == 4
    assert gym.booked(fitness_class) == {member.id}
    assert gym.waiting(fitness_class) == []
    assert [notice.kind for notice in gym.notifications.notices_to(member.id)] == [
        NoticeKind.PROMOTED_FROM_WAITLIST
    ]


def test_does_nothing_when_no_waitlist():
    """Handler should do nothing if no one is waitlisted."""
    # Arrange: a fake gym instead of the book's Mocks; a member with credit who is not waiting
    gym = FakeGym()
    fitness_class = gym.add_class("C001")  # Empty waitlist
    member = gym.add_member("M001", credits=5)

    event = ClassSpotBecameAvailable(class_id=fitness_class.id)

    # Act
    gym.promote_waitlist.handle(event)

    # Assert: end state instead of `get_by_class` calls
    assert gym.waiting(fitness_class) == []
    # No other actions should be taken
    assert gym.booked(fitness_class) == frozenset()
    assert gym.credits(member) == 5
    assert gym.notifications.sent == []


# --- tests/unit/infrastructure/test_event_dispatcher.py -------------------------------------


def test_dispatches_event_to_registered_handler():
    """Dispatcher should call handlers registered for event type."""
    # Arrange
    dispatcher = InMemoryEventDispatcher()
    handler = Mock()

    dispatcher.register(BookingCancelled, handler)

    event = BookingCancelled(booking_id="B001", member_id="M001", class_id="C001")

    # Act
    dispatcher.dispatch([event])

    # Assert
    handler.assert_called_once_with(event)


def test_dispatches_to_multiple_handlers():
    """Multiple handlers can be registered for the same event."""
    dispatcher = InMemoryEventDispatcher()
    handler1 = Mock()
    handler2 = Mock()

    dispatcher.register(BookingCancelled, handler1)
    dispatcher.register(BookingCancelled, handler2)

    event = BookingCancelled(booking_id="B001", member_id="M001", class_id="C001")

    dispatcher.dispatch([event])

    handler1.assert_called_once_with(event)
    handler2.assert_called_once_with(event)


def test_ignores_events_with_no_handlers():
    """Dispatcher should not fail if no handlers are registered."""
    dispatcher = InMemoryEventDispatcher()

    event = BookingCancelled(booking_id="B001", member_id="M001", class_id="C001")

    # Should not raise an exception
    dispatcher.dispatch([event])
