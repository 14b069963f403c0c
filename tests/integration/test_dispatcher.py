"""The durable dispatcher seen from a use case: events and deliveries are recorded in the use
case's transaction; handlers run after it commits, never before and never after a rollback;
each delivery runs in a transaction of its own, robustly, with the event it was dispatched
for bound at dispatch time (and restored from the event log)."""

import dataclasses
import logging

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from application.unit_of_work import unit_of_work_factory
from bookings.models import Booking
from bookings.repositories import DjangoBookingRepository
from domain.events import BookingConfirmed, ClassCapacityChanged, ClassSpotBecameAvailable
from domain.values import new_id
from events.dispatcher import DurableEventDispatcher
from events.models import Delivery, StoredEvent
from gymbooking.composition import DjangoTransactions, django_repositories
from members.models import CreditGrant, Member
from tests.factories import FitnessClassFactory, MemberFactory, member_with_credits

pytestmark = pytest.mark.django_db


class Recorder:
    """A handler that remembers every event it was given."""

    def __init__(self) -> None:
        self.events: list = []

    def handle(self, event) -> None:
        self.events.append(event)


class HandlerFailed(Exception):
    pass


FAILING_HANDLER_MEMBER = "Written by the failing handler"


def failing_handler(event) -> None:
    """Writes a row, then fails: the row must roll back with the delivery's transaction."""
    MemberFactory(name=FAILING_HANDLER_MEMBER, email=f"failing-{event.event_id}@example.com")
    raise HandlerFailed(f"could not handle {type(event).__name__}")


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def dispatcher(recorder) -> DurableEventDispatcher:
    """A fresh dispatcher with one recording handler for the events these tests use."""
    dispatcher = DurableEventDispatcher()
    dispatcher.register(BookingConfirmed, recorder.handle, name="recording")
    dispatcher.register(ClassSpotBecameAvailable, recorder.handle, name="recording")
    return dispatcher


def booking_through(services, dispatcher):
    """The booking use case, its events dispatched by `dispatcher` alone."""
    uow = unit_of_work_factory(django_repositories(), DjangoTransactions(), dispatcher)
    return dataclasses.replace(services.book_class, uow=uow)


def spot_event() -> ClassSpotBecameAvailable:
    return ClassSpotBecameAvailable(class_id=new_id(), previous_booking_id=new_id())


def statuses() -> list[str]:
    return list(Delivery.objects.order_by("id").values_list("status", flat=True))


# --- Recorded with the change, run after commit -----------------------------------------------


def test_the_event_and_its_delivery_are_recorded_but_not_run_before_the_commit(
    services, dispatcher, recorder, django_capture_on_commit_callbacks
):
    # given a member with a credit and a class, and the booking use case on a fresh dispatcher
    member = member_with_credits(1)
    fitness_class = FitnessClassFactory()
    book_class = booking_through(services, dispatcher)

    # when the member books while on-commit callbacks are captured but not executed
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        booking = book_class.execute(str(member.id), str(fitness_class.id))

    # then the booking, its event and one pending delivery are written, and nothing has run
    assert Booking.objects.filter(pk=booking.id, status="confirmed").exists()
    event = StoredEvent.objects.get()
    assert event.type == "BookingConfirmed"
    assert event.payload["booking_id"] == booking.id
    assert statuses() == ["pending"]
    assert len(callbacks) == 1
    assert recorder.events == []

    # and when the queued callback runs (as it would at commit), the handler sees the event
    callbacks[0]()
    assert [type(event) for event in recorder.events] == [BookingConfirmed]
    assert recorder.events[0].booking_id == booking.id
    assert statuses() == ["delivered"]


def test_the_real_composition_root_sends_the_confirmation_only_after_commit(
    services, mailoutbox, mail_worker, django_capture_on_commit_callbacks
):
    # given a member with a credit and a class
    member = member_with_credits(1)
    fitness_class = FitnessClassFactory()

    # when the member books with on-commit callbacks captured, not run
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.book_class.execute(str(member.id), str(fitness_class.id))

    # then the confirmation waits for the commit: one callback, for the in-app delivery of
    # the event; the e-mail delivery is in the mail queue, the workers' from the start
    assert len(callbacks) == 1
    assert mailoutbox == []
    assert set(Delivery.objects.values_list("handler", "queue", "status")) == {
        ("NotificationHandler.email", "mail", "pending"),
        ("NotificationHandler.in_app", "fast", "pending"),
    }

    # and the in-app notice is delivered once the callback runs, the e-mail still waiting
    callbacks[0]()
    assert mailoutbox == []
    assert set(Delivery.objects.values_list("handler", "status")) == {
        ("NotificationHandler.email", "pending"),
        ("NotificationHandler.in_app", "delivered"),
    }

    # and the e-mail goes out when a mail worker runs
    assert mail_worker() == "Ran 1 delivery."
    assert [message.to for message in mailoutbox] == [[member.email]]
    assert set(statuses()) == {"delivered"}


