"""A location keeps a real IANA time zone, and a class's room is one of its location's."""

from zoneinfo import ZoneInfo

import pytest

from domain.locations import InvalidLocationException, Location, ensure_room_at, time_zone_named


def test_a_location_is_built_from_what_staff_typed_trimmed():
    riverside = Location.of(" Riverside ", "America/New_York", " 1 River Rd ")

    assert riverside == Location(
        name="Riverside", time_zone=ZoneInfo("America/New_York"), address="1 River Rd"
    )


@pytest.mark.parametrize("name", ["Europe/London", "America/New_York", "UTC", " Asia/Tokyo "])
def test_an_iana_time_zone_is_accepted(name):
    assert time_zone_named(name) == ZoneInfo(name.strip())


@pytest.mark.parametrize("name", ["", "   ", "Mars/Olympus", "GMT+25", "../etc/passwd", None])
def test_anything_else_is_refused_with_an_example_of_a_time_zone(name):
    with pytest.raises(InvalidLocationException) as refused:
        time_zone_named(name)

    assert "is not a time zone: give its IANA name, such as Europe/London" in str(refused.value)


def test_a_location_needs_a_name():
    with pytest.raises(InvalidLocationException, match=r"Give the location a name\."):
        Location.of("  ", "Europe/London")


def test_a_room_of_the_class_s_location_or_no_room_is_accepted():
    ensure_room_at("Riverside", "Riverside")
    ensure_room_at("Riverside", None)


def test_a_room_of_another_location_is_refused_saying_where_it_is():
    with pytest.raises(InvalidLocationException) as refused:
        ensure_room_at("Riverside", "Old Town")

    assert str(refused.value) == (
        "That room is at Old Town, not at Riverside: choose one of Riverside's rooms, or no room."
    )
