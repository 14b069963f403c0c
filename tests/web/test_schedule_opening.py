"""The schedule says how the chosen location opens on the day shown: its hours, or that it
is closed and why; nothing for a location open at all times."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from locations.models import Closure, OpeningHours
from tests.factories import FitnessClassFactory, LocationFactory
from tests.web.test_schedule import SCHEDULE_QUERIES

pytestmark = pytest.mark.django_db

SCHEDULE = reverse("classes:schedule")
MONDAY = date(2030, 12, 23)


@pytest.fixture
def riverside():
    """Riverside (New York): Mondays 06:00-12:00 and 16:00-22:00, Tuesdays closed but for
    Christmas week's closure; Old Town has no hours at all."""
    LocationFactory(name="Old Town", time_zone="Europe/London")
    gym = LocationFactory(name="Riverside", time_zone="America/New_York")
    for opens, closes in ((6, 12), (16, 22)):
        OpeningHours.objects.create(location=gym, weekday=0, opens=time(opens), closes=time(closes))
    OpeningHours.objects.create(location=gym, weekday=2, opens=time(8), closes=time(20))
    Closure.objects.create(
        location=gym, first_day=date(2030, 12, 25), last_day=date(2030, 12, 26), reason="Christmas"
    )
    return gym


def opening_of(client, location: str, day: date) -> str:
    response = client.get(SCHEDULE, {"location": location, "day": day.isoformat()})
    assert response.status_code == 200
    return response.context["opening"]


def test_the_schedule_shows_the_days_hours(member_client, riverside):
    assert opening_of(member_client, "Riverside", MONDAY) == (
        "Open 06:00\u201312:00 and 16:00\u201322:00"
    )
    page = member_client.get(SCHEDULE, {"location": "Riverside", "day": MONDAY.isoformat()})
    assert "Open 06:00\u201312:00 and 16:00\u201322:00" in page.content.decode()


def test_a_weekday_without_hours_is_shown_closed(member_client, riverside):
    assert opening_of(member_client, "Riverside", MONDAY + timedelta(days=1)) == "Closed"


def test_a_closure_is_shown_with_its_reason_over_the_weekly_hours(member_client, riverside):
    christmas = date(2030, 12, 25)  # a Wednesday, which has hours

    assert opening_of(member_client, "Riverside", christmas) == "Closed: Christmas"
    assert opening_of(member_client, "Riverside", date(2030, 12, 27)) == "Closed"
    assert opening_of(member_client, "Riverside", date(2031, 1, 1)) == "Open 08:00\u201320:00"


def test_a_location_without_hours_says_nothing(member_client, riverside):
    page = member_client.get(SCHEDULE, {"location": "Old Town", "day": MONDAY.isoformat()})

    assert page.context["opening"] == ""
    assert "opening-hours" not in page.content.decode()


def test_the_days_hours_cost_the_schedule_one_query(
    member_client, riverside, django_assert_num_queries
):
    wednesday = date(2031, 1, 1)
    starts = datetime.combine(wednesday, time(10), ZoneInfo("America/New_York"))
    FitnessClassFactory(location="Riverside", starts_at=starts)
    opening_of(member_client, "Riverside", MONDAY)  # the sign-in's first request

    with django_assert_num_queries(SCHEDULE_QUERIES):
        assert opening_of(member_client, "Riverside", wednesday) == "Open 08:00\u201320:00"
