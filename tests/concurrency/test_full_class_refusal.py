"""A full class refuses a booker as soon as it is locked (`claim_first(refuse_full=True)`):
the refusal must be as true as the lock — a spot freed by whoever held the class before her
is hers, never refused on what was read before her turn."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from bookings.models import Booking
from classes.models import FitnessClass
from tests.factories import BookingFactory, FitnessClassFactory, member_with_credits
from tests.worker_process import wait_until

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def others_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh, not this transaction's
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_a_spot_freed_while_she_waits_for_the_lock_of_a_full_class_is_hers(services):
    # given a full class tomorrow, and a member with a credit
    with transaction.atomic():
        fitness_class = FitnessClassFactory(
            capacity=2, starts_at=timezone.now() + timedelta(days=1)
        )
        leaving, _ = BookingFactory.create_batch(2, fitness_class=fitness_class)
        booker = member_with_credits(1)
    answer: dict[str, object] = {}

    def book() -> None:
        try:
            answer["booking"] = services.book_class.execute(str(booker.id), str(fitness_class.id))
        except Exception as error:
            answer["error"] = error
        finally:
            connection.close()

    # when she presses Book while another change holds the class, and that change frees a spot
    with transaction.atomic():
        FitnessClass.objects.select_for_update().get(pk=fitness_class.pk)
        thread = threading.Thread(target=book, daemon=True)
        thread.start()
        wait_until(lambda: others_waiting_for_a_lock() == 1, timeout=30, what="her to wait")
        Booking.objects.filter(pk=leaving.pk).update(
            status="cancelled", cancelled_at=timezone.now()
        )
    thread.join(30)

    # then she got the spot: the class was full when she asked, not when her turn came
    assert not thread.is_alive()
    assert "error" not in answer, answer
    assert Booking.objects.filter(
        fitness_class=fitness_class, member=booker, status="confirmed"
    ).exists()
