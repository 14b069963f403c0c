"""The waitlist's claim under races on PostgreSQL: freed spots whose promotion was never
delivered (worker mode, no worker ran), and many members booking them at the same moment —
outsiders and members waiting further back, on two classes whose waitlists share members.
Nobody overbooks, nobody deadlocks, and the spots go to the first waiting members."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from bookings.models import Booking, WaitlistEntry
from domain.exceptions import ClassFullException
from members.models import CreditGrant
from tests.factories import (
    BookingFactory,
    FitnessClassFactory,
    WaitlistEntryFactory,
    member_with_credits,
)

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

CAPACITY = 4
WAITING = 8
OUTSIDERS = 12


@pytest.fixture
def worker_mode(settings):
    """Nothing is delivered until a worker runs, and none does (requested before services)."""
    settings.GYM_EVENT_DELIVERY = "worker"


def two_freed_classes(services):
    """Spin and Yoga (not overlapping), each of CAPACITY, all of whose bookings staff then
    cancelled; the same WAITING members (two credits each) wait for both, in one order."""
    now = timezone.now()
    with transaction.atomic():
        classes = [
            FitnessClassFactory(name=name, capacity=CAPACITY, starts_at=now + timedelta(days=day))
            for day, name in ((1, "Spin"), (2, "Yoga"))
        ]
        bookings = [
            BookingFactory(fitness_class=fitness_class, member=member_with_credits(0))
            for fitness_class in classes
            for _ in range(CAPACITY)
        ]
        queue = [member_with_credits(2) for _ in range(WAITING)]
        for fitness_class in classes:
            for position, member in enumerate(queue):
                WaitlistEntryFactory(
                    member=member,
                    fitness_class=fitness_class,
                    created_at=now - timedelta(hours=1) + timedelta(seconds=position),
                )
    for booking in bookings:
        services.staff_cancel_booking.execute(str(booking.id), "Moved")
    return classes, queue


@pytest.mark.parametrize("run", range(5))
def test_members_racing_for_undelivered_freed_spots_never_take_them_past_the_waitlist(
    run, worker_mode, services, run_concurrently
):
    # given two classes with every spot freed and the promotions never delivered
    classes, queue = two_freed_classes(services)
    outsiders = [member_with_credits(2) for _ in range(OUTSIDERS)]
    behind = queue[CAPACITY:]  # waiting too, but after the first CAPACITY

    # when outsiders and the members waiting further back book both classes at once
    outcomes = run_concurrently(
        [
            lambda member_id=str(member.id), class_id=str(fitness_class.id): (
                services.book_class.execute(member_id, class_id)
            )
            for member in [*outsiders, *behind]
            for fitness_class in classes
        ]
    )

    # then nobody got in (no deadlock, no other error): every call was refused as full
    assert [type(outcome.error) for outcome in outcomes] == [ClassFullException] * len(outcomes)
    for fitness_class in classes:
        booked = Booking.objects.filter(fitness_class=fitness_class, status="confirmed")
        # and no class is overbooked, and its spots went to the first CAPACITY waiting
        assert sorted(booked.values_list("member_id", flat=True)) == sorted(
            member.id for member in queue[:CAPACITY]
        )
        still_waiting = WaitlistEntry.objects.filter(fitness_class=fitness_class).order_by(
            "created_at", "id"
        )
        assert [entry.member_id for entry in still_waiting] == [member.id for member in behind]
    # and each promoted member paid one credit per class; nobody else paid anything
    assert not CreditGrant.objects.filter(remaining__lt=0).exists()
    for member in queue[:CAPACITY]:
        assert CreditGrant.objects.get(member=member).remaining == 0
    for member in [*behind, *outsiders]:
        assert CreditGrant.objects.get(member=member).remaining == 2
