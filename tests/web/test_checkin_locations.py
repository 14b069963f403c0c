"""Check-in at the desk's own locations: today's menu offers only them, and another location's
roster, marks and "everyone came" are a 404 that changes nothing and names nothing."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from tests.factories import (
    BookingFactory,
    FitnessClassFactory,
    LocationFactory,
    MemberFactory,
    work_at_every_location,
)

pytestmark = pytest.mark.django_db

HIDDEN = ("Harbour Side Gym", "Secret Sunrise Spin", "Hidden Hana")


@pytest.fixture
def old_town():
    return LocationFactory(name="Old Town", time_zone="Europe/London")


@pytest.fixture
def harbour():
    return LocationFactory(name="Harbour Side Gym", time_zone="Europe/London")


@pytest.fixture
def hidden_class(harbour):
    """A class at the other location starting soon, with a booking nobody has marked."""
    fitness_class = FitnessClassFactory(
        name="Secret Sunrise Spin",
        location=harbour,
        starts_at=timezone.now() + timedelta(minutes=20),
    )
    BookingFactory(fitness_class=fitness_class, member=MemberFactory(name="Hidden Hana"))
    return fitness_class


@pytest.fixture
def desk_user(django_user_model, old_town):
    user = django_user_model.objects.create_user(username="desk", is_staff=True)
    user.groups.add(Group.objects.get(name="Front desk"))
    user.staffed_locations.add(old_town)
    return user


@pytest.fixture
def desk(client, desk_user):
    client.force_login(desk_user)
    return client


def shown_names(response) -> list[str]:
    text = response.content.decode()
    return [name for name in HIDDEN if name in text]


def test_todays_menu_offers_only_the_desks_locations(desk, old_town, hidden_class):
    FitnessClassFactory(name="Morning Pump", location=old_town, starts_at=timezone.now())

    response = desk.get(reverse("bookings:checkin_today"))

    assert response.context["locations"] == ["Old Town"]
    assert response.context["location"] == "Old Town"
    assert "Morning Pump" in response.content.decode()
    assert shown_names(response) == []


def test_asking_for_another_location_by_name_shows_the_desks_own(desk, old_town, hidden_class):
    response = desk.get(reverse("bookings:checkin_today"), {"location": "Harbour Side Gym"})

    assert response.status_code == 200
    assert response.context["location"] == "Old Town"
    assert shown_names(response) == []


def test_staff_of_no_location_see_an_empty_day(client, django_user_model, hidden_class):
    user = django_user_model.objects.create_user(username="new", is_staff=True)
    user.groups.add(Group.objects.get(name="Front desk"))
    client.force_login(user)

    response = client.get(reverse("bookings:checkin_today"))

    assert response.status_code == 200
    assert list(response.context["classes"]) == []
    assert shown_names(response) == []


def test_another_locations_roster_is_not_found(desk, hidden_class):
    response = desk.get(reverse("bookings:checkin", args=[hidden_class.pk]))

    assert response.status_code == 404
    assert shown_names(response) == []


def test_marking_a_booking_of_another_location_is_not_found_and_changes_nothing(desk, hidden_class):
    booking = Booking.objects.get(fitness_class=hidden_class)

    response = desk.post(
        reverse("bookings:checkin_mark", args=[hidden_class.pk]),
        {"booking": [str(booking.pk)], "outcome": "attended"},
    )

    assert response.status_code == 404
    assert shown_names(response) == []
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"


def test_everyone_came_at_another_location_is_not_found_and_changes_nothing(desk, hidden_class):
    response = desk.post(reverse("bookings:checkin_mark_unmarked", args=[hidden_class.pk]))

    assert response.status_code == 404
    assert list(Booking.objects.values_list("status", flat=True)) == ["confirmed"]


def test_the_desks_own_classes_are_marked_as_before(desk, old_town):
    fitness_class = FitnessClassFactory(
        location=old_town, starts_at=timezone.now() + timedelta(minutes=20)
    )
    booking = BookingFactory(fitness_class=fitness_class)

    response = desk.post(reverse("bookings:checkin_mark_unmarked", args=[fitness_class.pk]))

    assert response.status_code == 302
    assert Booking.objects.get(pk=booking.pk).status == "attended"


def test_the_chains_managers_check_in_anywhere(desk, desk_user, hidden_class):
    desk.force_login(work_at_every_location(desk_user))  # a new role signs the old one out

    menu = desk.get(reverse("bookings:checkin_today"), {"location": "Harbour Side Gym"})
    roster = desk.get(reverse("bookings:checkin", args=[hidden_class.pk]))

    assert menu.context["locations"] == ["Harbour Side Gym", "Old Town"]
    assert "Secret Sunrise Spin" in menu.content.decode()
    assert roster.status_code == 200
    assert "Hidden Hana" in roster.content.decode()
