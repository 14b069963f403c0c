"""Every two-factor change is in the security log, with whoever made it: an app set up, new
recovery codes, a recovery code used, a wrong code (never the code), turned off by its owner
or removed by a manager; and managers read them in the Security log."""

import json

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from events.models import StoredEvent
from members.two_factor import changes
from tests.web.conftest import PASSWORD
from tests.web.test_admin import admin_url
from tests.web.test_two_factor import ENROL, TURN_OFF, VERIFY, ana_with_app, code_of, sign_in
from tests.web.test_two_factor_admin import manager, staff_login
from tests.web.two_factor import sign_in_verified

pytestmark = pytest.mark.django_db

__all__ = ["ana_with_app", "manager"]  # fixtures, used by name


def recorded(event_type: str) -> list[StoredEvent]:
    return list(StoredEvent.objects.filter(type=event_type).order_by("occurred_at"))


def test_setting_up_an_app_is_recorded_without_its_key_or_code(member_client, member):
    member_client.get(ENROL)
    device = TOTPDevice.objects.get(user=member.user, confirmed=False)
    code = code_of(device)

    member_client.post(ENROL, {"code": code})

    [turned_on] = recorded("TwoFactorTurnedOn")
    assert turned_on.payload["user_id"] == str(member.user.pk)
    assert turned_on.payload["username"] == "ana@example.com"
    assert turned_on.actor_user == member.user
    every_payload = json.dumps([event.payload for event in StoredEvent.objects.all()])
    assert device.key not in every_payload and code not in every_payload


def test_a_wrong_code_is_recorded_with_the_address_and_without_the_code(
    client, member, ana_with_app
):
    device, _ = ana_with_app
    sign_in(client)
    wrong = f"{(int(code_of(device)) + 500_000) % 1_000_000:06d}"

    client.post(VERIFY, {"code": wrong}, REMOTE_ADDR="203.0.113.9")

    [failed] = recorded("SecondFactorFailed")
    assert failed.payload == {
        "user_id": str(member.user.pk),
        "username": "ana@example.com",
        "client_ip": "203.0.113.9",
    }
    assert wrong not in json.dumps([event.payload for event in StoredEvent.objects.all()])


def test_a_wrong_code_for_an_app_being_set_up_is_not_a_failed_second_factor(member_client):
    member_client.get(ENROL)

    member_client.post(ENROL, {"code": "000000"})

    assert recorded("SecondFactorFailed") == []


def test_a_recovery_code_used_and_new_codes_are_recorded(client, member, ana_with_app):
    _, codes = ana_with_app
    sign_in(client)

    client.post(VERIFY, {"code": codes[0]})
    changes.renew_recovery_codes(member.user)

    [used] = recorded("RecoveryCodeUsed")
    assert used.payload["remaining"] == 9
    assert codes[0] not in json.dumps(used.payload)
    assert len(recorded("RecoveryCodesRenewed")) == 2  # Ana's first codes, then the new ones


def test_turning_it_off_is_recorded_as_the_owners_doing(client, member, ana_with_app):
    device, _ = ana_with_app
    sign_in_verified(client, member.user, device)

    client.post(TURN_OFF, {"password": PASSWORD})

    [removed] = recorded("TwoFactorRemoved")
    assert removed.payload["by_staff"] is False
    assert removed.actor_user == member.user


def test_a_manager_removing_an_app_is_recorded_as_hers_and_shown_in_the_security_log(
    manager, django_user_model, settings
):
    settings.GYM_STAFF_MFA_REQUIRED = True
    desk, device = staff_login(django_user_model, "desk", "Front desk")
    boss = django_user_model.objects.get(username="boss")

    manager.post(admin_url(TOTPDevice, "delete", device.pk), {"post": "yes"})

    [removed] = recorded("TwoFactorRemoved")
    assert removed.payload == {"user_id": str(desk.pk), "username": "desk", "by_staff": True}
    assert removed.actor_user == boss
    log = manager.get(reverse("admin:events_securityevent_changelist")).content.decode()
    assert "Two-factor sign-in removed" in log and "New recovery codes made" in log
