"""The security log: every sign-in (member site and admin), failed sign-in, lockout and
attempt refused while locked out, password change and role change is an event in the event
log, with the right actor, and one line on `gymbooking.security`; nothing secret in either.
Managers read it in admin ("Security log"); the Front desk may not."""

import json
import logging

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from application.security import SECURITY_EVENTS
from events.models import SecurityEvent, StoredEvent
from events.security_log import LOG_FIELD_NAMES
from ops.logcontext import RESERVED_FIELDS
from tests.factories import staff_client
from tests.web.conftest import PASSWORD
from tests.web.test_admin import admin_url, change_form_data

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")
# A wrong password nobody could mistake for anything else in a payload or a log line.
WRONG = "Zebra-Quartz-7731-never-logged"
ANA = "ana@example.com"


@pytest.fixture(autouse=True)
def three_failures(settings):
    settings.AXES_FAILURE_LIMIT = 3


def sign_in(client, username: str, password: str, url: str = LOGIN, **meta):
    return client.post(url, {"username": username, "password": password}, **meta)


def security_events(type_name: str | None = None) -> list[StoredEvent]:
    rows = StoredEvent.objects.order_by("occurred_at", "recorded_at")
    return list(rows.filter(type=type_name) if type_name else rows)


def types() -> list[str]:
    return [row.type for row in security_events()]


def everything_recorded() -> str:
    return json.dumps(
        [[row.type, row.payload, row.actor_label] for row in StoredEvent.objects.all()]
    )


def security_lines(json_lines) -> list[dict]:
    return [line for line in json_lines() if line["logger"] == "gymbooking.security"]


# --- Sign-ins ---------------------------------------------------------------------------------


def test_a_member_signing_in_is_recorded_as_done_by_her_login(client, member):
    response = sign_in(client, "Ana@Example.com", PASSWORD, REMOTE_ADDR="203.0.113.5")

    assert response.status_code == 302
    [event] = security_events("SignedIn")
    assert event.payload == {
        "user_id": str(member.user.pk),
        "username": "ana@example.com",
        "client_ip": "203.0.113.5",
        "entry": "site",
    }
    assert (event.actor_kind, event.actor_user_id) == ("member", member.user.pk)
    assert event.actor_label == "ana@example.com"


def test_an_admin_sign_in_says_it_was_the_admins(client, admin_user):
    response = sign_in(client, "admin", "password", url=ADMIN_LOGIN)

    assert response.status_code == 302
    [event] = security_events("SignedIn")
    assert (event.payload["entry"], event.payload["username"]) == ("admin", "admin")
    assert (event.actor_kind, event.actor_user_id) == ("staff", admin_user.pk)


