"""Staff cannot reach the admin, check-in, the reports or any member page without a second
factor: every URL pattern (from the resolver, as the authorization matrix has them), GET and
POST, sends a staff session that has not given its code to verify it, and one without an app
to enrol, the page kept as `next`. Only the two-factor pages, signing in and out and the
probes stay open. Once the code is given, the admin opens."""

from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.two_factor.middleware import OPEN_VIEWS
from tests.web.conftest import PASSWORD
from tests.web.test_authorization_matrix import PATTERNS, STAFF_ROLES, concrete_url, world
from tests.web.two_factor import code_of, enrolled_device

pytestmark = pytest.mark.django_db

__all__ = ["world"]  # the matrix's people and objects, as a fixture here too

VERIFY = reverse("two_factor:verify")
ENROL = reverse("two_factor:enrol")
GATED = [
    (route, name)
    for route, name in PATTERNS
    if name not in OPEN_VIEWS and not name.startswith("ops:")
]


def test_the_gate_covers_the_admin_check_in_reports_and_member_pages():
    names = {name for _, name in GATED}

    assert {"admin:index", "bookings:checkin_today", "reports:report", "classes:schedule"} <= names
    assert sum(name.startswith("admin:") for name in names) > 50
    assert {
        "login",
        "logout",
        "admin:logout",
        "two_factor:verify",
        "two_factor:enrol",
    } == OPEN_VIEWS


@pytest.mark.parametrize(("route", "name"), GATED, ids=[f"{n} {r}" for r, n in GATED])
def test_a_staff_session_without_its_code_is_sent_to_verify_from_every_page(
    route, name, world, settings
):
    settings.GYM_STAFF_MFA_REQUIRED = True
    url, _ = concrete_url(route, name, world)
    wrong = []
    for role in STAFF_ROLES:
        client = Client()
        client.force_login(world["users"][role])  # the password, but not the code
        for method in ("GET", "POST"):
            response = getattr(client, method.lower())(url)
            expected = f"{VERIFY}?next={quote(url, safe='')}"
            if response.status_code != 302 or response["Location"] != expected:
                wrong.append(
                    f"{role} {method} {url}: {response.status_code} {response.get('Location')}"
                )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/members/member/", "/staff/checkin/", "/staff/reports/", "/"]
)
@pytest.mark.parametrize("group", ["Manager", "Front desk", None])
def test_staff_without_an_app_are_sent_to_enrol(client, django_user_model, settings, url, group):
    settings.GYM_STAFF_MFA_REQUIRED = True
    user = django_user_model.objects.create_user(username="new", is_staff=group is None)
    if group:
        user.groups.add(Group.objects.get(name=group))
    client.force_login(user)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{ENROL}?next={quote(url, safe='')}"


def test_a_superuser_is_sent_to_enrol_too(client, django_user_model, settings):
    settings.GYM_STAFF_MFA_REQUIRED = True
    root = django_user_model.objects.create_user(username="root", is_superuser=True)
    client.force_login(root)

    assert client.get("/admin/")["Location"].startswith(ENROL)


def test_without_the_setting_staff_without_an_app_are_not_stopped(admin_client, settings):
    settings.GYM_STAFF_MFA_REQUIRED = False

    assert admin_client.get("/admin/").status_code == 200


def test_without_the_setting_staff_who_have_an_app_still_give_its_code(
    client, admin_user, settings
):
    settings.GYM_STAFF_MFA_REQUIRED = False
    enrolled_device(admin_user)
    client.force_login(admin_user)

    assert client.get("/admin/")["Location"].startswith(VERIFY)


def test_a_manager_signs_in_to_the_admin_enrols_and_then_reaches_it(
    client, django_user_model, settings
):
    settings.GYM_STAFF_MFA_REQUIRED = True
    user = django_user_model.objects.create_user(username="boss", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Manager"))
    signed_in = client.post(
        reverse("admin:login") + "?next=/admin/", {"username": "boss", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    sent = client.get("/admin/")
    assert sent["Location"] == f"{ENROL}?next=%2Fadmin%2F"

    client.get(sent["Location"])
    device = TOTPDevice.objects.get(user=user)
    shown = client.post(ENROL, {"code": code_of(device), "next": "/admin/"})

    assert len(shown.context["codes"]) == 10
    assert shown.context["next"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/staff/reports/").status_code == 200


def test_signing_out_and_the_probes_stay_open(client, django_user_model, settings):
    settings.GYM_STAFF_MFA_REQUIRED = True
    client.force_login(django_user_model.objects.create_user(username="s", is_staff=True))

    assert client.get("/health/live").status_code == 200
    assert client.get(ENROL).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
