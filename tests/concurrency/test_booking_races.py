"""Races on PostgreSQL: many members acting at the same moment, each from its own thread and
connection. The row locks (class first, then member) keep the rules; the control test takes
the class lock away and shows the race is real.

In these `transaction=True` tests every use case really commits, and its on-commit handlers
(promotion, e-mail) run right after, in the thread that committed, before the call returns.
"""

import logging
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from bookings.models import Booking, WaitlistEntry
from classes.repositories import DjangoClassRepository
from domain.entities import FitnessClass
from domain.exceptions import ClassFullException, NoCreditsException
from members.models import CreditGrant
from tests.factories import (
    BookingFactory,
    FitnessClassFactory,
    WaitlistEntryFactory,
    member_with_credits,
)

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

PROMOTED_SUBJECT = "You're in! A spot opened up"


def confirmed(fitness_class):
    return Booking.objects.filter(fitness_class=fitness_class, status="confirmed")


def credits_left(member) -> int:
    return sum(CreditGrant.objects.filter(member=member).values_list("remaining", flat=True))


def booking_race(services, run_concurrently, *, members=50, capacity=10):
    """`members` members with one credit each book the same class of `capacity` at once."""
    with transaction.atomic():  # the setup commits once, before the threads start
        fitness_class = FitnessClassFactory(capacity=capacity)
        racers = [member_with_credits(1) for _ in range(members)]
    outcomes = run_concurrently(
        [
            lambda member_id=str(member.id): services.book_class.execute(
                member_id, str(fitness_class.id)
            )
            for member in racers
        ]
    )
    return fitness_class, racers, outcomes


# --- Many members, few spots ------------------------------------------------------------------


@pytest.mark.parametrize("run", range(20))
def test_fifty_members_booking_ten_spots_at_once_get_exactly_ten_bookings(
    run, services, run_concurrently
):
    # given a class with 10 spots and 50 members with one credit each
    # when they all book at the same moment
    fitness_class, racers, outcomes = booking_race(services, run_concurrently)

    # then exactly 10 bookings are confirmed, and every refusal is "class full"
    assert confirmed(fitness_class).count() == 10
    assert sum(outcome.ok for outcome in outcomes) == 10
    errors = [outcome.error for outcome in outcomes if not outcome.ok]
    assert len(errors) == 40
    assert {type(error) for error in errors} == {ClassFullException}
    # and exactly the booked members spent their credit; no balance went below zero
    assert not CreditGrant.objects.filter(remaining__lt=0).exists()
    booked = set(confirmed(fitness_class).values_list("member_id", flat=True))
    for member in racers:
        assert credits_left(member) == (0 if member.id in booked else 1)
    # and each successful call returned the booking that was stored
    assert {str(outcome.result.member_id) for outcome in outcomes if outcome.ok} == {
        str(member_id) for member_id in booked
    }


# --- Simultaneous cancellations promote in order of joining -----------------------------------


def cancellation_race(services, run_concurrently, *, cancelling, waiting=20, capacity=20):
    """A full class of `capacity`; `cancelling` of its members cancel at once while `waiting`
    members with one credit each wait, joined one second apart (index 0 first)."""
    now = timezone.now()
    with transaction.atomic():  # the setup commits once, before the threads start
        fitness_class = FitnessClassFactory(capacity=capacity, starts_at=now + timedelta(days=1))
        bookings = [
            BookingFactory(member=member_with_credits(0), fitness_class=fitness_class)
            for _ in range(capacity)
        ]
        queue = [member_with_credits(1) for _ in range(waiting)]
        for position, member in enumerate(queue):
            WaitlistEntryFactory(
                member=member,
                fitness_class=fitness_class,
                created_at=now - timedelta(hours=1) + timedelta(seconds=position),
            )
    leaving = bookings[:cancelling]
    outcomes = run_concurrently(
        [
            lambda booking_id=str(booking.id), member_id=str(booking.member_id): (
                services.cancel_booking.execute(booking_id, member_id=member_id)
            )
            for booking in leaving
        ]
    )
    return fitness_class, leaving, queue, outcomes


def assert_promoted_in_order_of_joining(queue, fitness_class):
    """No member was promoted while someone who joined earlier (all eligible) kept waiting."""
    booked = set(confirmed(fitness_class).values_list("member_id", flat=True))
    promoted = [member.id in booked for member in queue]
    assert promoted == sorted(promoted, reverse=True), (
        "promoted out of order of joining: "
        + "".join("P" if was_promoted else "w" for was_promoted in promoted)
    )


