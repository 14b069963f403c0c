"""What the schedule and the class page read about the member (`classes.member_reads`): one
statement, answering what the ORM reads it replaced answered, values converted as the ORM
converts them."""

import uuid
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.queries import position_on_waitlist
from classes.member_reads import member_reads
from locations.models import Location
from tests.factories import (
    BookingFactory,
    CreditGrantFactory,
    FitnessClassFactory,
    MemberFactory,
    WaitlistEntryFactory,
    limited_to,
)

pytestmark = pytest.mark.django_db


def hour(offset: int) -> datetime:
    """A whole hour `offset` hours from the next one, so classes line up."""
    return timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=offset)


def test_her_bookings_places_credits_and_spots_come_in_one_statement():
    # given a member booked on one shown class, waiting third on another (two joined before
    # her, one of them at the same moment with a smaller id), holding a spot in a class
    # overlapping the shown ones and in a cancelled one, booked next week, a cancelled
    # booking, a booking at another location, credits of which some expired, and another
    # member's booking
    ana = MemberFactory()
    booked = FitnessClassFactory(starts_at=hour(2))
    waiting = FitnessClassFactory(starts_at=hour(4))
    overlapping = FitnessClassFactory(starts_at=hour(4) + timedelta(minutes=30))
    cancelled = FitnessClassFactory(starts_at=hour(2), cancelled_at=timezone.now())
    next_week = FitnessClassFactory(starts_at=hour(24 * 7))
    free_until = hour(1)
    mine = BookingFactory(member=ana, fitness_class=booked, free_cancellation_until=free_until)
    BookingFactory(member=ana, fitness_class=overlapping, status="attended")
    BookingFactory(member=ana, fitness_class=cancelled)
    BookingFactory(member=ana, fitness_class=next_week)
    BookingFactory(member=ana, fitness_class=FitnessClassFactory(location="Riverside"))
    BookingFactory(member=ana, fitness_class=waiting, status="cancelled")
    BookingFactory(fitness_class=waiting)
    joined = timezone.now() - timedelta(hours=1)
    WaitlistEntryFactory(fitness_class=waiting, created_at=joined - timedelta(minutes=5))
    WaitlistEntryFactory(fitness_class=waiting, created_at=joined, id=uuid.UUID(int=1))
    WaitlistEntryFactory(member=ana, fitness_class=waiting, created_at=joined)
    CreditGrantFactory(member=ana, amount=3)
    CreditGrantFactory(member=ana, amount=2, remaining=1)
    CreditGrantFactory(member=ana, amount=5, expires_at=timezone.now() - timedelta(days=1))
    shown = [booked.pk, waiting.pk, cancelled.pk]

    # when her reads for the shown classes are made
    with CaptureQueriesContext(connection) as statements:
        hers = member_reads(ana, timezone.now(), shown, hour(2), hour(5), booked.location_id)

    # then they are one statement after her live membership's, answering each question as
    # the ORM does
    assert len(statements) == 2
    assert hers.bookings == {
        booked.pk: (mine.pk, "confirmed", free_until),
        cancelled.pk: (hers.bookings[cancelled.pk][0], "confirmed", None),
    }
    assert hers.positions == {waiting.pk: 3}
    assert position_on_waitlist(ana.pk, waiting.pk) == 3
    assert hers.facts.credits == 4
    # booked, cancelled class, next week: at the shown classes' location, not at Riverside
    assert hers.facts.upcoming_bookings == 3
    assert sorted(hers.facts.spots, key=lambda spot: spot[1]) == [
        (booked.pk, booked.starts_at, booked.ends_at),
        (overlapping.pk, overlapping.starts_at, overlapping.ends_at),
    ]
    class_id, starts, _ = hers.facts.spots[0]
    assert isinstance(class_id, uuid.UUID)
    assert starts.tzinfo is not None and starts.utcoffset() == timedelta(0)


def test_a_class_counts_only_the_credits_of_grants_that_pay_for_it():
    # given open credits, credits for Yoga only, for Riverside only and for expired Yoga ones
    ana = MemberFactory()
    CreditGrantFactory(member=ana, amount=2)
    CreditGrantFactory(member=ana, amount=3, scope=limited_to(class_names=("Yoga",)))
    CreditGrantFactory(member=ana, amount=4, scope=limited_to(locations=("Riverside",)))
    CreditGrantFactory(
        member=ana,
        amount=5,
        scope=limited_to(class_names=("Yoga",)),
        expires_at=timezone.now() - timedelta(days=1),
    )
    yoga = FitnessClassFactory(name=" yOGA ", starts_at=hour(2))
    spin = FitnessClassFactory(name="Spin", starts_at=hour(3))
    riverside_yoga = FitnessClassFactory(name="Yoga", location="Riverside", starts_at=hour(2))

    # when her reads are made, in one statement after her live membership's
    with CaptureQueriesContext(connection) as statements:
        hers = member_reads(ana, timezone.now(), [yoga.pk], hour(2), hour(4), yoga.location_id)

    # then each class counts the grants whose scope covers it (its name in any case), and
    # the total is what she could spend anywhere
    assert len(statements) == 2
    assert hers.facts.credits_for(yoga) == 5
    assert hers.facts.credits_for(spin) == 2
    assert hers.facts.credits_for(riverside_yoga) == 9
    assert hers.facts.credits == 9
    assert hers.facts.standing_for(spin).credits == 2


def test_credits_limited_to_a_renamed_location_still_count_for_its_classes():
    # given credits for Riverside only, which staff then rename
    ana = MemberFactory()
    CreditGrantFactory(member=ana, amount=2, scope=limited_to(locations=("Riverside",)))
    Location.objects.filter(name="Riverside").update(name="Riverside Park")
    there = FitnessClassFactory(location="Riverside Park", starts_at=hour(2))

    # when her reads for a class there are made
    hers = member_reads(ana, timezone.now(), [there.pk], hour(2), hour(3), there.location_id)

    # then its credits count for the class at the renamed location
    assert hers.facts.credits_for(there) == 2


def test_a_member_with_nothing_gets_empty_answers_and_no_credits():
    fitness_class = FitnessClassFactory(starts_at=hour(2))

    hers = member_reads(
        MemberFactory(),
        timezone.now(),
        [fitness_class.pk],
        hour(2),
        fitness_class.ends_at,
        fitness_class.location_id,
    )

    assert (hers.bookings, hers.positions) == ({}, {})
    assert (hers.facts.credits, hers.facts.upcoming_bookings, hers.facts.spots) == (0, 0, ())


def test_no_shown_classes_is_still_a_valid_statement():
    ana = MemberFactory()
    entry = WaitlistEntryFactory(member=ana)

    hers = member_reads(ana, timezone.now(), [], hour(2), hour(3), entry.fitness_class.location_id)

    assert hers.positions == {}