def test_an_event_nobody_listens_to_is_logged_without_deliveries_or_callbacks(
    dispatcher, django_capture_on_commit_callbacks
):
    # given an event no handler of this dispatcher is registered for
    event = ClassCapacityChanged(class_id=new_id(), old_capacity=10, new_capacity=12)

    # when it is dispatched
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dispatcher.dispatch([event])

    # then it is in the event log (the audit trail), with nothing to deliver
    assert StoredEvent.objects.filter(pk=event.event_id, type="ClassCapacityChanged").exists()
    assert not Delivery.objects.exists()
    assert callbacks == []


@pytest.mark.django_db(transaction=True)
def test_handlers_run_only_once_the_outermost_transaction_commits(dispatcher, recorder):
    # given an event dispatched inside a transaction (and a savepoint within it)
    event = spot_event()
    with transaction.atomic():
        with transaction.atomic():
            dispatcher.dispatch([event])
        # then leaving the savepoint is not a commit: nothing has run yet
        assert recorder.events == []
        assert statuses() == ["pending"]

    # and after the real commit the handler has run, once, with the event
    assert recorder.events == [event]
    assert statuses() == ["delivered"]


# --- A rolled-back use case dispatches nothing and stores nothing -----------------------------


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

    # then no handler was queued, no e-mail sent, and nothing was stored, not even the event
    assert callbacks == []
    assert mailoutbox == []
    assert not Booking.objects.exists()
    assert CreditGrant.objects.get(member=member).remaining == 1
    assert not StoredEvent.objects.exists()
    assert not Delivery.objects.exists()


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

    # then the spent credit was rolled back, and nothing was logged, dispatched or sent
    assert CreditGrant.objects.get(member=member).remaining == 1
    assert not Booking.objects.exists()
    assert not StoredEvent.objects.exists()
    assert callbacks == []
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_never_runs_its_handlers(dispatcher, recorder):
    # when an event is dispatched in a transaction that rolls back
    with pytest.raises(Abort), transaction.atomic():
        dispatcher.dispatch([spot_event()])
        raise Abort

    # then its handlers never run, not even after a later commit, and it left no trace
    with transaction.atomic():
        pass
    assert recorder.events == []
    assert not StoredEvent.objects.exists()
    assert not Delivery.objects.exists()


# --- Robust handlers in their own transactions ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_failing_handler_does_not_stop_the_others_and_only_its_own_writes_roll_back(
    services, recorder, caplog
):
    # given a fresh dispatcher where a failing handler comes before a recording one
    dispatcher = DurableEventDispatcher()
    dispatcher.register(BookingConfirmed, failing_handler, name="failing")
    dispatcher.register(BookingConfirmed, recorder.handle, name="recording")
    book_class = booking_through(services, dispatcher)
    member = member_with_credits(1)
    fitness_class = FitnessClassFactory()

    # when a member books (for real: the use case commits, then the deliveries run)
    with caplog.at_level(logging.ERROR, logger="events.dispatcher"):
        booking = book_class.execute(str(member.id), str(fitness_class.id))

    # then the use case's writes are committed
    assert Booking.objects.filter(pk=booking.id, status="confirmed").exists()
    assert CreditGrant.objects.get(member=member).remaining == 0
    # and the failing handler's write was rolled back with its own delivery
    assert not Member.objects.filter(name=FAILING_HANDLER_MEMBER).exists()
    # and the handler after it still ran, with the event
    assert [event.booking_id for event in recorder.events] == [booking.id]
    # and each delivery says how it went
    assert dict(Delivery.objects.values_list("handler", "status")) == {
        "failing": "failed",
        "recording": "delivered",
    }
    # and the failure was logged with the handler, the event and the error
    [logged] = [r.getMessage() for r in caplog.records if r.name == "events.dispatcher"]
    assert "failing failed on BookingConfirmed" in logged
    assert "could not handle BookingConfirmed" in logged


