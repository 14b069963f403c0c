"""The locations' admin: a manager adds a location with its rooms on one page, a time zone
that is not one is refused with an example, the front desk only looks, and a location that
has classes stays."""

import pytest

from locations.models import Location, Room
from tests.factories import FitnessClassFactory, LocationFactory, RoomFactory
from tests.web.test_admin import admin_url, change_form_data

pytestmark = pytest.mark.django_db

ROOMS = "rooms"  # the inline's prefix (the related name)
INLINES = ("opening_hours", "closures")
COUNTS = ("TOTAL_FORMS", "INITIAL_FORMS")


def location_form(**fields) -> dict[str, str]:
    """The add page's fields: Riverside in New York with one room, the Loft for 14."""
    return {
        "name": "Riverside",
        "time_zone": "America/New_York",
        "address": "1 River Rd",
        f"{ROOMS}-TOTAL_FORMS": "1",
        f"{ROOMS}-INITIAL_FORMS": "0",
        f"{ROOMS}-0-name": "Loft",
        f"{ROOMS}-0-capacity": "14",
        # The opening hours and closures inlines, left empty.
        **{f"{prefix}-{count}": "0" for prefix in INLINES for count in COUNTS},
        **fields,
    }


def test_a_manager_adds_a_location_with_its_rooms(manager):
    response = manager.post(admin_url(Location, "add"), location_form())

    assert response.status_code == 302
    riverside = Location.objects.get()
    assert (riverside.name, riverside.time_zone, riverside.address) == (
        "Riverside",
        "America/New_York",
        "1 River Rd",
    )
    assert list(riverside.rooms.values_list("name", "capacity")) == [("Loft", 14)]


def test_a_time_zone_that_is_not_one_is_refused_with_an_example(manager):
    response = manager.post(admin_url(Location, "add"), location_form(time_zone="New York"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["time_zone"] == [
        "“New York” is not a time zone: give its IANA name, such as Europe/London or "
        "America/New_York."
    ]
    assert not Location.objects.exists()


def test_two_rooms_of_one_name_at_a_location_are_refused(manager):
    riverside = LocationFactory(name="Riverside")
    RoomFactory(location=riverside, name="Loft")
    url = admin_url(Location, "change", riverside.pk)
    data = change_form_data(manager.get(url))
    data.update({f"{ROOMS}-1-name": "Loft", f"{ROOMS}-1-capacity": "5"})
    data[f"{ROOMS}-TOTAL_FORMS"] = "2"

    response = manager.post(url, data)

    assert response.status_code == 200
    assert Room.objects.count() == 1


def test_the_front_desk_sees_locations_and_rooms_but_changes_nothing(front_desk):
    riverside = LocationFactory(name="Riverside")
    loft = RoomFactory(location=riverside, name="Loft")

    listing = front_desk.get(admin_url(Location, "changelist"))
    page = front_desk.get(admin_url(Location, "change", riverside.pk))
    rooms = front_desk.get(admin_url(Room, "changelist"))
    renamed = front_desk.post(
        admin_url(Location, "change", riverside.pk), location_form(name="Elsewhere")
    )

    assert (listing.status_code, page.status_code, rooms.status_code) == (200, 200, 200)
    assert "Riverside" in listing.content.decode()
    assert "Loft" in rooms.content.decode()
    assert renamed.status_code == 403
    assert front_desk.get(admin_url(Location, "add")).status_code == 403
    assert Location.objects.get().name == "Riverside"
    assert Room.objects.get() == loft


def test_a_location_with_classes_cannot_be_deleted(manager):
    spin = FitnessClassFactory(location="Riverside")

    response = manager.post(admin_url(Location, "delete", spin.location.pk), {"post": "yes"})

    assert response.status_code == 200  # the page says what protects it
    assert "Cannot delete location" in response.content.decode()
    assert Location.objects.filter(pk=spin.location.pk).exists()


def test_the_room_list_reads_the_same_queries_for_2_and_40_rooms(
    admin_client, django_assert_max_num_queries
):
    riverside = LocationFactory(name="Riverside")
    for n in range(2):
        RoomFactory(location=riverside, name=f"Room {n}")
    url = admin_url(Room, "changelist")
    with django_assert_max_num_queries(99) as few:
        admin_client.get(url)
    for n in range(2, 40):
        RoomFactory(location=LocationFactory(name=f"Gym {n}"), name=f"Room {n}")

    with django_assert_max_num_queries(len(few)):
        assert admin_client.get(url).status_code == 200
