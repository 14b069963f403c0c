"""A series moved to another location: its upcoming sessions nobody booked follow it and keep
their local wall-clock time, now on the new location's clock (18:00 in London stays 18:00,
in New York); a booked session keeps its time and place."""

from datetime import UTC, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from classes.models import FitnessClass
from tests.factories import BookingFactory, ClassSeriesFactory, LocationFactory

pytestmark = pytest.mark.django_db

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
NOW = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)


def test_a_series_moved_to_another_location_keeps_its_sessions_local_times_there(
    services, monkeypatch
):
    # given Spin at 18:00 every day in London, its next two weeks generated, one booked
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    LocationFactory(name="Thames", time_zone="Europe/London")
    LocationFactory(name="Hudson", time_zone="America/New_York")
    series = ClassSeriesFactory(
        location="Thames",
        weekdays=list(range(7)),
        start_time=time(18, 0),
        first_date=NOW.date() + timedelta(days=1),
        last_date=NOW.date() + timedelta(days=7),
    )
    call_command("generate_classes", "--weeks", "2", stdout=StringIO())
    booked = FitnessClass.objects.filter(series=series).order_by("starts_at").first()
    BookingFactory(fitness_class=booked)
    kept_at = booked.starts_at

    # when staff move the series to Hudson
    services.update_series.execute(str(series.pk), location="Hudson")

    # then every unbooked session is at Hudson at 18:00 on New York's clock
    moved = FitnessClass.objects.filter(series=series).exclude(pk=booked.pk)
    assert moved.count() == 6
    assert set(moved.values_list("location__name", flat=True)) == {"Hudson"}
    assert {f"{s.starts_at.astimezone(NEW_YORK):%H:%M}" for s in moved} == {"18:00"}
    # and the booked one stayed where and when it was
    booked.refresh_from_db()
    assert (booked.location.name, booked.starts_at) == ("Thames", kept_at)
    assert f"{booked.starts_at.astimezone(LONDON):%H:%M}" == "18:00"
