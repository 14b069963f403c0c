"""The demo's gyms have opening hours that every demo class fits, and a closure on the day
after the demo's week, each on its own clock."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from classes.models import FitnessClass
from locations.models import Location
from locations.opening import opening_rules
from tests.integration.test_seed_demo import development, seed  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def test_every_demo_class_lies_within_its_gyms_hours_and_a_closure_follows_the_week():
    seed()

    for location in Location.objects.filter(name__in=["Old Town", "Riverside"]):
        rules = opening_rules(location)
        assert rules.has_hours
        classes = FitnessClass.objects.filter(location=location)
        assert classes.exists()
        refusals = [rules.refusal(c.starts_at, c.ends_at) for c in classes]
        assert refusals == [None] * len(refusals)
        [closure] = rules.closures
        today = timezone.localdate(timezone.now(), ZoneInfo(location.time_zone))
        assert closure.first_day == closure.last_day == today + timedelta(days=7)
        assert closure.reason == "Staff training"


def test_seeding_again_leaves_the_hours_as_they_are():
    seed()
    hours = Location.objects.get(name="Old Town").opening_hours.count()

    seed()

    assert Location.objects.get(name="Old Town").opening_hours.count() == hours == 7
