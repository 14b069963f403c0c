"""Reports per location: staff report on the locations they work at (one, or all of theirs;
the chain's managers on the whole chain), grouped by location if they like, each class counted
on its day on its own location's clock."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    BookingFactory,
    FitnessClassFactory,
    LocationFactory,
    work_at_every_location,
)

pytestmark = pytest.mark.django_db

REPORT_URL = reverse("reports:report")
CSV_URL = reverse("reports:csv")
JULY_1 = {"start": "2024-07-01", "end": "2024-07-01"}
TOKYO = ZoneInfo("Asia/Tokyo")
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def old_town():
    return LocationFactory(name="Old Town", time_zone="Europe/London")


@pytest.fixture
def shibuya():
    return LocationFactory(name="Shibuya", time_zone="Asia/Tokyo")


@pytest.fixture
def july_classes(old_town, shibuya):
    """Just after midnight on 1 July on each location's clock (counted), and just before it
    (not): the Tokyo ones are the day before in London."""
    for location, zone in ((old_town, LONDON), (shibuya, TOKYO)):
        first = FitnessClassFactory(
            name=f"{location.name} dawn",
            location=location,
            starts_at=datetime(2024, 7, 1, 0, 30, tzinfo=zone),
        )
        BookingFactory(fitness_class=first)
        FitnessClassFactory(
            name=f"{location.name} late",
            location=location,
            starts_at=datetime(2024, 6, 30, 23, 30, tzinfo=zone),
        )


@pytest.fixture
def make_manager(client, django_user_model):
    """A Manager (reports included) at `locations`, or at every location with none."""

    def make(*locations):
        user = django_user_model.objects.create_user(username="boss", is_staff=True)
        user.groups.add(Group.objects.get(name="Manager"))
        if locations:
            user.staffed_locations.set(locations)
        else:
            work_at_every_location(user)
        client.force_login(user)
        return client

    return make


def groups(response) -> list[str]:
    return [row.group for row in response.context["report"].rows]


def test_a_locations_manager_reports_on_their_location_only(make_manager, old_town, july_classes):
    client = make_manager(old_town)

    response = client.get(REPORT_URL, JULY_1)

    assert groups(response) == ["Old Town dawn"]
    assert response.context["form"].fields["location"].choices == [
        ("", "All my locations"),
        ("Old Town", "Old Town"),
    ]
    assert "Shibuya" not in response.content.decode()


def test_another_locations_name_is_refused_as_an_unknown_choice(
    make_manager, old_town, july_classes
):
    client = make_manager(old_town)

    page = client.get(REPORT_URL, {**JULY_1, "location": "Shibuya"})
    export = client.get(CSV_URL, {**JULY_1, "location": "Shibuya"})

    assert page.status_code == 200
    assert page.context["report"] is None
    assert "location" in page.context["form"].errors
    assert "Shibuya dawn" not in page.content.decode()
    assert export.status_code == 400
    assert "Shibuya dawn" not in export.content.decode()


def test_the_csv_holds_only_the_managers_locations(make_manager, old_town, july_classes):
    client = make_manager(old_town)

    export = client.get(CSV_URL, {**JULY_1, "group": "location"})

    lines = export.content.decode().splitlines()
    assert lines[0].startswith("Location,")
    assert [line.split(",")[0] for line in lines[1:]] == ["Old Town", "Total"]


def test_the_chain_groups_by_location_each_class_on_its_own_clock(make_manager, july_classes):
    client = make_manager()

    response = client.get(REPORT_URL, {**JULY_1, "group": "location"})

    report = response.context["report"]
    assert groups(response) == ["Old Town", "Shibuya"]
    assert [row.classes_held for row in report.rows] == [1, 1]
    assert report.total.booked == 2
    assert response.context["form"].fields["location"].choices[0] == ("", "The whole chain")
    assert "each class counts on its day on its own location" in response.content.decode()


def test_one_location_chosen_counts_its_days_and_defaults_to_its_today(
    make_manager, old_town, shibuya, july_classes
):
    client = make_manager(old_town, shibuya)

    chosen = client.get(REPORT_URL, {**JULY_1, "location": "Shibuya"})
    default = client.get(REPORT_URL, {"location": "Shibuya"})
    mine = client.get(REPORT_URL, JULY_1)

    assert groups(chosen) == ["Shibuya dawn"]
    assert "Shibuya: days on its own clock" in chosen.content.decode()
    today_in_tokyo = timezone.localdate(timezone.now(), TOKYO)
    assert default.context["report"].period.last_day == today_in_tokyo
    assert default.context["report"].period.first_day == today_in_tokyo - timedelta(days=27)
    assert groups(mine) == ["Old Town dawn", "Shibuya dawn"]


def test_staff_of_a_location_without_classes_see_none_of_the_others(make_manager, july_classes):
    user = make_manager(LocationFactory(name="Elsewhere"))

    response = user.get(REPORT_URL, JULY_1)

    assert groups(response) == []
    assert response.context["report"].total.classes_held == 0
