"""A member and her login are created, linked, deactivated and deleted together, through the
admin and the member site: a member's login is never deleted on its own, deactivating one
deactivates the other, staff give a login back to a member without one, a login without a
member gets a page that says so (and its address can sign up again), and a migration repairs
the members and logins that lost each other before."""

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from members.models import Member
from tests.factories import MemberFactory, member_with_credits
from tests.web.test_admin import admin_url, change_form_data, messages_of

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "a-long-member-passphrase-7"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def member_with_login(name="Ana Silva", email="ana@example.com", **fields) -> Member:
    login = User.objects.create_user(username=email, email=email, password=PASSWORD)
    return MemberFactory(name=name, email=email, user=login, **fields)


def staff_client(client, group: str):
    user = User.objects.create_user(username=group.lower().replace(" ", "-"), is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return client


def signs_in(client, email: str, password: str = PASSWORD) -> bool:
    """Through the sign-in page (django-axes checks every sign-in against its request)."""
    client.logout()
    client.post(reverse("login"), {"username": email, "password": password})
    return SESSION_KEY in client.session


def give_login_url(member) -> str:
    return reverse("admin:members_member_give_login", args=[member.pk])


# --- Deleting a login -----------------------------------------------------------------------------


def test_deleting_a_members_login_is_refused_with_a_message_and_she_still_signs_in(admin_client):
    ana = member_with_login()

    asked = admin_client.get(admin_url(User, "delete", ana.user.pk))
    posted = admin_client.post(admin_url(User, "delete", ana.user.pk), {"post": "yes"})

    for response in (asked, posted):
        assert response.status_code == 302
        assert response.url == admin_url(Member, "change", ana.pk)
        assert any("login of the member Ana Silva" in m for m in messages_of(response))
    ana.refresh_from_db()
    assert ana.user is not None
    assert signs_in(admin_client, "ana@example.com")


def test_deleting_members_logins_in_bulk_is_refused_too(admin_client):
    ana = member_with_login()

    response = admin_client.post(
        admin_url(User, "changelist"),
        {"action": "delete_selected", "_selected_action": [ana.user.pk], "post": "yes"},
    )

    assert response.status_code == 200  # Django's "cannot delete: protected" page
    assert User.objects.filter(pk=ana.user.pk).exists()
    ana.refresh_from_db()
    assert ana.user_id is not None


def test_a_login_no_member_uses_can_still_be_deleted(admin_client):
    stray = User.objects.create_user(username="stray@example.com")

    admin_client.post(admin_url(User, "delete", stray.pk), {"post": "yes"})

    assert not User.objects.filter(pk=stray.pk).exists()


# --- Deactivating ---------------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["Front desk", "Manager"])
def test_deactivating_a_member_deactivates_her_login(client, group):
    ana = member_with_login()
    staff = staff_client(client, group)
    page = staff.get(admin_url(Member, "change", ana.pk))
    data = change_form_data(page)
    data.pop("is_active")  # unticked

    response = staff.post(admin_url(Member, "change", ana.pk), data)

    assert response.status_code == 302
    ana.refresh_from_db()
    ana.user.refresh_from_db()
    assert (ana.is_active, ana.user.is_active) == (False, False)
    assert not signs_in(client, "ana@example.com")


def test_reactivating_a_member_reactivates_her_login(admin_client):
    ana = member_with_login(is_active=False)
    User.objects.filter(pk=ana.user.pk).update(is_active=False)
    data = change_form_data(admin_client.get(admin_url(Member, "change", ana.pk)))
    data["is_active"] = "on"

    admin_client.post(admin_url(Member, "change", ana.pk), data)

    ana.refresh_from_db()
    ana.user.refresh_from_db()
    assert (ana.is_active, ana.user.is_active) == (True, True)


def test_deactivating_a_login_deactivates_its_member(admin_client):
    ana = member_with_login()
    data = change_form_data(admin_client.get(admin_url(User, "change", ana.user.pk)))
    data.pop("is_active")

    response = admin_client.post(admin_url(User, "change", ana.user.pk), data)

    assert response.status_code == 302
    ana.refresh_from_db()
    assert ana.is_active is False


# --- A login for a member without one -------------------------------------------------------------


@pytest.mark.parametrize("group", ["Front desk", "Manager"])
def test_staff_create_a_login_for_a_member_without_one_and_she_is_mailed_a_link(
    client, group, services, mail_worker
):
    cara = MemberFactory(name="Cara Murphy", email="Cara@Example.com")
    staff = staff_client(client, group)
    page = staff.get(admin_url(Member, "change", cara.pk))
    assert give_login_url(cara) in page.content.decode()

    asked = staff.get(give_login_url(cara))
    response = staff.post(
        give_login_url(cara), {"_apply_action": "yes", "action_form-send_link": "on"}
    )

    assert asked.status_code == 200
    assert response.status_code == 302
    cara.refresh_from_db()
    assert cara.user.username == "cara@example.com"
    assert cara.user.has_usable_password()
    assert any("Created the login cara@example.com" in m for m in messages_of(response))
    mail_worker()
    assert [message.to for message in mail.outbox] == [["cara@example.com"]]


def test_staff_link_the_login_a_member_lost(admin_client, services):
    # given the login with Cara's address that no member uses (hers, before it was unlinked)
    cara = MemberFactory(email="cara@example.com")
    lost = User.objects.create_user(username="cara@example.com", password=PASSWORD)

    admin_client.post(give_login_url(cara), {"_apply_action": "yes"})

    cara.refresh_from_db()
    assert cara.user_id == lost.pk
    assert signs_in(admin_client, "cara@example.com")


def test_a_staff_logins_address_is_not_given_to_a_member(admin_client, services):
    cara = MemberFactory(email="kim@example.com")
    User.objects.create_user(username="kim@example.com", is_staff=True)

    response = admin_client.post(give_login_url(cara), {"_apply_action": "yes"})

    cara.refresh_from_db()
    assert cara.user is None
    assert any("staff login or another member's" in m for m in messages_of(response))


def test_a_member_with_a_login_is_not_given_another(admin_client, services):
    ana = member_with_login()

    response = admin_client.post(give_login_url(ana), {"_apply_action": "yes"})

    assert any("already has a login" in m for m in messages_of(response))
    assert User.objects.filter(username__startswith="ana").count() == 1


def test_adding_a_member_takes_over_the_login_left_with_her_address(admin_client, services):
    left = User.objects.create_user(username="zoe@example.com", password=PASSWORD)

    response = admin_client.post(
        admin_url(Member, "add"), {"name": "Zoe Lee", "email": "zoe@example.com"}
    )

    assert response.status_code == 302
    zoe = Member.objects.get(email="zoe@example.com")
    assert zoe.user_id == left.pk


# --- Deleting a member ----------------------------------------------------------------------------


def test_deleting_a_member_without_history_deletes_her_login_with_her(admin_client):
    ana = member_with_login()

    response = admin_client.post(admin_url(Member, "delete", ana.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Member.objects.filter(pk=ana.pk).exists()
    assert not User.objects.filter(username="ana@example.com").exists()


def test_deleting_a_member_keeps_a_staff_login_that_was_also_hers(admin_client):
    kim = User.objects.create_user(username="kim@example.com", is_staff=True)
    member = MemberFactory(email="kim@example.com", user=kim)

    admin_client.post(admin_url(Member, "delete", member.pk), {"post": "yes"})

    assert not Member.objects.filter(pk=member.pk).exists()
    assert User.objects.filter(pk=kim.pk).exists()


def test_deleting_a_member_with_history_is_refused_pointing_to_erasure(client):
    ana = member_with_credits(3, name="Ana", email="ana@example.com")
    manager = staff_client(client, "Manager")

    asked = manager.get(admin_url(Member, "delete", ana.pk))
    posted = manager.post(admin_url(Member, "delete", ana.pk), {"post": "yes"})

    for response in (asked, posted):
        assert response.status_code == 302
        assert response.url == admin_url(Member, "change", ana.pk)
        assert any("Erase personal data" in m for m in messages_of(response))
    assert Member.objects.filter(pk=ana.pk).exists()
    assert ana.credit_grants.count() == 1


def test_the_front_desk_cannot_delete_a_member(client):
    ana = member_with_login()
    desk = staff_client(client, "Front desk")

    response = desk.post(admin_url(Member, "delete", ana.pk), {"post": "yes"})

    assert response.status_code == 403
    assert Member.objects.filter(pk=ana.pk).exists()


# --- A login without a member on the member site --------------------------------------------------


def test_a_login_without_a_member_sets_up_its_account_when_sign_up_is_open(
    client, settings, services
):
    settings.GYM_SELF_SIGNUP = True
    left = User.objects.create_user(username="dana@example.com", password=PASSWORD)
    client.force_login(left)

    page = client.get(reverse("classes:schedule"))
    response = client.post(reverse("members:set_up_account"), {"name": "Dana Scully"})

    assert page.status_code == 403
    assert "Set up my member account" in page.content.decode()
    assert response.status_code == 302
    dana = Member.objects.get(email="dana@example.com")
    assert (dana.name, dana.user_id) == ("Dana Scully", left.pk)
    assert client.get(reverse("classes:schedule")).status_code == 200


def test_a_login_without_a_member_is_told_to_ask_the_front_desk_when_sign_up_is_closed(
    client, settings
):
    settings.GYM_SELF_SIGNUP = False
    client.force_login(User.objects.create_user(username="dana@example.com"))

    page = client.get(reverse("members:credits"))
    refused = client.post(reverse("members:set_up_account"), {"name": "Dana"})

    assert page.status_code == 403
    assert "Ask the front desk" in page.content.decode()
    assert refused.status_code == 404
    assert not Member.objects.exists()


# --- The repair migration -------------------------------------------------------------------------


def run_repair():
    migration = import_module("members.migrations.0007_repair_orphan_logins")
    state = MigrationExecutor(connection).loader.project_state(
        ("members", "0007_repair_orphan_logins")
    )
    migration.repair_orphans(state.apps, SimpleNamespace(connection=connection))


def test_the_migration_gives_members_their_logins_back_and_keeps_logins_left_behind():
    # given Ana lost her login (its row is left, unlinked), Ben lost his and its row is gone,
    # a login is left by a deleted member, a staff login has no member, and Cara is fine
    ana = MemberFactory(email="ana@example.com")
    anas = User.objects.create_user(username="ana@example.com", password=PASSWORD)
    ben = MemberFactory(name="Ben Okafor", email="Ben@example.com")
    User.objects.create_user(username="gone@example.com")
    staff = User.objects.create_user(username="kim", is_staff=True)
    cara = member_with_login("Cara", "cara@example.com")

    # when the repair runs (twice: the second run changes nothing)
    run_repair()
    run_repair()

    # then
    ana.refresh_from_db()
    ben.refresh_from_db()
    assert ana.user_id == anas.pk
    assert (ben.user.username, ben.user.first_name, ben.user.last_name) == (
        "ben@example.com",
        "Ben",
        "Okafor",
    )
    assert ben.user.has_usable_password()
    assert User.objects.filter(username="gone@example.com", member__isnull=True).exists()
    assert User.objects.filter(pk=staff.pk).exists()
    cara.refresh_from_db()
    assert cara.user.username == "cara@example.com"


def test_the_migration_makes_a_member_as_active_as_her_login():
    ana = member_with_login()
    User.objects.filter(pk=ana.user.pk).update(is_active=False)

    run_repair()

    ana.refresh_from_db()
    assert ana.is_active is False
