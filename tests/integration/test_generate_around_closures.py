"""`manage.py generate_classes` over the database leaves out the days a series' location is
closed and says how many and why; classes already scheduled on those days stay."""

from datetime import time, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from classes.models import FitnessClass
from classes.series_repository import DjangoClassSeriesRepository
from locations.models import Closure
from tests.factories import ClassSeriesFactory, LocationFactory

pytestmark = pytest.mark.django_db


def generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_classes", "--weeks", "1", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def spin():
    """Spin at Old Town every day at 18:00 on the installation's clock, from tomorrow (so
    that no session of the week ahead has started, whenever the test runs)."""
    LocationFactory(name="Old Town", time_zone=settings.TIME_ZONE)
    return ClassSeriesFactory(
        location="Old Town",
        weekdays=list(range(7)),
        start_time=time(18, 0),
        first_date=timezone.localdate() + timedelta(days=1),
    )


def test_generating_skips_the_closed_days_and_says_why(spin):
    closed = timezone.localdate() + timedelta(days=2)
    Closure.objects.create(
        location=spin.location, first_day=closed, last_day=closed, reason="Deep clean"
    )

    output = generate("-v", "2")

    days = [timezone.localdate(c.starts_at) for c in FitnessClass.objects.filter(series=spin)]
    assert closed not in days
    assert len(days) == 5
    assert f"Skipped 1 session on a day its location is closed: Spin on {closed:%d %b} " in (output)
    assert "(Deep clean)." in output
    assert "1 on closed days" in output


def test_another_locations_closure_is_not_this_series_business(spin):
    tomorrow = timezone.localdate() + timedelta(days=1)
    other = LocationFactory(name="Riverside")
    Closure.objects.create(location=other, first_day=tomorrow, last_day=tomorrow)

    output = generate()

    assert FitnessClass.objects.filter(series=spin).count() == 6
    assert "closed" not in output


def test_the_repository_finds_the_closures_that_reach_the_dates(spin):
    today = timezone.localdate()
    Closure.objects.create(location=spin.location, first_day=today, last_day=today, reason="A")
    later = today + timedelta(days=30)
    Closure.objects.create(location=spin.location, first_day=later, last_day=later, reason="B")

    found = DjangoClassSeriesRepository().closures_of(
        str(spin.pk), today - timedelta(days=1), today + timedelta(days=7)
    )

    assert [closure.reason for closure in found] == ["A"]


def test_a_session_already_on_a_day_that_then_closes_stays(spin):
    generate()
    closed = timezone.localdate() + timedelta(days=2)
    Closure.objects.create(location=spin.location, first_day=closed, last_day=closed)

    output = generate()

    days = [timezone.localdate(c.starts_at) for c in FitnessClass.objects.filter(series=spin)]
    assert closed in days
    assert len(days) == 6
    assert "(6 already there)." in output
