import pytest

from application.event_dispatcher import InMemoryEventDispatcher, handler_name
from domain.events import BookingCancelled, ClassSpotBecameAvailable


class Recorder:
    """A handler that remembers what it was given."""

    def __init__(self):
        self.received = []

    def handle(self, event):
        self.received.append(event)


def booking_cancelled():
    return BookingCancelled(booking_id="B001", member_id="M001", class_id="C001")


def test_dispatches_event_to_registered_handler():
    # given
    dispatcher = InMemoryEventDispatcher()
    handler = Recorder()
    dispatcher.register(BookingCancelled, handler.handle)
    event = booking_cancelled()

    # when
    dispatcher.dispatch([event])

    # then
    assert handler.received == [event]


def test_dispatches_to_multiple_handlers():
    # given
    dispatcher = InMemoryEventDispatcher()
    received = []

    def first(event):
        received.append(("first", event))

    def second(event):
        received.append(("second", event))

    dispatcher.register(BookingCancelled, first)
    dispatcher.register(BookingCancelled, second)
    event = booking_cancelled()

    # when
    dispatcher.dispatch([event])

    # then: each once, in the order they were registered
    assert received == [("first", event), ("second", event)]


def test_two_handlers_of_one_class_need_names_of_their_own():
    # given: handlers are named after class and method, so a second instance collides
    dispatcher = InMemoryEventDispatcher()
    email, in_app = Recorder(), Recorder()
    dispatcher.register(BookingCancelled, email.handle)

    # when/then
    with pytest.raises(ValueError, match="already registered"):
        dispatcher.register(BookingCancelled, in_app.handle)
    dispatcher.register(BookingCancelled, in_app.handle, name="in-app")
    dispatcher.dispatch([booking_cancelled()])
    assert (len(email.received), len(in_app.received)) == (1, 1)


def test_ignores_events_with_no_handlers():
    # given
    dispatcher = InMemoryEventDispatcher()
    handler = Recorder()
    dispatcher.register(ClassSpotBecameAvailable, handler.handle)

    # when
    dispatcher.dispatch([booking_cancelled()])

    # then
    assert handler.received == []


def test_each_handler_gets_only_its_own_event_type_in_dispatch_order():
    # given
    dispatcher = InMemoryEventDispatcher()
    cancellations, spots = Recorder(), Recorder()
    dispatcher.register(BookingCancelled, cancellations.handle)
    dispatcher.register(ClassSpotBecameAvailable, spots.handle)
    cancelled = booking_cancelled()
    spot_one = ClassSpotBecameAvailable(class_id="C001")
    spot_two = ClassSpotBecameAvailable(class_id="C002")

    # when
    dispatcher.dispatch([spot_one, cancelled, spot_two])

    # then
    assert cancellations.received == [cancelled]
    assert spots.received == [spot_one, spot_two]


def test_registering_the_same_handler_twice_for_an_event_type_is_refused():
    # given
    dispatcher = InMemoryEventDispatcher()
    handler = Recorder()
    dispatcher.register(BookingCancelled, handler.handle)

    # when/then
    with pytest.raises(ValueError, match=r"Recorder\.handle is already registered"):
        dispatcher.register(BookingCancelled, handler.handle)
    dispatcher.dispatch([booking_cancelled()])
    assert len(handler.received) == 1


def test_the_same_handler_may_serve_several_event_types_or_names():
    # given
    dispatcher = InMemoryEventDispatcher()
    handler = Recorder()

    # when
    dispatcher.register(BookingCancelled, handler.handle)
    dispatcher.register(ClassSpotBecameAvailable, handler.handle)
    dispatcher.register(BookingCancelled, handler.handle, name="audit")
    dispatcher.dispatch([booking_cancelled(), ClassSpotBecameAvailable(class_id="C001")])

    # then
    assert [type(event).__name__ for event in handler.received] == [
        "BookingCancelled",
        "BookingCancelled",
        "ClassSpotBecameAvailable",
    ]


def test_a_failing_handler_propagates_and_stops_the_dispatch():
    # given: fail-fast, as in the book (durable retries belong to the Django dispatcher)
    dispatcher = InMemoryEventDispatcher()
    after = Recorder()

    def explode(event):
        raise RuntimeError("mail server down")

    dispatcher.register(BookingCancelled, explode)
    dispatcher.register(BookingCancelled, after.handle)

    # when/then
    with pytest.raises(RuntimeError, match="mail server down"):
        dispatcher.dispatch([booking_cancelled()])
    assert after.received == []


def test_a_bound_handler_is_named_after_its_class_and_method():
    assert handler_name(Recorder().handle) == "Recorder.handle"
    assert handler_name(booking_cancelled) == "booking_cancelled"
