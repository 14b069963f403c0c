"""The odds shown on a class page come from the gym's own history: past classes of its name
at its location and time of day, their waitlist joins and promotions as the event log has
them, driven through the use cases."""

from datetime import timedelta

import pytest
from django.utils import timezone

from classes.models import FitnessClass
from classes.waitlist_history import odds_for
from tests.factories import FitnessClassFactory, LocationFactory, member_with_credits

pytestmark = pytest.mark.django_db


def a_past_spin(services, capture, location, starts_at):
    """Spin for one, booked, with two waiting; the booking cancelled, so number 1 got in.
    Played out ahead, then moved to `starts_at` (in the past)."""
    spin = FitnessClassFactory(
        name="Spin", capacity=1, location=location, starts_at=timezone.now() + timedelta(days=3)
    )
    booked = services.book_class.execute(str(member_with_credits(1).pk), str(spin.pk))
    for _ in range(2):
        services.join_waitlist.execute(str(member_with_credits(1).pk), str(spin.pk))
    with capture(execute=True):
        services.cancel_booking.execute(booked.id)
    FitnessClass.objects.filter(pk=spin.pk).update(
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
    )


def test_number_one_got_in_every_time_and_number_two_never(
    services, django_capture_on_commit_callbacks
):
    # given five past Spins at 07:00 at Old Town, and one at 18:00
    old_town = LocationFactory(name="Old Town", time_zone="UTC")
    seven = timezone.now().replace(hour=7, minute=0, second=0, microsecond=0)
    for weeks_ago in range(1, 6):
        past = seven - timedelta(weeks=weeks_ago)
        a_past_spin(services, django_capture_on_commit_callbacks, old_town, past)
    a_past_spin(
        services, django_capture_on_commit_callbacks, old_town, seven - timedelta(days=2, hours=-11)
    )
    upcoming = FitnessClassFactory(
        name="spin", location=old_town, starts_at=seven + timedelta(days=7, minutes=30)
    )

    # when the odds of numbers 1 and 2 on the next 07:30 Spin are read
    first, second = (odds_for(upcoming, number, timezone.now()) for number in (1, 2))

    # then only the like classes count: 5 of 5, and 0 of 5
    assert (first.got_in, first.sample) == (5, 5)
    assert (second.got_in, second.sample) == (0, 5)
    evening = FitnessClassFactory(
        name="Spin", location=old_town, starts_at=seven + timedelta(days=7, hours=11)
    )
    assert odds_for(evening, 1, timezone.now()).sample == 1
