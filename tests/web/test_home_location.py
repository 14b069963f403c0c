"""A member's home location: she chooses it on her page (staff in her admin page), and the
schedule opens there, the other gyms one click away in its location menu, in the same number
of queries as without one."""

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members.models import Member
from tests.factories import FitnessClassFactory, LocationFactory, staff_client
from tests.web.test_admin import admin_url, change_form_data
from tests.web.test_schedule import SCHEDULE_QUERIES, text_of
from tests.web.test_your_data import download

pytestmark = pytest.mark.django_db

SCHEDULE = reverse("classes:schedule")
HOME = reverse("members:home_location")


@pytest.fixture
def gyms():
    """Old Town comes first by name, so a schedule that opens at Riverside opened at home."""
    old_town = LocationFactory(name="Old Town", time_zone="Europe/London")
    riverside = LocationFactory(name="Riverside", time_zone="America/New_York")
    for location, name in [(old_town, "Old Town Yoga"), (riverside, "Riverside Spin")]:
        # tomorrow on the gym's own clock: in the small hours in London, New York is a day behind
        tomorrow = date.fromisoformat(tomorrow_at(location)["day"])
        starts_at = datetime.combine(tomorrow, time(12), ZoneInfo(location.time_zone))
        FitnessClassFactory(name=name, location=location, starts_at=starts_at)
    return old_town, riverside


def shown(response) -> tuple[str, list[str]]:
    return response.context["location"].name, [
        r.fitness_class.name for r in response.context["rows"]
    ]


def tomorrow_at(location) -> dict[str, str]:
    day = timezone.localdate(timezone.now(), ZoneInfo(location.time_zone)) + timedelta(days=1)
    return {"day": day.isoformat()}


def test_the_schedule_opens_at_her_home_location_and_the_others_stay_a_click_away(
    gyms, member, member_client
):
    # given Ana, whose home gym is Riverside (not the first by name)
    old_town, riverside = gyms
    Member.objects.filter(pk=member.pk).update(home_location=riverside)

    # when she opens the schedule without naming a location, then picks Old Town from its menu
    home = member_client.get(SCHEDULE, tomorrow_at(riverside))
    other = member_client.get(SCHEDULE, {**tomorrow_at(old_town), "location": "Old Town"})

    # then it opens at Riverside, with Old Town in the menu, and the menu's choice wins
    assert shown(home) == ("Riverside", ["Riverside Spin"])
    assert home.context["choices"].locations == ["Old Town", "Riverside"]
    assert '<option value="Riverside" selected>' in home.content.decode()
    assert shown(other) == ("Old Town", ["Old Town Yoga"])


def test_without_a_home_location_the_schedule_opens_at_the_first_by_name(gyms, member_client):
    old_town, _ = gyms

    response = member_client.get(SCHEDULE, tomorrow_at(old_town))

    assert shown(response) == ("Old Town", ["Old Town Yoga"])


def test_the_home_location_costs_the_schedule_no_query(
    gyms, member, member_client, django_assert_num_queries
):
    _, riverside = gyms
    Member.objects.filter(pk=member.pk).update(home_location=riverside)

    with django_assert_num_queries(SCHEDULE_QUERIES):
        response = member_client.get(SCHEDULE, tomorrow_at(riverside))

    assert shown(response) == ("Riverside", ["Riverside Spin"])


def test_she_chooses_her_home_gym_on_her_page_and_can_go_back_to_none(gyms, member, member_client):
    _, riverside = gyms
    page = member_client.get(HOME)
    assert page.status_code == 200
    assert "Your home gym" in text_of(page)
    assert '<option value="" selected>' in page.content.decode()

    chosen = member_client.post(HOME, {"home_location": riverside.pk}, follow=True)

    member.refresh_from_db()
    assert member.home_location == riverside
    assert "Your home gym is Riverside: the schedule opens there." in text_of(chosen)
    assert shown(member_client.get(SCHEDULE))[0] == "Riverside"

    member_client.post(HOME, {"home_location": ""})

    member.refresh_from_db()
    assert member.home_location is None


def test_her_home_gym_is_in_her_data_export(gyms, member, member_client):
    _, riverside = gyms
    member_client.post(HOME, {"home_location": riverside.pk})

    data = json.loads(download(member_client, "json"))

    assert data["profile"]["home_location"] == "Riverside"


NO_GYM = "That is not one of our gyms: choose one from the list."


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("999999", NO_GYM),
        ("Riverside", NO_GYM),
        ("1 OR 1=1", NO_GYM),
        ("\x00", "Null characters are not allowed."),
    ],
)
def test_a_choice_that_is_no_gym_is_refused_and_changes_nothing(
    gyms, member, member_client, value, message
):
    old_town, _ = gyms
    Member.objects.filter(pk=member.pk).update(home_location=old_town)

    response = member_client.post(HOME, {"home_location": value})

    assert response.status_code == 200
    assert message in text_of(response)
    member.refresh_from_db()
    assert member.home_location == old_town


def test_staff_see_and_change_a_member_s_home_location_in_her_admin_page(
    gyms, member, django_user_model
):
    # given a manager on Ana's admin page
    old_town, riverside = gyms
    manager = staff_client(Client(), django_user_model, "Manager", "boss")
    url = admin_url(Member, "change", member.pk)
    page = manager.get(url)
    assert "home_location" in page.context["adminform"].form.fields

    # when the manager makes Riverside her home gym
    saved = manager.post(url, {**change_form_data(page), "home_location": riverside.pk})

    # then it is saved, and the list's filter finds her there
    assert saved.status_code == 302
    member.refresh_from_db()
    assert member.home_location == riverside
    changelist = admin_url(Member, "changelist")
    listed = manager.get(changelist, {"home_location__id__exact": riverside.pk})
    assert [m.pk for m in listed.context["cl"].result_list] == [member.pk]
    elsewhere = manager.get(changelist, {"home_location__id__exact": old_town.pk})
    assert list(elsewhere.context["cl"].result_list) == []
