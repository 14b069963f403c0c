"""A location's booking rules over the ORM: read in the statement that already reads the class
(no statement more), applied by the use cases from `services()`, counted at the location by
the repositories (upcoming bookings, no-shows), and each class's reminder due by its
location's lead time in one query. Refused by the database when out of range."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings import due
from bookings.models import Booking
from bookings.repositories import DjangoBookingRepository
from classes.repositories import DjangoClassRepository
from domain.exceptions import BookingNotOpenException, TooManyBookingsException
from domain.values import LateCancellation, LocationRules
from members.models import CreditGrant, Member
from tests.factories import (
    BookingFactory,
    FitnessClassFactory,
    LocationFactory,
    member_with_credits,
)

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@pytest.fixture
def riverside():
    """A location with its own rules, on New York's clock; Old Town keeps the chain's."""
    LocationFactory(name="Old Town", time_zone="Europe/London")
    return LocationFactory(
        name="Riverside",
        time_zone="America/New_York",
        cancellation_window_minutes=12 * 60,
        late_cancellation="forfeit",
        refund_expiry_days=90,
        booking_opens_days=3,
        max_upcoming_bookings=1,
        no_show_limit=1,
        no_show_period_days=7,
        no_show_pause_days=2,
        reminder_hours=3,
    )


def test_the_class_repository_reads_its_locations_rules_with_the_class(riverside):
    spin = FitnessClassFactory(location=riverside)
    BookingFactory(fitness_class=spin)
    classes = DjangoClassRepository()

    with CaptureQueriesContext(connection) as read:
        entity = classes.get_by_id(str(spin.pk))
    with transaction.atomic(), CaptureQueriesContext(connection) as locked:
        locked_entity = classes.get_by_id(str(spin.pk), for_update=True)

    assert (len(read), len(locked)) == (1, 2)
    expected = LocationRules(
        cancellation_window=12 * HOUR,
        late_cancellation=LateCancellation.FORFEIT,
        refund_expiry_days=90,
        booking_opens_before=3 * DAY,
        max_upcoming_bookings=1,
        no_show_limit=1,
        no_show_period=7 * DAY,
        no_show_pause=2 * DAY,
        reminder_lead=3 * HOUR,
    )
    assert entity.rules == locked_entity.rules == expected
    assert entity.time_zone == "America/New_York"
    assert len(entity.booked_member_ids) == 1


def test_a_location_that_sets_nothing_reads_as_the_chains_rules():
    spin = FitnessClassFactory(location="Old Town")

    assert DjangoClassRepository().get_by_id(str(spin.pk)).rules == LocationRules()


def test_booking_opens_by_the_locations_window(services, riverside):
    # given Spin in 5 days at both (the chain opens booking 14 days before, Riverside 3)
    now = timezone.now()
    old_town = FitnessClassFactory(location="Old Town", starts_at=now + 5 * DAY)
    there = FitnessClassFactory(location=riverside, starts_at=now + 5 * DAY)
    ana, ben = member_with_credits(1), member_with_credits(1)

    services.book_class.execute(str(ana.pk), str(old_town.pk))
    with pytest.raises(BookingNotOpenException):
        services.book_class.execute(str(ben.pk), str(there.pk))

    assert Booking.objects.filter(member=ana, fitness_class=old_town).exists()
    assert not Booking.objects.filter(fitness_class=there).exists()


def test_a_late_cancellation_is_the_locations_and_so_is_the_refunds_expiry(services, riverside):
    # given both start in 6 hours: outside Old Town's 2-hour window, inside Riverside's 12
    now = timezone.now()
    old_town = FitnessClassFactory(location="Old Town", starts_at=now + 6 * HOUR)
    there = FitnessClassFactory(location=riverside, starts_at=now + 6 * HOUR)
    ana, ben = member_with_credits(1), member_with_credits(1)
    at_old_town = services.book_class.execute(str(ana.pk), str(old_town.pk))
    at_riverside = services.book_class.execute(str(ben.pk), str(there.pk), late_confirmed=True)

    services.cancel_booking.execute(at_old_town.id)
    services.cancel_booking.execute(at_riverside.id)

    assert Booking.objects.get(pk=at_old_town.id).status == "cancelled"
    assert Booking.objects.get(pk=at_riverside.id).status == "late_cancelled"
    assert not CreditGrant.objects.filter(member=ben, reason__startswith="Refund").exists()
    [refund] = CreditGrant.objects.filter(member=ana, reason__startswith="Refund")
    assert (refund.expires_at - refund.granted_at).days == 30
    # staff cancelling the other class refunds by Riverside's 90 days
    cy = member_with_credits(1)
    services.staff_cancel_booking.execute(
        services.book_class.execute(str(cy.pk), str(there.pk), late_confirmed=True).id
    )
    [refund] = CreditGrant.objects.filter(member=cy, reason__startswith="Refund")
    assert (refund.expires_at - refund.granted_at).days == 90


def test_the_upcoming_limit_counts_the_members_bookings_at_that_location(services, riverside):
    now = timezone.now()
    ana = member_with_credits(3)
    BookingFactory(member=ana, fitness_class=FitnessClassFactory(location=riverside))
    BookingFactory(
        member=ana, fitness_class=FitnessClassFactory(location="Old Town", starts_at=now + 2 * DAY)
    )
    there = FitnessClassFactory(location=riverside, starts_at=now + 2 * DAY + 2 * HOUR)
    old_town = FitnessClassFactory(location="Old Town", starts_at=now + DAY + 2 * HOUR)

    with pytest.raises(TooManyBookingsException):
        services.book_class.execute(str(ana.pk), str(there.pk))
    services.book_class.execute(str(ana.pk), str(old_town.pk))

    assert Booking.objects.filter(member=ana, fitness_class=old_town).exists()


def test_no_shows_are_counted_at_the_location_asked_about(riverside):
    ana = member_with_credits(0)
    long_ago = timezone.now() - 3 * DAY
    for location in ("Old Town", "Old Town", riverside):
        BookingFactory(
            member=ana,
            fitness_class=FitnessClassFactory(location=location, starts_at=long_ago),
            status="no_show",
        )
    bookings = DjangoBookingRepository()
    since = long_ago - DAY

    assert bookings.count_no_shows_since(str(ana.pk), since, location="Old Town") == 2
    assert bookings.count_no_shows_since(str(ana.pk), since, location="Riverside") == 1


def test_a_no_show_at_a_location_that_pauses_after_one_pauses_the_member(services, riverside):
    now = timezone.now()
    ana, ben = member_with_credits(0), member_with_credits(0)
    missed = [
        BookingFactory(
            member=member,
            fitness_class=FitnessClassFactory(
                location=location, starts_at=now - 2 * HOUR, ends_at=now - HOUR
            ),
        )
        for member, location in ((ana, "Old Town"), (ben, riverside))
    ]

    services.record_attendance.execute([str(booking.pk) for booking in missed], attended=False)

    assert Member.objects.get(pk=ana.pk).bookings_paused_until is None
    paused_until = Member.objects.get(pk=ben.pk).bookings_paused_until
    assert paused_until is not None
    assert timedelta(days=2) - HOUR < paused_until - now <= timedelta(days=2) + HOUR


def test_reminders_are_due_by_each_classs_location_lead_time_in_one_query(riverside):
    # given both classes start in 5 hours: inside the chain's 24 hours, outside Riverside's 3
    now = timezone.now()
    old_town = BookingFactory(
        fitness_class=FitnessClassFactory(location="Old Town", starts_at=now + 5 * HOUR)
    )
    there = BookingFactory(
        fitness_class=FitnessClassFactory(location=riverside, starts_at=now + 5 * HOUR)
    )
    soon = BookingFactory(
        fitness_class=FitnessClassFactory(location=riverside, starts_at=now + 2 * HOUR)
    )

    with CaptureQueriesContext(connection) as statements:
        listed = due.booking_ids_due_for_reminder(now)

    assert len(statements) == 1
    assert listed == [str(soon.pk), str(old_town.pk)]
    assert str(there.pk) in due.booking_ids_due_for_reminder(now + 2 * HOUR + timedelta(minutes=1))


@pytest.mark.parametrize(
    ("rule", "value"),
    [
        ("cancellation_window_minutes", 7 * 24 * 60 + 1),
        ("refund_expiry_days", 0),
        ("no_show_period_days", 0),
        ("reminder_hours", 0),
        ("late_cancellation", "sometimes"),
        ("promotion_inside_window", "always"),
    ],
)
def test_the_database_refuses_a_rule_out_of_its_range(rule, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        LocationFactory(name="Odd", time_zone="Europe/London", **{rule: value})
