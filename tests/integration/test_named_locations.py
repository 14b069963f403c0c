"""A script that sets up a gym names its location; the location is added once, on the
installation's clock."""

import pytest

from locations.models import Location

pytestmark = pytest.mark.django_db


def test_a_named_location_is_added_on_the_configured_clock_once(settings):
    settings.TIME_ZONE = "America/New_York"

    first = Location.objects.named("Riverside")
    again = Location.objects.named("Riverside")

    assert first == again
    assert list(Location.objects.values_list("name", "time_zone")) == [
        ("Riverside", "America/New_York")
    ]
