"""The security log over the ORM: role changes however they are made (a save, either side of
the groups and permissions relations, a clear), by whoever made them; a group's permissions
changing; a login created with
staff status; a member's erasure scrubbing her login name and addresses from her security
events; and old security events pruned like any other."""

import dataclasses
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.utils import timezone

from domain.events import LoginRoleChanged, SignedIn, SignInFailed
from events.actors import Actor, acting_as
from events.dispatcher import restore
from events.models import StoredEvent
from events.scrubbing import ERASED, ERASED_ACTOR
from members.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(django_user_model):
    return django_user_model.objects.create_user(username="desk")


@pytest.fixture
def boss(django_user_model):
    return django_user_model.objects.create_user(username="boss", is_staff=True)


def changes_of(user) -> list[dict]:
    rows = StoredEvent.objects.filter(type="LoginRoleChanged").order_by("occurred_at")
    return [row.payload for row in rows if row.payload["user_id"] == str(user.pk)]


DEFAULTS = {field.name: field.default for field in dataclasses.fields(LoginRoleChanged)}


def without_defaults(payload: dict) -> dict:
    """The fields that say what changed (the others hold their defaults)."""
    return {key: value for key, value in payload.items() if value != DEFAULTS[key]}


def test_saving_staff_and_active_flags_records_what_changed(desk):
    desk.is_staff = True
    desk.is_active = False
    desk.save()

    [change] = changes_of(desk)
    assert without_defaults(change) == {
        "user_id": str(desk.pk),
        "username": "desk",
        "staff": True,
        "active": False,
    }


def test_a_save_that_changes_no_privilege_records_nothing(desk):
    desk.first_name = "Dana"
    desk.save()
    desk.save(update_fields=["last_login"])

    assert changes_of(desk) == []


def test_groups_added_and_removed_from_either_side_are_recorded(desk):
    manager, front_desk = Group.objects.get(name="Manager"), Group.objects.get(name="Front desk")

    desk.groups.add(manager, front_desk)
    front_desk.user_set.remove(desk)
    desk.groups.clear()

    assert [without_defaults(change) for change in changes_of(desk)] == [
        {"user_id": str(desk.pk), "username": "desk", "groups_added": "Front desk, Manager"},
        {"user_id": str(desk.pk), "username": "desk", "groups_removed": "Front desk"},
        {"user_id": str(desk.pk), "username": "desk", "groups_removed": "Manager"},
    ]


def test_own_permissions_added_are_named_by_app_and_codename(desk):
    view_member = Permission.objects.get(codename="view_member")

    desk.user_permissions.add(view_member)
    view_member.user_set.remove(desk)

    assert [
        (change["permissions_added"], change["permissions_removed"]) for change in changes_of(desk)
    ] == [("members.view_member", ""), ("", "members.view_member")]


def test_adding_a_group_the_login_already_has_records_nothing(desk):
    manager = Group.objects.get(name="Manager")
    desk.groups.add(manager)

    desk.groups.add(manager)

    assert len(changes_of(desk)) == 1


def test_a_change_made_on_behalf_of_staff_names_them_and_the_shell_is_the_system(desk, boss):
    with acting_as(Actor.for_user(boss)):
        desk.is_staff = True
        desk.save()
    desk.is_superuser = True
    desk.save()

    rows = StoredEvent.objects.filter(type="LoginRoleChanged", payload__user_id=str(desk.pk))
    assert sorted((row.actor_kind, row.actor_label) for row in rows) == [
        ("staff", "boss"),
        ("system", "system"),
    ]


def test_a_login_created_with_superuser_status_is_recorded_and_a_member_login_is_not(
    django_user_model,
):
    root = django_user_model.objects.create_superuser(username="root")
    ana = django_user_model.objects.create_user(username="ana@example.com")

    assert [without_defaults(change) for change in changes_of(root)] == [
        {
            "user_id": str(root.pk),
            "username": "root",
            "staff": True,
            "superuser": True,
            "new_login": True,
        }
    ]
    assert changes_of(ana) == []


def test_a_groups_permissions_changed_from_either_side_are_recorded_once_per_change(desk):
    front_desk = Group.objects.get(name="Front desk")
    view_series = Permission.objects.get(codename="view_classseries")

    front_desk.permissions.add(view_series)
    view_series.group_set.remove(front_desk)

    rows = StoredEvent.objects.filter(type="GroupPermissionsChanged").order_by("occurred_at")
    assert [row.payload for row in rows] == [
        {
            "group_id": str(front_desk.pk),
            "group": "Front desk",
            "permissions_added": "classes.view_classseries",
            "permissions_removed": "",
        },
        {
            "group_id": str(front_desk.pk),
            "group": "Front desk",
            "permissions_added": "",
            "permissions_removed": "classes.view_classseries",
        },
    ]


def test_a_role_change_still_ends_the_logins_sessions(client, desk):
    client.force_login(desk)

    desk.groups.add(Group.objects.get(name="Front desk"))

    assert "_auth_user_id" not in client.session.load()


# --- Erasure and retention -------------------------------------------------------------------


@pytest.fixture
def zoe(django_user_model):
    user = django_user_model.objects.create_user(username="zoe@example.com")
    member = MemberFactory(name="Zoë Ångström", email="zoe@example.com")
    Member.objects.filter(pk=member.pk).update(user=user)
    member.refresh_from_db()
    return member


def record_sign_ins(services, user, username: str, address: str) -> None:
    record = services.record_security_event.execute
    with acting_as(Actor.for_user(user)):
        record(SignedIn(user_id=str(user.pk), username=username, client_ip=address, entry="site"))
    record(SignInFailed(username=username, client_ip=address, entry="site"))


def test_an_erasure_scrubs_her_login_name_and_addresses_from_her_security_events(
    services, zoe, django_user_model
):
    ben = django_user_model.objects.create_user(username="ben@example.com")
    record_sign_ins(services, zoe.user, "zoe@example.com", "203.0.113.5")
    record_sign_ins(services, ben, "ben@example.com", "198.51.100.7")
    zoe.user.groups.add(Group.objects.get(name="Front desk"))

    services.erase_member.execute(str(zoe.pk))

    rows = list(StoredEvent.objects.exclude(type="MemberErased"))
    hers = [row for row in rows if "ben@example.com" not in str(row.payload)]
    assert {row.type for row in hers} == {"SignedIn", "SignInFailed", "LoginRoleChanged"}
    for row in hers:
        assert row.payload["username"] == ERASED
        assert row.payload.get("client_ip", ERASED) == ERASED
        assert "zoe" not in f"{row.payload} {row.actor_label}".lower()
        restore(row)  # still the event it was
    assert {row.actor_label for row in hers if row.type == "SignedIn"} == {ERASED_ACTOR}
    bens = [row.payload for row in rows if row not in hers]
    assert {payload["client_ip"] for payload in bens} == {"198.51.100.7"}


def test_old_security_events_are_pruned_like_any_other(services, zoe, settings):
    settings.GYM_EVENT_RETENTION_DAYS = 365
    record_sign_ins(services, zoe.user, "zoe@example.com", "203.0.113.5")
    StoredEvent.objects.filter(type="SignInFailed").update(
        occurred_at=timezone.now() - timedelta(days=366)
    )

    call_command("prune_history")

    assert list(StoredEvent.objects.values_list("type", flat=True)) == ["SignedIn"]
