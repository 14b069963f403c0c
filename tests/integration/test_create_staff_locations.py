"""`create_staff --location`: a staff login works at the locations named; a name that is no
location's is refused, naming those there are, and nothing is created."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from tests.factories import LocationFactory
from tests.integration.test_staff_logins import create_staff, fast_passwords, password_file

pytestmark = pytest.mark.django_db

__all__ = ["fast_passwords", "password_file"]  # the fixtures this module shares


def test_a_staff_login_works_at_the_locations_named(password_file):
    old_town, riverside = LocationFactory(name="Old Town"), LocationFactory(name="Riverside")
    LocationFactory(name="Harbour")

    out = create_staff(
        "--email", "desk@gym.example.com", "--group", "Front desk",
        "--location", "Old Town", "--location", "Riverside",
        "--password-file", password_file,
    )  # fmt: skip

    user = get_user_model().objects.get()
    assert set(user.staffed_locations.all()) == {old_town, riverside}
    assert out.splitlines()[-1] == "It works at Old Town, Riverside."


def test_without_a_location_it_says_where_to_give_one(password_file):
    LocationFactory(name="Old Town")

    out = create_staff(
        "--email", "desk@gym.example.com", "--group", "Front desk", "--password-file", password_file
    )

    assert not get_user_model().objects.get().staffed_locations.exists()
    assert "It works at no location yet: give --location" in out


def test_a_location_that_is_none_is_refused_and_nothing_is_created(password_file):
    LocationFactory(name="Old Town")

    with pytest.raises(CommandError, match=r"No location Oldtown \(there are: Old Town\)"):
        create_staff(
            "--email", "desk@gym.example.com", "--location", "Oldtown",
            "--password-file", password_file,
        )  # fmt: skip

    assert not get_user_model().objects.exists()