@pytest.mark.parametrize(
    ("cancelling", "promoted"),
    [(20, 20), (5, 5)],
    ids=["20 cancel, 20 wait", "5 cancel, 20 wait"],
)
@pytest.mark.parametrize("run", range(3))
def test_simultaneous_cancellations_promote_waiting_members_in_order_of_joining(
    run, cancelling, promoted, services, run_concurrently, mailoutbox, mail_worker, caplog
):
    # given a full class of 20 and 20 members with one credit each waiting in a known order
    # when `cancelling` booked members cancel at the same moment (and the promotions run)
    with caplog.at_level(logging.ERROR):
        fitness_class, leaving, queue, outcomes = cancellation_race(
            services, run_concurrently, cancelling=cancelling
        )

    # then every cancellation went through, and no after-commit handler failed
    assert [outcome.error for outcome in outcomes if not outcome.ok] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    for booking in leaving:
        booking.refresh_from_db()
        assert booking.status == "cancelled"
        assert credits_left(booking.member) == 1
    # and the class is exactly full again
    assert confirmed(fitness_class).count() == 20
    # and exactly the first `promoted` members by joining order got the spots, paying a credit
    assert_promoted_in_order_of_joining(queue, fitness_class)
    booked = set(confirmed(fitness_class).values_list("member_id", flat=True))
    assert [member.id for member in queue if member.id in booked] == [
        member.id for member in queue[:promoted]
    ]
    for member in queue:
        assert credits_left(member) == (0 if member.id in booked else 1)
    # and the others still wait, in the same order
    still_waiting = WaitlistEntry.objects.filter(fitness_class=fitness_class).order_by(
        "created_at", "id"
    )
    assert [entry.member_id for entry in still_waiting] == [
        member.id for member in queue[promoted:]
    ]
    # and each promoted member was told once (by the mail worker)
    mail_worker()
    promoted_mail = [m.to[0] for m in mailoutbox if m.subject.startswith(PROMOTED_SUBJECT)]
    assert sorted(promoted_mail) == sorted(member.email for member in queue[:promoted])


# --- One credit, two bookings at once ---------------------------------------------------------


@pytest.mark.parametrize("run", range(20))
def test_one_credit_cannot_pay_for_two_classes_booked_at_the_same_moment(
    run, services, run_concurrently
):
    # given a member with one credit and two classes that do not overlap
    now = timezone.now()
    member = member_with_credits(1)
    classes = [
        FitnessClassFactory(name="Spin", starts_at=now + timedelta(days=1)),
        FitnessClassFactory(name="Yoga", starts_at=now + timedelta(days=2)),
    ]

    # when the member books both at once
    outcomes = run_concurrently(
        [
            lambda class_id=str(fitness_class.id): services.book_class.execute(
                str(member.id), class_id
            )
            for fitness_class in classes
        ]
    )

    # then exactly one booking is made, the credit is spent once, the other is refused
    assert Booking.objects.filter(member=member, status="confirmed").count() == 1
    assert credits_left(member) == 0
    assert sum(outcome.ok for outcome in outcomes) == 1
    [error] = [outcome.error for outcome in outcomes if not outcome.ok]
    assert type(error) is NoCreditsException


# --- Control: without the class lock, the class is overbooked ---------------------------------


CONTROL_RUNS = 3


def test_without_the_class_lock_simultaneous_bookings_overbook_the_class(
    services, run_concurrently, monkeypatch
):
    """Proves the race above is real and that the class row lock is what prevents it."""
    # given the class repository never locks (the member lock is kept), and a short pause
    # between checking for a free spot and writing the booking
    get_class = DjangoClassRepository.get_by_id
    add_booking = FitnessClass.add_booking

    def get_class_without_lock(self, class_id, *, for_update=False):
        return get_class(self, class_id, for_update=False)

    def add_booking_slowly(self, member_id, *, now):
        add_booking(self, member_id, now=now)
        time.sleep(0.05)

    monkeypatch.setattr(DjangoClassRepository, "get_by_id", get_class_without_lock)
    monkeypatch.setattr(FitnessClass, "add_booking", add_booking_slowly)

    # when 50 members book a class of 10 at once, a few times over
    confirmed_counts = []
    for _ in range(CONTROL_RUNS):
        fitness_class, _, _ = booking_race(services, run_concurrently)
        confirmed_counts.append(confirmed(fitness_class).count())
        if confirmed_counts[-1] > 10:
            break

    # then at least once more than 10 bookings were confirmed
    assert max(confirmed_counts) > 10, f"never overbooked: {confirmed_counts}"


# --- Promotions in two classes sharing waiting members ----------------------------------------


def test_promotions_in_two_classes_sharing_waiting_members_do_not_deadlock(
    services, run_concurrently, caplog
):
    """Each promotion holds its class and locks the members it may promote. Were they locked
    in waitlist order, two waitlists listing the same members in opposite order would make
    each promotion wait for the other; they are locked in primary-key order instead."""
    for _ in range(3):
        # given two full classes that do not overlap, and Ana and Ben (two credits each)
        # waiting for both: Ana first for Spin, Ben first for Yoga
        now = timezone.now()
        spin = FitnessClassFactory(name="Spin", capacity=2, starts_at=now + timedelta(days=1))
        yoga = FitnessClassFactory(name="Yoga", capacity=2, starts_at=now + timedelta(days=2))
        for fitness_class in (spin, yoga):
            BookingFactory.create_batch(2, fitness_class=fitness_class)
        ana, ben = member_with_credits(2), member_with_credits(2)
        for fitness_class, queue in ((spin, (ana, ben)), (yoga, (ben, ana))):
            for position, member in enumerate(queue):
                WaitlistEntryFactory(
                    member=member,
                    fitness_class=fitness_class,
                    created_at=now - timedelta(minutes=10 - position),
                )

        # when staff add two spots to each class at the same moment
        with caplog.at_level(logging.ERROR):
            outcomes = run_concurrently(
                [
                    lambda class_id=str(fitness_class.id): services.change_class_capacity.execute(
                        class_id, 4
                    )
                    for fitness_class in (spin, yoga)
                ]
            )

        # then both promotions succeed: Ana and Ben are booked on both classes
        assert [outcome.error for outcome in outcomes if not outcome.ok] == []
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
        for fitness_class in (spin, yoga):
            assert {ana.id, ben.id} <= set(
                confirmed(fitness_class).values_list("member_id", flat=True)
            )
        assert credits_left(ana) == credits_left(ben) == 0
        assert not WaitlistEntry.objects.exists()