def test_a_failing_handler_does_not_stop_the_others_when_callbacks_are_captured(
    services, recorder, django_capture_on_commit_callbacks
):
    # given a fresh dispatcher where a failing handler comes before a recording one
    dispatcher = DurableEventDispatcher()
    dispatcher.register(BookingConfirmed, failing_handler, name="failing")
    dispatcher.register(BookingConfirmed, recorder.handle, name="recording")
    book_class = booking_through(services, dispatcher)
    member = member_with_credits(1)
    fitness_class = FitnessClassFactory()

    # when a member books and the captured callback is executed
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        booking = book_class.execute(str(member.id), str(fitness_class.id))

    # then one callback ran both deliveries: the second ran, only the first one's write is gone
    assert len(callbacks) == 1
    assert [event.booking_id for event in recorder.events] == [booking.id]
    assert Booking.objects.filter(pk=booking.id, status="confirmed").exists()
    assert not Member.objects.filter(name=FAILING_HANDLER_MEMBER).exists()
    assert statuses() == ["failed", "delivered"]


class UnitOfWorkHandler:
    """A handler whose whole work is a unit of work (as the promotion's is): it writes a
    member, then fails if told to."""

    def __init__(self, *, fails: bool) -> None:
        self.uow = unit_of_work_factory(
            django_repositories(), DjangoTransactions(), DurableEventDispatcher()
        )
        self.fails = fails

    def handle(self, event) -> None:
        with self.uow():
            MemberFactory(name=FAILING_HANDLER_MEMBER, email=f"uow-{event.event_id}@example.com")
            if self.fails:
                raise HandlerFailed("the unit of work failed")


def _savepoints(captured) -> int:
    return sum(q["sql"].startswith("SAVEPOINT") for q in captured.captured_queries)


def test_a_handlers_unit_of_work_runs_in_the_handlers_savepoint_not_one_of_its_own(
    services, django_capture_on_commit_callbacks
):
    # given a booking whose one delivery goes to a handler that opens a unit of work
    dispatcher = DurableEventDispatcher()
    dispatcher.register(BookingConfirmed, UnitOfWorkHandler(fails=False).handle, name="uow")
    book_class = booking_through(services, dispatcher)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        book_class.execute(str(member_with_credits(1).id), str(FitnessClassFactory().id))

    # when it is delivered (inside the test's transaction: the delivery's own is a savepoint)
    with CaptureQueriesContext(connection) as captured:
        callbacks[0]()

    # then two savepoints were opened, the delivery's and its handler's: none for the unit
    # of work, whose write is there
    assert _savepoints(captured) == 2
    assert Member.objects.filter(name=FAILING_HANDLER_MEMBER).exists()
    assert statuses() == ["delivered"]


def test_a_handlers_failing_unit_of_work_leaves_nothing_and_the_delivery_is_retried(
    services, recorder, django_capture_on_commit_callbacks
):
    # given a handler whose unit of work writes and then fails, and a recording one after it
    dispatcher = DurableEventDispatcher()
    dispatcher.register(BookingConfirmed, UnitOfWorkHandler(fails=True).handle, name="uow")
    dispatcher.register(BookingConfirmed, recorder.handle, name="recording")
    book_class = booking_through(services, dispatcher)

    # when a member books and the deliveries run
    with django_capture_on_commit_callbacks(execute=True):
        booking = book_class.execute(str(member_with_credits(1).id), str(FitnessClassFactory().id))

    # then the unit of work's write rolled back with the handler's savepoint, its failure is
    # recorded for a retry, and the next handler ran
    assert not Member.objects.filter(name=FAILING_HANDLER_MEMBER).exists()
    assert statuses() == ["failed", "delivered"]
    assert [event.booking_id for event in recorder.events] == [booking.id]


# --- Arguments are bound when dispatched ------------------------------------------------------


def test_events_dispatched_together_reach_the_handler_as_themselves(
    dispatcher, recorder, django_capture_on_commit_callbacks
):
    # given two different events
    first, second = spot_event(), spot_event()

    # when both are dispatched at once and the callback runs after commit
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dispatcher.dispatch([first, second])

    # then each delivery gave the handler its own event, in order (not the last one twice)
    assert len(callbacks) == 1
    assert recorder.events == [first, second]


def test_events_dispatched_in_a_loop_reach_the_handler_as_themselves(
    dispatcher, recorder, django_capture_on_commit_callbacks
):
    # given several events
    events = [spot_event() for _ in range(5)]

    # when they are dispatched one by one in a loop, and run only after the loop is over
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for event in events:
            dispatcher.dispatch([event])
    for callback in callbacks:
        callback()

    # then every handler call received the event it was dispatched with
    assert len(callbacks) == len(events)
    assert recorder.events == events


def test_a_delivery_run_from_a_stale_callback_runs_once(
    dispatcher, recorder, django_capture_on_commit_callbacks
):
    # given an event whose after-commit callback has already delivered it
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dispatcher.dispatch([spot_event()])
    callbacks[0]()

    # when the same callback runs again
    callbacks[0]()

    # then the handler ran once: a delivered delivery is never run again
    assert len(recorder.events) == 1
    assert Delivery.objects.get().attempts == 1
