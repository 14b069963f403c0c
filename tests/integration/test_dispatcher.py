"""The on-commit dispatcher: handlers run after the use case's transaction commits, never
before and never after a rollback; each in a transaction of its own, robustly, with the
event it was dispatched for bound at dispatch time."""

import dataclasses
import logging

import pytest
from django.db import DatabaseError, transaction

from bookings.models import Booking
from bookings.repositories import DjangoBookingRepository
from domain.events import BookingConfirmed, ClassSpotBecameAvailable, DomainEvent
from gymbooking.dispatcher import OnCommitEventDispatcher
from members.models import CreditGrant, Member
from tests.factories import FitnessClassFactory, MemberFactory, member_with_credits

pytestmark = pytest.mark.django_db


class Recorder:
    """A handler that remembers every event it was given."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def handle(self, event: DomainEvent) -> None:
        self.events.append(event)


class HandlerFailed(Exception):
    pass


FAILING_HANDLER_MEMBER = "Written by the failing handler"


def failing_handler(event: DomainEvent) -> None:
    """Writes a row, then fails: the row must roll back with the handler's transaction."""
    MemberFactory(name=FAILING_HANDLER_MEMBER, email="failing-handler@example.com")
    raise HandlerFailed(f"could not handle {type(event).__name__}")


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def dispatcher(recorder) -> OnCommitEventDispatcher:
    """A fresh dispatcher with one recording handler for the events these tests use."""
    dispatcher = OnCommitEventDispatcher()
    dispatcher.register(BookingConfirmed, recorder.handle)
    dispatcher.register(ClassSpotBecameAvailable, recorder.handle)
    return dispatcher


def spot_event(n: int) -> ClassSpotBecameAvailable:
    return ClassSpotBecameAvailable(class_id=f"class-{n}")


# --- Handlers run after commit, not before ----------------------------------------------------


def test_handlers_are_captured_not_run_before_the_transaction_commits(
    services, dispatcher, recorder, django_capture_on_commit_callbacks
):
    # given a member with a credit and a class, and the booking use case on a fresh dispatcher
    member = member_with_credits(1)
    fitness_class = FitnessClassFactory()
    book_class = dataclasses.replace(services.book_class, dispatcher=dispatcher)

    # when the member books while on-commit callbacks are captured but not executed
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        booking = book_class.execute(str(member.id), str(fitness_class.id))

    # then the booking is written, the handler is queued once, and it has not run yet
    assert Booking.objects.filter(pk=booking.id, status="confirmed").exists()
    assert len(callbacks) == 1
    assert recorder.events == []

    # and when the queued callback runs (as it would at commit), the handler sees the event
    callbacks[0]()
    assert [type(event) for event in recorder.events] == [BookingConfirmed]
    assert recorder.events[0].booking_id == booking.id


def test_the_real_dispatcher_queues_every_subscribed_handler_until_commit(
    services, mailoutbox, django_capture_on_commit_callbacks
):
    # given a member with a credit and a class
    member = member_with_credits(1)
    fitness_class = FitnessClassFactory()

    # when the member books with on-commit callbacks captured, not run
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.book_class.execute(str(member.id), str(fitness_class.id))

    # then the confirmation e-mail waits for the commit
    assert len(callbacks) == 1
    assert mailoutbox == []

    # and goes out once the callback runs
    callbacks[0]()
    assert [message.to for message in mailoutbox] == [[member.email]]


@pytest.mark.django_db(transaction=True)
def test_handlers_run_only_once_the_outermost_transaction_commits(dispatcher, recorder):
    # given an event dispatched inside a transaction (and a savepoint within it)
    event = spot_event(1)
    with transaction.atomic():
        with transaction.atomic():
            dispatcher.dispatch([event])
        # then leaving the savepoint is not a commit: nothing has run yet
        assert recorder.events == []

    # and after the real commit the handler has run, once, with the event
    assert recorder.events == [event]


# --- A rolled-back use case dispatches nothing ------------------------------------------------


class Abort(Exception):
    pass


def test_a_rolled_back_booking_dispatches_nothing_and_stores_nothing(
    services, mailoutbox, django_capture_on_commit_callbacks
):
    # given a member with one credit and a class
    member = member_with_credits(1)
    fitness_class = FitnessClassFactory()

    # when the booking succeeds but the surrounding transaction then fails
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Abort),
        transaction.atomic(),
    ):
        services.book_class.execute(str(member.id), str(fitness_class.id))
        raise Abort

    # then no handler was queued, no e-mail sent, and nothing was stored
    assert callbacks == []
    assert mailoutbox == []
    assert not Booking.objects.exists()
    assert CreditGrant.objects.get(member=member).remaining == 1


