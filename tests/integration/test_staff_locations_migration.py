"""Locations get their staff (locations 0003): every staff login there is when it runs works at
every location there is, so an installation of one gym keeps working as before; logins without
staff status are nobody's staff, and later staff are assigned by hand. Migrated back, the
assignments go and nothing else does.

The database is migrated back to before staff had locations, filled as it was then, and
migrated forward again, as an installation upgrading would be.
"""

import pytest

from locations.models import Location
from tests.migrations import latest, migrate, migrated_back

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_STAFF_LOCATIONS = [("locations", "0002_staff_permissions")]
STAFF_LOCATIONS = [("locations", "0003_staff_locations")]


@pytest.fixture
def old_apps():
    """The models as they were before staff had locations, on a database migrated back to
    then; migrated forward again afterwards, whatever the test did."""
    yield from migrated_back(BEFORE_STAFF_LOCATIONS)


def test_todays_staff_work_at_every_location_and_nobody_else_does(old_apps, django_user_model):
    # given two locations, two staff logins and a member's login, before staff had locations
    old_location = old_apps.get_model("locations", "Location")
    for name in ("Old Town", "Riverside"):
        old_location.objects.create(name=name, time_zone="Europe/London")
    desk = django_user_model.objects.create_user(username="desk", is_staff=True)
    boss = django_user_model.objects.create_user(username="boss", is_staff=True)
    member = django_user_model.objects.create_user(username="ana@example.com")

    # when the migration runs
    migrate(latest())

    # then both staff work at both locations, and the member's login at none
    for location in Location.objects.all():
        assert set(location.staff.all()) == {desk, boss}
    assert not member.staffed_locations.exists()


def test_migrating_back_drops_the_assignments_and_keeps_every_location(old_apps, django_user_model):
    old_apps.get_model("locations", "Location").objects.create(
        name="Old Town", time_zone="Europe/London"
    )
    django_user_model.objects.create_user(username="desk", is_staff=True)
    migrate(STAFF_LOCATIONS)

    apps = migrate(BEFORE_STAFF_LOCATIONS)

    old_location = apps.get_model("locations", "Location")
    assert list(old_location.objects.values_list("name", flat=True)) == ["Old Town"]
    assert "staff" not in {field.name for field in old_location._meta.get_fields()}
