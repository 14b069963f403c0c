"""The queries of booking and cancelling are pinned, and do not grow with the class's bookings.

The after-commit handlers (promotion, e-mail) are captured and not run, so each count is the
use case's own transaction. Savepoint statements count: the test runs inside a transaction, so
the use case's `atomic()` and the repositories' savepoints each issue SAVEPOINT and RELEASE.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking
from tests.factories import BookingFactory, FitnessClassFactory, member_with_credits

pytestmark = pytest.mark.django_db

# book_class: SAVEPOINT; lock the class; its confirmed members; its waitlist (whoever waits
# there has a claim on a free spot first); lock the member; their grants;
# their upcoming bookings (the gym's limit); overlapping bookings (EXISTS); the member's
# waitlist entries for overlapping classes; the class's waitlist; member save (UPDATE member,
# read grants, UPDATE the spent grant); booking save (SAVEPOINT, UPDATE, INSERT, RELEASE); the
# event log (INSERT events, INSERT deliveries); RELEASE.
BOOK_CLASS_QUERIES = 20
# cancel_booking: SAVEPOINT; lock the booking; the class; its confirmed members; lock the
# member; their grants; member save (UPDATE member, read grants, INSERT the refund grant);
# booking save (SAVEPOINT, UPDATE, RELEASE); the event log (INSERT events, INSERT
# deliveries); RELEASE.
CANCEL_BOOKING_QUERIES = 15

BOOKED = pytest.mark.parametrize("booked", [2, 40], ids=["2 booked", "40 booked"])


@BOOKED
def test_booking_a_class_runs_the_same_queries_however_many_are_booked(
    booked, services, django_assert_num_queries, django_capture_on_commit_callbacks
):
    # given a class with `booked` confirmed bookings and a member with a credit
    fitness_class = FitnessClassFactory(capacity=50)
    BookingFactory.create_batch(booked, fitness_class=fitness_class)
    member = member_with_credits(1)

    # when the member books (handlers captured, not run)
    with (
        django_capture_on_commit_callbacks(execute=False),
        django_assert_num_queries(BOOK_CLASS_QUERIES),
    ):
        services.book_class.execute(str(member.id), str(fitness_class.id))

    # then the booking was made (the count above is its whole cost)
    assert Booking.objects.filter(fitness_class=fitness_class, status="confirmed").count() == (
        booked + 1
    )


@BOOKED
def test_cancelling_a_booking_runs_the_same_queries_however_many_are_booked(
    booked, services, django_assert_num_queries, django_capture_on_commit_callbacks
):
    # given a class tomorrow with `booked` confirmed bookings, one of them Ana's
    fitness_class = FitnessClassFactory(capacity=50, starts_at=timezone.now() + timedelta(days=1))
    ana = member_with_credits(0)
    ana_booking = BookingFactory(member=ana, fitness_class=fitness_class)
    BookingFactory.create_batch(booked - 1, fitness_class=fitness_class)

    # when Ana cancels (handlers captured, not run)
    with (
        django_capture_on_commit_callbacks(execute=False),
        django_assert_num_queries(CANCEL_BOOKING_QUERIES),
    ):
        services.cancel_booking.execute(str(ana_booking.id), member_id=str(ana.id))

    # then the booking is cancelled and the credit refunded
    ana_booking.refresh_from_db()
    assert ana_booking.status == "cancelled"
    assert ana.credit_grants.get().remaining == 1
