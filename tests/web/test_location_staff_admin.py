"""Who works where, in the admin: the chain's managers assign staff to a location (the staff
logins side by side); a location's own Manager does not see the assignments, adds a location
they then work at, and can put a class or a room only at their own locations and rooms, or a
member's home gym only at theirs (keeping hers)."""

import pytest

from classes.models import FitnessClass
from locations.models import Location, Room
from members.models import Member
from tests.factories import LocationFactory, MemberFactory, RoomFactory, staff_client
from tests.web.test_admin import admin_url, change_form_data
from tests.web.test_location_admin import location_form
from tests.web.test_staff_class_changes import class_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_town():
    return LocationFactory(name="Old Town")


@pytest.fixture
def harbour():
    return LocationFactory(name="Harbour Side Gym")


@pytest.fixture
def local_manager(client, django_user_model, old_town):
    """The Manager of Old Town."""
    return staff_client(client, django_user_model, "Manager", "local", locations=[old_town])


def test_the_chains_manager_assigns_staff_logins_to_a_location(
    manager, old_town, django_user_model
):
    desk = django_user_model.objects.create_user(username="desk", is_staff=True)
    django_user_model.objects.create_user(username="ana@example.com")  # a member's login
    url = admin_url(Location, "change", old_town.pk)
    page = manager.get(url)
    staff_field = page.context["adminform"].form.fields["staff"]

    data = change_form_data(page)
    data["staff"] = [str(desk.pk)]
    response = manager.post(url, data)

    assert [user.username for user in staff_field.queryset] == ["boss", "desk"]
    assert response.status_code == 302
    assert list(old_town.staff.all()) == [desk]


def test_a_locations_manager_neither_sees_nor_changes_who_works_there(
    local_manager, old_town, django_user_model
):
    desk = django_user_model.objects.create_user(username="desk", is_staff=True)
    url = admin_url(Location, "change", old_town.pk)
    page = local_manager.get(url)

    data = change_form_data(page)
    data["staff"] = [str(desk.pk)]
    local_manager.post(url, data)

    assert "staff" not in page.context["adminform"].form.fields
    assert [user.username for user in old_town.staff.all()] == ["local"]


def test_a_location_added_by_a_locations_manager_is_theirs(local_manager):
    response = local_manager.post(admin_url(Location, "add"), location_form())

    riverside = Location.objects.get(name="Riverside")
    assert response.status_code == 302
    assert [user.username for user in riverside.staff.all()] == ["local"]
    assert local_manager.get(admin_url(Location, "change", riverside.pk)).status_code == 200


def test_a_class_cannot_be_put_at_another_location_or_in_its_room(local_manager, old_town, harbour):
    hidden_room = RoomFactory(location=harbour, name="Hidden Room")
    page = local_manager.get(admin_url(FitnessClass, "add"))
    form = page.context["adminform"].form

    elsewhere = local_manager.post(
        admin_url(FitnessClass, "add"), class_form(location=str(harbour.pk))
    )
    in_its_room = local_manager.post(
        admin_url(FitnessClass, "add"),
        class_form(location=str(old_town.pk), room=str(hidden_room.pk)),
    )

    assert list(form.fields["location"].queryset) == [old_town]
    assert hidden_room not in form.fields["room"].queryset
    assert "location" in elsewhere.context["adminform"].form.errors
    assert "room" in in_its_room.context["adminform"].form.errors
    assert not FitnessClass.objects.exists()


def test_a_room_cannot_be_added_at_another_location(local_manager, harbour):
    response = local_manager.post(
        admin_url(Room, "add"), {"name": "Loft", "location": str(harbour.pk), "capacity": "9"}
    )

    assert response.status_code == 200
    assert "location" in response.context["adminform"].form.errors
    assert not Room.objects.exists()


def test_the_front_desk_of_a_location_sees_only_it(client, django_user_model, old_town, harbour):
    desk = staff_client(client, django_user_model, "Front desk", "desk", locations=[old_town])

    listed = desk.get(admin_url(Location, "changelist"))
    other = desk.get(admin_url(Location, "change", harbour.pk))

    assert [location.name for location in listed.context["cl"].result_list] == ["Old Town"]
    assert other.status_code == 404
    assert "Harbour Side Gym" not in other.content.decode()


def test_a_desk_offers_its_own_home_gyms_and_keeps_a_members_home_elsewhere(
    local_manager, old_town, harbour
):
    # given a member whose home gym is Harbour, which Old Town's manager does not work at
    ana = MemberFactory(home_location=harbour)
    url = admin_url(Member, "change", ana.pk)

    # when Old Town's manager opens her page and saves it, and opens the member list
    page = local_manager.get(url)
    saved = local_manager.post(url, change_form_data(page))
    listed = local_manager.get(admin_url(Member, "changelist"))

    # then her home gym is offered beside Old Town and kept; the list filters by Old Town only
    choices = page.context["adminform"].form.fields["home_location"].queryset
    assert sorted(location.name for location in choices) == ["Harbour Side Gym", "Old Town"]
    assert saved.status_code == 302
    ana.refresh_from_db()
    assert ana.home_location == harbour
    assert "Old Town" in listed.text and "Harbour Side Gym" not in listed.text


def test_a_new_member_is_offered_only_the_desks_locations_as_home(local_manager, old_town, harbour):
    page = local_manager.get(admin_url(Member, "add"))
    added = local_manager.post(
        admin_url(Member, "add"),
        {"name": "Zoe Lee", "email": "zoe@example.com", "home_location": str(old_town.pk)},
    )
    elsewhere = local_manager.post(
        admin_url(Member, "add"),
        {"name": "Yan Li", "email": "yan@example.com", "home_location": str(harbour.pk)},
    )

    choices = page.context["adminform"].form.fields["home_location"].queryset
    assert [location.name for location in choices] == ["Old Town"]
    assert added.status_code == 302
    assert Member.objects.get(email="zoe@example.com").home_location == old_town
    assert elsewhere.status_code == 200
    assert not Member.objects.filter(email="yan@example.com").exists()