def test_behind_a_proxy_the_address_is_the_one_the_proxy_added(client, member, settings):
    settings.GYM_CLIENT_IP_HEADER = "X-Forwarded-For"

    sign_in(client, "ana@example.com", WRONG, HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")

    [event] = security_events("SignInFailed")
    assert event.payload["client_ip"] == "198.51.100.7"


def test_a_failed_sign_in_records_the_name_typed_and_the_address_never_the_password(
    client, member, caplog, json_lines
):
    with caplog.at_level(logging.INFO):
        response = sign_in(client, "  Ana@Example.COM ", WRONG, REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 200  # the form again, with its error
    [event] = security_events("SignInFailed")
    assert event.payload == {
        "username": "ana@example.com",
        "client_ip": "10.0.0.9",
        "entry": "site",
    }
    assert (event.actor_kind, event.actor_user_id) == ("system", None)
    assert WRONG not in everything_recorded()
    assert WRONG not in caplog.text + json.dumps(json_lines())


def test_a_failed_admin_sign_in_says_so(client, admin_user):
    sign_in(client, "admin", WRONG, url=ADMIN_LOGIN)

    [event] = security_events("SignInFailed")
    assert event.payload["entry"] == "admin"


# --- Lockouts ----------------------------------------------------------------------------------


def test_the_failure_reaching_the_limit_records_the_lockout_and_later_attempts_are_refused(
    client, member, caplog, json_lines
):
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            sign_in(client, "ana@example.com", WRONG, REMOTE_ADDR="10.0.0.9")
        refused = sign_in(client, "ana@example.com", PASSWORD, REMOTE_ADDR="10.0.0.9")
        sign_in(client, "ana@example.com", WRONG, REMOTE_ADDR="10.0.0.9")

    assert refused.status_code == 429
    assert sorted(types()) == sorted(
        ["SignInFailed"] * 3 + ["SignInLockedOut"] + ["SignInRefused"] * 2
    )
    for row in security_events("SignInRefused") + security_events("SignInLockedOut"):
        assert row.payload == {
            "username": "ana@example.com",
            "client_ip": "10.0.0.9",
            "entry": "site",
        }
    everything = everything_recorded() + caplog.text + json.dumps(json_lines())
    assert WRONG not in everything
    assert PASSWORD not in everything


def test_an_admin_lockout_is_recorded_as_the_admins(client, admin_user):
    for _ in range(4):
        sign_in(client, "admin", WRONG, url=ADMIN_LOGIN)

    assert {row.payload["entry"] for row in security_events() if "entry" in row.payload} == {
        "admin"
    }
    assert types().count("SignInRefused") == 1


# --- Hostile input -----------------------------------------------------------------------------


def test_a_nul_byte_in_the_name_is_refused_by_the_sign_in_form(client, member):
    response = sign_in(client, "ana\x00@example.com", WRONG)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert "\x00" not in everything_recorded()


def test_a_10_kb_name_is_a_failed_sign_in_recorded_cut_to_a_logins_length(client, member):
    response = sign_in(client, "Y" * 10_000, WRONG, url=ADMIN_LOGIN)

    assert response.status_code == 200  # the form again, not an error page
    [event] = security_events("SignInFailed")
    assert event.payload["username"] == "y" * 150


def test_whatever_reaches_authenticate_is_recorded_printable_and_cut_to_a_logins_length(member):
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="10.0.0.1")

    authenticate(request, username="A\x00b\nc" + "y" * 10_000, password=WRONG)

    [event] = security_events("SignInFailed")
    assert event.payload["username"] == ("abc" + "y" * 10_000)[:150]


# --- Password and role changes -------------------------------------------------------------


def test_a_password_change_is_in_the_security_log_with_its_line(member_client, member, json_lines):
    new = "a-brand-new-passphrase-7"
    member_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    [event] = SecurityEvent.objects.filter(type="PasswordChanged")
    assert event.actor_user_id == member.user.pk
    [line] = [
        line for line in security_lines(json_lines) if line["security_event"] == "PasswordChanged"
    ]
    assert line["login_id"] == str(member.user.pk)
    assert line["level"] == "INFO"
    assert new not in everything_recorded() + json.dumps(json_lines())


def test_a_superuser_giving_staff_status_and_a_group_in_admin_is_recorded_as_done_by_him(
    admin_client, admin_user, django_user_model
):
    desk = django_user_model.objects.create_user(username="newdesk")
    page = admin_client.get(admin_url(django_user_model, "change", desk.pk))
    data = change_form_data(page)
    data["is_staff"] = "on"
    data["groups"] = [str(Group.objects.get(name="Front desk").pk)]

    response = admin_client.post(admin_url(django_user_model, "change", desk.pk), data)

    assert response.status_code == 302
    changes = [
        row for row in security_events("LoginRoleChanged") if row.payload["user_id"] == str(desk.pk)
    ]
    assert [(row.payload.get("staff"), row.payload.get("groups_added")) for row in changes] == [
        (True, ""),
        (None, "Front desk"),
    ]
    assert {(row.actor_kind, row.actor_user_id) for row in changes} == {("staff", admin_user.pk)}


# --- The log lines ---------------------------------------------------------------------------


def test_each_security_event_is_one_json_line_with_who_what_and_where(client, member, json_lines):
    sign_in(client, "ana@example.com", WRONG, REMOTE_ADDR="10.0.0.9", HTTP_X_REQUEST_ID="r-1")
    sign_in(client, "ana@example.com", PASSWORD, REMOTE_ADDR="10.0.0.9")

    failed, signed_in = security_lines(json_lines)
    assert failed["level"] == "WARNING"
    assert failed["security_event"] == "SignInFailed"
    assert (failed["username"], failed["client_ip"], failed["entry"]) == (
        "ana@example.com",
        "10.0.0.9",
        "site",
    )
    assert (failed["actor_kind"], failed["actor"]) == ("system", "anonymous request")
    assert failed["request_id"] == "r-1"
    assert failed["event_id"] == str(security_events("SignInFailed")[0].pk)
    assert failed["message"] == "Sign-in failed (site): ana@example.com from 10.0.0.9"
    assert signed_in["level"] == "INFO"
    assert (signed_in["login_id"], signed_in["actor_id"]) == (
        str(member.user.pk),
        member.user.pk,
    )
    assert signed_in["user_id"] == member.user.pk  # the request's user, as on every line


# --- The admin page --------------------------------------------------------------------------


@pytest.fixture
def some_security_events(client, member, other_member):
    sign_in(client, "ana@example.com", PASSWORD, REMOTE_ADDR="10.0.0.1")
    client.post(reverse("logout"))
    sign_in(client, "ben@example.com", WRONG, REMOTE_ADDR="10.0.0.2")


def test_a_manager_reads_the_security_log_with_when_what_login_address_and_who(
    client, django_user_model, some_security_events
):
    manager = staff_client(client, django_user_model, "Manager", "boss")

    response = manager.get(admin_url(SecurityEvent, "changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Signed in (site)", "Sign-in failed (site)", "ana@example.com", "10.0.0.2"):
        assert text in page
    assert "anonymous request" in page
    assert "MemberRegistered" not in page  # only security events


def test_the_security_log_is_filtered_by_type_and_searched_by_login(
    client, django_user_model, some_security_events
):
    manager = staff_client(client, django_user_model, "Manager", "boss")
    url = admin_url(SecurityEvent, "changelist")

    failed = manager.get(url, {"type": "SignInFailed"}).context["cl"].result_list
    bens = manager.get(url, {"q": "ben@"}).context["cl"].result_list

    assert [row.type for row in failed] == ["SignInFailed"]
    assert [(row.type, row.payload["username"]) for row in bens] == [
        ("SignInFailed", "ben@example.com")
    ]


def test_a_manager_opens_one_security_event(client, django_user_model, some_security_events):
    manager = staff_client(client, django_user_model, "Manager", "boss")
    event = SecurityEvent.objects.get(type="SignedIn", payload__username=ANA)

    response = manager.get(admin_url(SecurityEvent, "change", event.pk))

    assert response.status_code == 200
    assert "10.0.0.1" in response.content.decode()


def test_the_front_desk_may_not_read_the_security_log(client, django_user_model):
    desk = staff_client(client, django_user_model, "Front desk", "desk")

    assert desk.get(admin_url(SecurityEvent, "changelist")).status_code == 403


def test_no_field_of_a_security_event_would_overwrite_a_log_records_own():
    names = {
        LOG_FIELD_NAMES.get(field, field)
        for kind in SECURITY_EVENTS
        for field in kind.event_type.__dataclass_fields__
    }

    assert names & RESERVED_FIELDS == set()
