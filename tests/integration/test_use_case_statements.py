"""The statements of booking and cancelling are pinned, and do not grow with the class.

`worker` delivery: the use case's own transaction is the whole cost of the request. Data
statements (SELECT, INSERT, UPDATE, DELETE, and WITH: an INSERT inside one) are counted apart
from savepoints (the test runs inside a transaction, so the use case's `atomic()` is a
savepoint too).

book: lock the class; its spot holders; its waitlist with the booker's entries for classes
at the same time; lock the member; her grants; her live membership (whether it pays for the
class instead of a credit); her upcoming and overlapping spots (one query); spend the grant;
insert the booking; the event log (events and deliveries: one statement on PostgreSQL, two
on SQLite).
refusing a full class: lock the class; its spot holders; the member (she exists) — nothing
more is read or locked while the class is held.
cancel: lock the booking; the class with its spot holders; lock the member; her grants; her
live membership (loaded with her); insert the refund grant; update the booking; the event
log (events, deliveries).
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Booking
from domain.exceptions import ClassFullException
from notifications.models import Notification
from tests.factories import (
    BookingFactory,
    FitnessClassFactory,
    WaitlistEntryFactory,
    member_with_credits,
)

pytestmark = pytest.mark.django_db

# The events and their deliveries: one INSERT inside a WITH on PostgreSQL, two on SQLite.
EVENT_LOG_STATEMENTS = 1 if connection.vendor == "postgresql" else 2
# 9: her live membership is loaded with her (a membership's booking spends no credit).
BOOK_DATA_STATEMENTS = 9 + EVENT_LOG_STATEMENTS
# The use case's own (the test's transaction around it): a double booking the database
# refuses is skipped, not raised, so inserting the booking needs none.
BOOK_SAVEPOINTS = 1
FULL_CLASS_REFUSAL_DATA_STATEMENTS = 3
# 7: the member refunded is loaded with her live membership, as every member is.
CANCEL_DATA_STATEMENTS = 7 + EVENT_LOG_STATEMENTS
CANCEL_SAVEPOINTS = 1
# One inline in-app notice: take the delivery (with its event); read the class, the booking
# and the member (no grants, no other bookings); store the notice; mark it delivered.
IN_APP_NOTICE_DATA_STATEMENTS = 6

BOOKED = pytest.mark.parametrize("booked", [2, 40], ids=["2 booked", "40 booked"])


class Statements(CaptureQueriesContext):
    """The statements run inside the block, data statements and savepoints apart."""

    def __init__(self) -> None:
        super().__init__(connection)

    def _of(self, *verbs: str) -> list[str]:
        return [q["sql"] for q in self.captured_queries if q["sql"].lstrip().startswith(verbs)]

    @property
    def data(self) -> list[str]:
        return self._of("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")

    @property
    def savepoints(self) -> list[str]:
        return self._of("SAVEPOINT")


@pytest.fixture
def worker_services(settings, services):
    """The use cases as a site with `GYM_EVENT_DELIVERY=worker` runs them."""
    from gymbooking.composition import services as build

    settings.GYM_EVENT_DELIVERY = "worker"
    build.cache_clear()
    yield build()
    build.cache_clear()


@BOOKED
def test_booking_a_class_runs_the_pinned_data_statements_however_many_are_booked(
    booked, worker_services, django_capture_on_commit_callbacks
):
    # given a class with `booked` confirmed bookings and a member with a credit
    fitness_class = FitnessClassFactory(capacity=50)
    BookingFactory.create_batch(booked, fitness_class=fitness_class)
    member = member_with_credits(1)

    # when the member books
    with django_capture_on_commit_callbacks(execute=False), Statements() as statements:
        worker_services.book_class.execute(str(member.id), str(fitness_class.id))

    # then the booking was made with the statements pinned above
    assert Booking.objects.filter(fitness_class=fitness_class, status="confirmed").count() == (
        booked + 1
    )
    assert len(statements.data) == BOOK_DATA_STATEMENTS, "\n".join(statements.data)
    assert len(statements.savepoints) == BOOK_SAVEPOINTS


def test_booking_writes_neither_the_unchanged_member_nor_an_update_of_the_new_booking(
    worker_services, django_capture_on_commit_callbacks
):
    fitness_class = FitnessClassFactory(capacity=5)
    member = member_with_credits(1)

    with django_capture_on_commit_callbacks(execute=False), Statements() as statements:
        worker_services.book_class.execute(str(member.id), str(fitness_class.id))

    writes = [sql for sql in statements.data if sql.startswith(("INSERT", "UPDATE"))]
    assert not [sql for sql in writes if '"members_member"' in sql.split(" SET ")[0]]
    assert not [sql for sql in writes if sql.startswith('UPDATE "bookings_booking"')]


def test_refusing_a_full_class_runs_three_data_statements_under_its_lock(worker_services):
    # given a full class with a waitlist, and a member with a credit
    fitness_class = FitnessClassFactory(capacity=3)
    BookingFactory.create_batch(3, fitness_class=fitness_class)
    WaitlistEntryFactory(fitness_class=fitness_class, member=member_with_credits(1))
    member = member_with_credits(1)

    # when the member presses Book
    with Statements() as statements, pytest.raises(ClassFullException):
        worker_services.book_class.execute(str(member.id), str(fitness_class.id))

    # then she is refused after the lock, her holders and her own row, and nothing changed
    assert len(statements.data) == FULL_CLASS_REFUSAL_DATA_STATEMENTS, "\n".join(statements.data)
    assert Booking.objects.filter(fitness_class=fitness_class).count() == 3
    assert member.credit_grants.get().remaining == 1


@BOOKED
def test_cancelling_a_booking_runs_the_pinned_data_statements_however_many_are_booked(
    booked, worker_services, django_capture_on_commit_callbacks
):
    # given a class tomorrow with `booked` confirmed bookings, one of them Ana's
    fitness_class = FitnessClassFactory(capacity=50, starts_at=timezone.now() + timedelta(days=1))
    ana = member_with_credits(0)
    ana_booking = BookingFactory(member=ana, fitness_class=fitness_class)
    BookingFactory.create_batch(booked - 1, fitness_class=fitness_class)

    # when Ana cancels
    with django_capture_on_commit_callbacks(execute=False), Statements() as statements:
        worker_services.cancel_booking.execute(str(ana_booking.id), member_id=str(ana.id))

    # then the booking is cancelled and the credit refunded, with the statements pinned above
    ana_booking.refresh_from_db()
    assert ana_booking.status == "cancelled"
    assert ana.credit_grants.get().remaining == 1
    assert len(statements.data) == CANCEL_DATA_STATEMENTS, "\n".join(statements.data)
    assert len(statements.savepoints) == CANCEL_SAVEPOINTS


def test_an_inline_in_app_notice_reads_only_the_class_the_booking_and_the_member(
    services, django_capture_on_commit_callbacks
):
    # given a booking made with inline delivery, its after-commit deliveries held back
    fitness_class = FitnessClassFactory(capacity=50)
    BookingFactory.create_batch(10, fitness_class=fitness_class)
    member = member_with_credits(3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.book_class.execute(str(member.id), str(fitness_class.id))
    (deliver,) = callbacks

    # when the in-app notice is delivered
    with Statements() as statements:
        deliver()

    # then she is told, and only the rows the notice is about were read
    assert Notification.objects.filter(member=member).count() == 1
    assert len(statements.data) == IN_APP_NOTICE_DATA_STATEMENTS, "\n".join(statements.data)
    assert not [sql for sql in statements.data if '"members_creditgrant"' in sql]
