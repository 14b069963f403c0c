"""Two-factor sign-in, as its owner uses it: enrolling an app with a code computed from its
key, giving a code after the password, wrong codes refused and throttled, recovery codes
used once, new ones, turning it off where that is allowed, and whatever is typed or sent as
`next` answered with a message, never a 500 or another site."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.sessions import SignedInSession
from members.two_factor import changes
from members.two_factor.forms import ANY_CODE_MESSAGE, APP_CODE_MESSAGE
from tests.web.conftest import PASSWORD
from tests.web.two_factor import code_of, enrolled_device, next_code_of, sign_in_verified

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("two_factor:overview")
ENROL = reverse("two_factor:enrol")
VERIFY = reverse("two_factor:verify")
RECOVERY = reverse("two_factor:recovery_codes")
TURN_OFF = reverse("two_factor:turn_off")
SCHEDULE = reverse("classes:schedule")


def sign_in(client: Client, username: str = "ana@example.com"):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert SESSION_KEY in client.session
    return response


def enrol_with_app(client: Client, user) -> list[str]:
    """Opens the enrolment page and confirms the app with its current code; the recovery
    codes shown."""
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(ENROL, {"code": code_of(device)})
    assert response.status_code == 200
    return response.context["codes"]


def errors(response) -> list[str]:
    return response.context["form"].errors.get("code", [])


@pytest.fixture
def ana_with_app(member):
    """Ana turned two-factor sign-in on: her app and her recovery codes."""
    device = enrolled_device(member.user)
    codes = changes.renew_recovery_codes(member.user)
    return device, codes


# --- Enrolling ---------------------------------------------------------------------------------


def test_the_enrolment_page_shows_a_qr_code_and_the_secret_of_one_pending_device(member_client):
    first = member_client.get(ENROL)
    again = member_client.get(ENROL)

    device = TOTPDevice.objects.get(confirmed=False)
    page = first.content.decode()
    assert '<svg width="' in page and 'class="qr-code"' in page
    assert first.context["secret"].replace(" ", "") in device.config_url
    assert again.context["secret"] == first.context["secret"]  # a reload keeps the QR code
    assert TOTPDevice.objects.count() == 1


def test_a_member_confirms_her_app_with_its_code_and_sees_ten_recovery_codes_once(
    member_client, member
):
    codes = enrol_with_app(member_client, member.user)

    device = TOTPDevice.objects.get(user=member.user)
    assert device.confirmed
    assert len(set(codes)) == 10
    stored = StaticToken.objects.filter(device__user=member.user)
    assert sorted(stored.values_list("token", flat=True)) == sorted(codes)
    assert member_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    overview = member_client.get(OVERVIEW).content.decode()
    assert "10 recovery codes left" in overview
    assert not any(code in overview for code in codes)


def test_a_wrong_code_does_not_confirm_the_app(member_client, member):
    member_client.get(ENROL)
    device = TOTPDevice.objects.get(user=member.user)
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"

    response = member_client.post(ENROL, {"code": wrong})

    device.refresh_from_db()
    assert not device.confirmed
    assert "not right" in errors(response)[0]
    assert not StaticDevice.objects.exists()


def test_enrolling_ends_the_logins_other_sessions(member, member_client):
    elsewhere = Client()
    elsewhere.force_login(member.user)

    enrol_with_app(member_client, member.user)

    assert SESSION_KEY not in elsewhere.session
    assert SESSION_KEY in member_client.session
    assert member_client.get(OVERVIEW).status_code == 200


def test_a_login_with_an_app_cannot_enrol_another(member_client, member, ana_with_app):
    sign_in_verified(member_client, member.user)

    response = member_client.get(ENROL)

    assert response.status_code == 302 and response["Location"] == OVERVIEW
    assert TOTPDevice.objects.count() == 1


# --- Verifying after the password --------------------------------------------------------------


def test_after_her_password_a_member_with_an_app_gives_its_code_under_a_new_session_key(
    client, member, ana_with_app
):
    device, _ = ana_with_app
    response = sign_in(client)
    assert client.get(response["Location"])["Location"].startswith(VERIFY)
    before = client.session.session_key

    response = client.post(VERIFY, {"code": code_of(device), "next": "/me/credits/"})

    assert response.status_code == 302 and response["Location"] == "/me/credits/"
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.session.session_key != before
    assert SignedInSession.objects.filter(session_key=client.session.session_key).exists()
    assert client.get("/me/credits/").status_code == 200


def test_a_code_works_once(client, member, ana_with_app):
    device, _ = ana_with_app
    sign_in(client)
    code = code_of(device)
    client.post(VERIFY, {"code": code})
    client.post(reverse("logout"))
    sign_in(client)

    response = client.post(VERIFY, {"code": code})

    assert DEVICE_ID_SESSION_KEY not in client.session
    assert "not right" in errors(response)[0]


def test_wrong_codes_are_throttled_and_the_page_says_how_long_to_wait(client, member, ana_with_app):
    device, _ = ana_with_app
    sign_in(client)
    wrong = f"{(int(code_of(device)) + 500_000) % 1_000_000:06d}"
    assert "not right" in errors(client.post(VERIFY, {"code": wrong}))[0]

    response = client.post(VERIFY, {"code": code_of(device)})  # right, but too soon

    assert response.status_code == 200
    assert errors(response)[0].startswith("Too many wrong codes: try again in ")
    assert DEVICE_ID_SESSION_KEY not in client.session
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # the refused try was not counted
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=5)
    )
    assert client.post(VERIFY, {"code": code_of(device)}).status_code == 302
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_a_recovery_code_signs_in_once_and_says_how_many_are_left(client, member, ana_with_app):
    _, codes = ana_with_app
    sign_in(client)

    response = client.post(VERIFY, {"code": codes[0].upper()}, follow=True)

    assert "recovery code; 9 left" in response.content.decode()
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    client.post(reverse("logout"))
    sign_in(client)
    again = client.post(VERIFY, {"code": codes[0]})
    assert "not right" in errors(again)[0]
    assert DEVICE_ID_SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "code",
    ["12345\x00", "1" * (1024 * 1024), "12a456", "abc", "1234567", "!!!!!!!!", " "],
    ids=["nul", "a megabyte", "a letter", "short", "seven digits", "symbols", "blank"],
)
def test_hostile_or_mistyped_codes_get_a_clear_message_and_are_never_tried(
    client, member, ana_with_app, code
):
    device, _ = ana_with_app
    sign_in(client)

    response = client.post(VERIFY, {"code": code})

    assert response.status_code == 200
    assert errors(response) == [ANY_CODE_MESSAGE]
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_the_enrolment_form_takes_only_an_app_code(member_client):
    member_client.get(ENROL)

    response = member_client.post(ENROL, {"code": "abcdefgh"})

    assert errors(response) == [APP_CODE_MESSAGE]


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/me/\x00credits/",
    ],
)
def test_next_may_only_lead_to_this_site(client, member, ana_with_app, next_url):
    device, _ = ana_with_app
    sign_in(client)

    response = client.post(VERIFY, {"code": code_of(device), "next": next_url})

    assert response.status_code == 302
    assert response["Location"] == SCHEDULE


def test_the_page_asked_for_is_kept_through_verification(client, member, ana_with_app):
    device, _ = ana_with_app
    sign_in(client)

    sent = client.get("/me/credits/?x=1")
    page = client.get(sent["Location"])

    assert sent["Location"] == f"{VERIFY}?next=%2Fme%2Fcredits%2F%3Fx%3D1"
    assert page.context["next"] == "/me/credits/?x=1"
    response = client.post(VERIFY, {"code": code_of(device), "next": page.context["next"]})
    assert response["Location"] == "/me/credits/?x=1"


# --- Opting in, and staying in ---------------------------------------------------------------


def test_a_member_who_opted_in_needs_her_code_at_her_next_sign_in(client, member):
    sign_in(client)
    assert client.get(SCHEDULE).status_code == 200
    enrol_with_app(client, member.user)
    client.post(reverse("logout"))

    sign_in(client)

    response = client.get(SCHEDULE)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_a_member_without_an_app_signs_in_with_her_password_alone(client, member, settings):
    settings.GYM_STAFF_MFA_REQUIRED = True
    sign_in(client)

    assert client.get(SCHEDULE).status_code == 200


# --- New recovery codes ------------------------------------------------------------------------


def test_new_recovery_codes_need_a_current_code_and_replace_the_old_ones(
    client, member, ana_with_app
):
    device, old = ana_with_app
    sign_in_verified(client, member.user, device)
    refused = client.post(RECOVERY, {"code": "abcdefgh"})  # no recovery code of hers
    assert "not right" in errors(refused)[0]
    assert StaticToken.objects.filter(token__in=old).count() == 10

    response = client.post(RECOVERY, {"code": next_code_of(device)})

    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert not StaticToken.objects.filter(token__in=old).exists()


# --- Turning it off ----------------------------------------------------------------------------


def test_a_member_turns_it_off_with_her_password(client, member, ana_with_app):
    device, _ = ana_with_app
    sign_in_verified(client, member.user, device)
    wrong = client.post(TURN_OFF, {"password": "not-it"})
    assert wrong.context["form"].errors["password"] == ["That is not your password."]
    assert TOTPDevice.objects.filter(user=member.user).exists()

    response = client.post(TURN_OFF, {"password": PASSWORD})

    assert response["Location"] == OVERVIEW
    assert not TOTPDevice.objects.filter(user=member.user).exists()
    assert not StaticDevice.objects.filter(user=member.user).exists()
    client.post(reverse("logout"))
    sign_in(client)
    assert client.get(SCHEDULE).status_code == 200


def test_a_member_turns_it_off_with_a_code(client, member, ana_with_app):
    device, _ = ana_with_app
    sign_in_verified(client, member.user, device)

    client.post(TURN_OFF, {"code": code_of(device)})

    assert not TOTPDevice.objects.filter(user=member.user).exists()


def test_turning_it_off_needs_a_code_or_the_password(client, member, ana_with_app):
    sign_in_verified(client, member.user)

    response = client.post(TURN_OFF, {})

    assert response.context["form"].non_field_errors() == ["Enter a code or your password."]
    assert TOTPDevice.objects.filter(user=member.user).exists()


@pytest.mark.parametrize("group", ["Manager", "Front desk"])
def test_staff_may_not_turn_it_off_while_the_setting_requires_it(
    client, django_user_model, settings, group
):
    settings.GYM_STAFF_MFA_REQUIRED = True
    user = django_user_model.objects.create_user(username="desk", password=PASSWORD)
    user.groups.add(Group.objects.get(name=group))
    sign_in_verified(client, user)

    response = client.post(TURN_OFF, {"password": PASSWORD})

    assert response.status_code == 403
    assert "cannot be turned off" in response.content.decode()
    assert TOTPDevice.objects.filter(user=user).exists()


def test_staff_may_turn_it_off_when_the_setting_does_not_require_it(
    client, django_user_model, settings
):
    settings.GYM_STAFF_MFA_REQUIRED = False
    user = django_user_model.objects.create_user(
        username="root", password=PASSWORD, is_staff=True, is_superuser=True
    )
    sign_in_verified(client, user)

    response = client.post(TURN_OFF, {"password": PASSWORD})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_the_password_page_links_to_two_factor_sign_in(member_client):
    assert OVERVIEW in member_client.get(reverse("password_change")).content.decode()
