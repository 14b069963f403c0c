"""Today's classes and series, whose location is free text, migrate to locations: one per
distinct text, on the clock of `TIME_ZONE`, with the classes that named none at one default
location; nothing is lost and no id changes.

The database is migrated back to before locations, filled as it was then (through the models
of that state), and migrated forward again, as an installation upgrading would be.
"""

import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bookings.models import Booking
from domain.locations import DEFAULT_LOCATION_NAME
from tests.migrations import latest, migrate, migrated_back, models_at

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_LOCATIONS = [("classes", "0005_capacities_within_the_limit")]
# Where migrating back to then leaves the members (their home location points to a location).
MEMBERS_BEFORE_LOCATIONS = ("members", "0013_pending_sign_ups")
# And the bookings (since memberships, which come after the members' home locations).
BOOKINGS_BEFORE_LOCATIONS = ("bookings", "0008_admin_list_indexes")
STARTS = datetime(2030, 3, 4, 18, 0, tzinfo=UTC)


@pytest.fixture
def old_apps():
    """The models as they were before locations, on a database migrated back to then; the
    database is migrated forward again afterwards, whatever the test did."""
    yield from migrated_back(BEFORE_LOCATIONS)


def old_class(apps, location: str, **fields):
    return apps.get_model("classes", "FitnessClass").objects.create(
        id=uuid.uuid4(),
        name=fields.pop("name", "Spin"),
        location=location,
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=1),
        capacity=10,
        **fields,
    )


def old_series(apps, location: str):
    return apps.get_model("classes", "ClassSeries").objects.create(
        id=uuid.uuid4(),
        name="Yoga",
        location=location,
        weekdays=[0],
        start_time=time(9, 0),
        duration_minutes=60,
        capacity=8,
        first_date=date(2030, 3, 4),
    )


def test_free_text_locations_become_locations_and_every_row_keeps_its_id(old_apps, settings):
    # given classes at "Studio 1" (two), "Hall" and nowhere, and series at "Hall" and nowhere
    settings.TIME_ZONE = "America/New_York"
    studio = [old_class(old_apps, "Studio 1"), old_class(old_apps, "Studio 1", name="Box")]
    hall, nowhere = old_class(old_apps, "Hall"), old_class(old_apps, "")
    hall_series, nowhere_series = old_series(old_apps, "Hall"), old_series(old_apps, "")
    # (members went back too, to before their home locations, and bookings to before the
    # memberships that pay for them)
    members = models_at([MEMBERS_BEFORE_LOCATIONS, BOOKINGS_BEFORE_LOCATIONS])
    ana = members.get_model("members", "Member").objects.create(name="Ana", email="a@x.com")
    booking = members.get_model("bookings", "Booking").objects.create(
        member_id=ana.pk, fitness_class_id=hall.pk, created_at=STARTS - timedelta(days=1)
    )

    # when the database is migrated to today's models
    apps = migrate(latest())

    # then each text is a location on the clock configured then, the empty one the default
    Location = apps.get_model("locations", "Location")
    assert sorted(Location.objects.values_list("name", "time_zone", "address")) == [
        ("Hall", "America/New_York", ""),
        (DEFAULT_LOCATION_NAME, "America/New_York", ""),
        ("Studio 1", "America/New_York", ""),
    ]
    # and every class and series is still there, under its id, at the location it named
    classes = apps.get_model("classes", "FitnessClass").objects
    where = {row.pk: (row.name, row.location.name, row.room_id) for row in classes.all()}
    assert where == {
        studio[0].pk: ("Spin", "Studio 1", None),
        studio[1].pk: ("Box", "Studio 1", None),
        hall.pk: ("Spin", "Hall", None),
        nowhere.pk: ("Spin", DEFAULT_LOCATION_NAME, None),
    }
    series = apps.get_model("classes", "ClassSeries").objects
    assert {row.pk: row.location.name for row in series.all()} == {
        hall_series.pk: "Hall",
        nowhere_series.pk: DEFAULT_LOCATION_NAME,
    }
    # and what points to them still does
    assert Booking.objects.get(pk=booking.pk).fitness_class_id == hall.pk


def test_migrating_back_gives_the_classes_their_text_again(old_apps):
    # given classes at "Hall" and nowhere, migrated forward
    hall, nowhere = old_class(old_apps, "Hall"), old_class(old_apps, "")
    migrate(latest())

    # when the database is migrated back
    apps = migrate(BEFORE_LOCATIONS)

    # then each class has the text it had
    classes = apps.get_model("classes", "FitnessClass").objects
    assert dict(classes.values_list("pk", "location")) == {hall.pk: "Hall", nowhere.pk: ""}