def test_a_use_case_failing_half_way_stores_nothing_and_dispatches_nothing(
    services, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    # given the database refuses to store bookings (after the credit was already spent)
    def refuse(self, booking):
        raise DatabaseError("the database refused the write")

    monkeypatch.setattr(DjangoBookingRepository, "save", refuse)
    member = member_with_credits(1)
    fitness_class = FitnessClassFactory()

    # when the member books
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(DatabaseError),
    ):
        services.book_class.execute(str(member.id), str(fitness_class.id))

    # then the spent credit was rolled back, and nothing was dispatched or sent
    assert CreditGrant.objects.get(member=member).remaining == 1
    assert not Booking.objects.exists()
    assert callbacks == []
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_never_runs_its_handlers(dispatcher, recorder):
    # when an event is dispatched in a transaction that rolls back
    with pytest.raises(Abort), transaction.atomic():
        dispatcher.dispatch([spot_event(1)])
        raise Abort

    # then its handlers never run, not even after a later commit
    with transaction.atomic():
        pass
    assert recorder.events == []


# --- Robust handlers in their own transactions ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_failing_handler_does_not_stop_the_others_and_only_its_own_writes_roll_back(
    services, recorder, caplog
):
    # given a fresh dispatcher where a failing handler comes before a recording one
    dispatcher = OnCommitEventDispatcher()
    dispatcher.register(BookingConfirmed, failing_handler, name="failing")
    dispatcher.register(BookingConfirmed, recorder.handle, name="recording")
    book_class = dataclasses.replace(services.book_class, dispatcher=dispatcher)
    member = member_with_credits(1)
    fitness_class = FitnessClassFactory()

    # when a member books (for real: the use case commits, then the handlers run)
    with caplog.at_level(logging.ERROR, logger="gymbooking.dispatcher"):
        booking = book_class.execute(str(member.id), str(fitness_class.id))

    # then the use case's writes are committed
    assert Booking.objects.filter(pk=booking.id, status="confirmed").exists()
    assert CreditGrant.objects.get(member=member).remaining == 0
    # and the failing handler's write was rolled back with its own transaction
    assert not Member.objects.filter(name=FAILING_HANDLER_MEMBER).exists()
    # and the handler after it still ran, with the event
    assert [event.booking_id for event in recorder.events] == [booking.id]
    # and the failure was logged with the handler and the event
    assert any(
        "failing failed on BookingConfirmed" in record.getMessage() for record in caplog.records
    )


def test_a_failing_handler_does_not_stop_the_others_when_callbacks_are_captured(
    services, recorder, django_capture_on_commit_callbacks
):
    # given a fresh dispatcher where a failing handler comes before a recording one
    dispatcher = OnCommitEventDispatcher()
    dispatcher.register(BookingConfirmed, failing_handler, name="failing")
    dispatcher.register(BookingConfirmed, recorder.handle, name="recording")
    book_class = dataclasses.replace(services.book_class, dispatcher=dispatcher)
    member = member_with_credits(1)
    fitness_class = FitnessClassFactory()

    # when a member books and the captured callbacks are executed
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        booking = book_class.execute(str(member.id), str(fitness_class.id))

    # then both handlers were queued, the second ran, and only the first one's write is gone
    assert len(callbacks) == 2
    assert [event.booking_id for event in recorder.events] == [booking.id]
    assert Booking.objects.filter(pk=booking.id, status="confirmed").exists()
    assert not Member.objects.filter(name=FAILING_HANDLER_MEMBER).exists()


# --- Arguments are bound when dispatched ------------------------------------------------------


def test_events_dispatched_together_reach_the_handler_as_themselves(
    dispatcher, recorder, django_capture_on_commit_callbacks
):
    # given two different events
    first, second = spot_event(1), spot_event(2)

    # when both are dispatched at once and the callbacks run after commit
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dispatcher.dispatch([first, second])

    # then each callback delivered its own event, in order (not the last one twice)
    assert len(callbacks) == 2
    assert recorder.events == [first, second]


def test_events_dispatched_in_a_loop_reach_the_handler_as_themselves(
    dispatcher, recorder, django_capture_on_commit_callbacks
):
    # given several events
    events = [spot_event(n) for n in range(5)]

    # when they are dispatched one by one in a loop, and run only after the loop is over
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for event in events:
            dispatcher.dispatch([event])
    for callback in callbacks:
        callback()

    # then every handler call received the event it was dispatched with
    assert recorder.events == events
