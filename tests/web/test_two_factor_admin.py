"""A member of staff who lost a phone: a manager or a superuser removes the login's app in
the admin ("Two-factor devices"); its recovery codes go with it, its sessions end, and it
enrols again at its next sign-in. The front desk may not; a manager may not touch a
superuser's; nobody sees a device's secret or adds one for somebody else."""

import pytest
from django.contrib import admin
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.two_factor import changes
from tests.web.test_admin import admin_url
from tests.web.two_factor import enrolled_device, sign_in_verified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _required(settings):
    settings.GYM_STAFF_MFA_REQUIRED = True


def staff_login(django_user_model, username: str, group: str | None = None, **flags):
    user = django_user_model.objects.create_user(username=username, is_staff=True, **flags)
    if group:
        user.groups.add(Group.objects.get(name=group))
    changes.renew_recovery_codes(user)
    return user, enrolled_device(user)


@pytest.fixture
def desk(django_user_model):
    """A front desk login with its app and recovery codes, signed in on its tablet."""
    user, device = staff_login(django_user_model, "desk", "Front desk")
    tablet = sign_in_verified(Client(), user, device)
    return user, device, tablet


@pytest.fixture
def manager(django_user_model):
    user, device = staff_login(django_user_model, "boss", "Manager")
    return sign_in_verified(Client(), user, device)


def test_a_manager_removes_a_lost_phones_app_and_the_login_enrols_again(manager, desk):
    user, device, tablet = desk

    confirm = manager.get(admin_url(TOTPDevice, "delete", device.pk))
    response = manager.post(admin_url(TOTPDevice, "delete", device.pk), {"post": "yes"})

    assert confirm.status_code == 200
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert SESSION_KEY not in tablet.session  # signed out everywhere
    tablet.force_login(user)
    assert tablet.get("/staff/checkin/")["Location"].startswith("/accounts/two-factor/enrol/")


def test_a_manager_removes_several_logins_apps_at_once(manager, desk, django_user_model):
    other, _ = staff_login(django_user_model, "desk-2", "Front desk")
    devices = TOTPDevice.objects.filter(user__in=[desk[0], other])

    manager.post(
        admin_url(TOTPDevice, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [str(d.pk) for d in devices],
            "post": "yes",
        },
    )

    assert not TOTPDevice.objects.filter(user__in=[desk[0], other]).exists()
    assert not StaticDevice.objects.filter(user__in=[desk[0], other]).exists()
    assert TOTPDevice.objects.filter(user__username="boss").exists()


def test_the_front_desk_may_not_remove_anyones_app(desk, manager):
    _, _, tablet = desk
    boss_device = TOTPDevice.objects.get(user__username="boss")

    response = tablet.post(admin_url(TOTPDevice, "delete", boss_device.pk), {"post": "yes"})

    assert response.status_code == 403
    assert TOTPDevice.objects.filter(pk=boss_device.pk).exists()


def test_a_manager_does_not_see_or_remove_a_superusers_app(manager, django_user_model):
    _, root_device = staff_login(django_user_model, "root", is_superuser=True)

    listed = manager.get(admin_url(TOTPDevice, "changelist"))
    response = manager.post(admin_url(TOTPDevice, "delete", root_device.pk), {"post": "yes"})

    assert root_device not in listed.context["cl"].queryset
    assert response.status_code == 302  # Django's "no such object" hop to the admin index
    assert TOTPDevice.objects.filter(pk=root_device.pk).exists()


def test_a_superuser_removes_another_superusers_app(django_user_model):
    root, device = staff_login(django_user_model, "root", is_superuser=True)
    other, other_device = staff_login(django_user_model, "root-2", is_superuser=True)
    client = sign_in_verified(Client(), root, device)

    client.post(admin_url(TOTPDevice, "delete", other_device.pk), {"post": "yes"})

    assert not TOTPDevice.objects.filter(user=other).exists()


def test_nobody_sees_a_devices_secret_or_adds_one_for_somebody_else(django_user_model):
    root, device = staff_login(django_user_model, "root", is_superuser=True)
    client = sign_in_verified(Client(), root, device)

    page = client.get(admin_url(TOTPDevice, "change", device.pk)).content.decode()

    assert device.key not in page
    assert client.get(admin_url(TOTPDevice, "add")).status_code == 403
    assert client.post(admin_url(TOTPDevice, "change", device.pk), {"name": "x"}).status_code == 403
    assert not admin.site.is_registered(StaticDevice)  # the codes themselves: never listed
