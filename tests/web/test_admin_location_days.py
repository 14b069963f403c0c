"""The class admin's date filter counts a class's day on its own location's clock, and over the
locations the user works at only."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bookings.models import Booking
from classes.models import FitnessClass
from tests.factories import BookingFactory, FitnessClassFactory, LocationFactory, staff_client
from tests.web.test_admin import admin_url

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def shibuya():
    return LocationFactory(name="Shibuya", time_zone="Asia/Tokyo")


def at_tokyo(location, name: str, days_from_today: int, at: time) -> FitnessClass:
    day = timezone.localdate(timezone.now(), TOKYO) + timedelta(days=days_from_today)
    return FitnessClassFactory(
        name=name, location=location, starts_at=datetime.combine(day, at, TOKYO)
    )


def listed(client, model, when: str) -> set[str]:
    response = client.get(admin_url(model, "changelist"), {"when": when})
    rows = response.context["cl"].result_list
    return {row.name if model is FitnessClass else row.fitness_class.name for row in rows}


def test_today_is_the_classes_locations_day_midnight_to_midnight(manager, shibuya):
    # given Tokyo's first and last half hours of its today (23 hours apart: no other clock's
    # day holds both), and the half hours either side of it
    for name, days, at in [
        ("Dawn", 0, time(0, 30)),
        ("Night", 0, time(23, 30)),
        ("Yesterday night", -1, time(23, 30)),
        ("Tomorrow dawn", 1, time(0, 30)),
    ]:
        BookingFactory(fitness_class=at_tokyo(shibuya, name, days, at))

    assert listed(manager, FitnessClass, "today") == {"Dawn", "Night"}
    assert listed(manager, FitnessClass, "tomorrow") == {"Tomorrow dawn"}
    assert listed(manager, Booking, "today") == {"Dawn", "Night"}


def test_a_locations_staff_see_only_its_days_classes(client, django_user_model, shibuya):
    at_tokyo(shibuya, "Dawn", 0, time(0, 30))
    at_tokyo(LocationFactory(name="Harbour Side Gym", time_zone="Asia/Tokyo"), "Hidden", 0, time(9))
    desk = staff_client(client, django_user_model, "Front desk", "desk", locations=[shibuya])

    assert listed(desk, FitnessClass, "today") == {"Dawn"}
    assert listed(desk, FitnessClass, "week") == {"Dawn"}
