"""Brute force, throttled: failed sign-ins lock a login, or a client address, out for a while
(django-axes, on the member and the admin sign-in alike), with a page that says so and offers
the reset; staff unlock in admin; reset requests and sign-ups are limited per address; and
behind a proxy the address is the configured header's, never one a client adds."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.urls import reverse

from members.models import PendingSignUp
from tests.web.conftest import PASSWORD, reset_link

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")


@pytest.fixture(autouse=True)
def three_failures(settings):
    settings.AXES_FAILURE_LIMIT = 3


def sign_in(client, username: str, password: str, url: str = LOGIN, **meta):
    return client.post(url, {"username": username, "password": password}, **meta)


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def fail(client, username: str, times: int = 3, **kwargs) -> None:
    for _ in range(times):
        sign_in(client, username, "wrong-password", **kwargs)


def test_after_the_limit_of_wrong_passwords_even_the_right_one_is_refused(client, member):
    fail(client, "ana@example.com")

    response = sign_in(client, "ana@example.com", PASSWORD)

    assert response.status_code == 429
    assert not signed_in(client)


def test_the_lockout_page_says_why_for_how_long_and_offers_the_reset(client, member, settings):
    settings.GYM_LOGIN_LOCKOUT_MINUTES = 15
    fail(client, "ana@example.com")

    response = sign_in(client, "ana@example.com", PASSWORD)

    page = response.content.decode()
    assert "Signing in is paused" in page
    assert "15 minutes" in page
    assert f'href="{reverse("password_reset")}"' in page
    assert 'class="site-header"' in page  # the site's own layout, not a bare error


def test_failures_count_for_the_login_whatever_the_letter_case(client, member):
    for name in ("Ana@Example.com", " ana@example.com", "ANA@EXAMPLE.COM"):
        sign_in(client, name, "wrong-password", REMOTE_ADDR="10.0.0.1")

    response = sign_in(client, "ana@example.com", PASSWORD)

    assert response.status_code == 429


def test_failures_from_many_addresses_lock_the_login(client, member):
    for number in range(3):
        sign_in(client, "ana@example.com", "wrong", REMOTE_ADDR=f"10.0.0.{number}")

    response = sign_in(client, "ana@example.com", PASSWORD, REMOTE_ADDR="10.0.1.1")

    assert response.status_code == 429


def test_failures_over_many_logins_lock_the_address(client, member):
    for name in ("a@example.com", "b@example.com", "c@example.com"):
        sign_in(client, name, "wrong", REMOTE_ADDR="10.0.0.9")

    assert sign_in(client, "ana@example.com", PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 429
    assert sign_in(client, "ana@example.com", PASSWORD, REMOTE_ADDR="10.0.0.8").status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(client, member):
    fail(client, "ana@example.com", times=2)
    sign_in(client, "ana@example.com", PASSWORD)
    client.post(reverse("logout"))

    fail(client, "ana@example.com", times=2)

    assert sign_in(client, "ana@example.com", PASSWORD).status_code == 302


def test_the_admin_sign_in_is_locked_out_too(client, admin_user):
    fail(client, "admin", url=ADMIN_LOGIN)

    response = sign_in(client, "admin", "password", url=ADMIN_LOGIN)

    assert response.status_code == 429
    assert "Signing in is paused" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, member, settings):
    fail(client, "ana@example.com")
    AccessAttempt.objects.update(attempt_time="2000-01-01T00:00:00Z")

    assert sign_in(client, "ana@example.com", PASSWORD).status_code == 302


def test_a_password_reset_lifts_the_lockout_of_the_login(client, member):
    fail(client, "ana@example.com", REMOTE_ADDR="10.0.0.1")
    user = member.user
    link = reset_link(user)
    form = client.get(link, follow=True)
    new = "a-brand-new-passphrase-7"
    client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})

    response = sign_in(client, "ana@example.com", new, REMOTE_ADDR="10.0.0.2")

    assert response.status_code == 302
    assert signed_in(client)


def test_staff_unlock_a_login_by_deleting_its_attempts_in_admin(client, member, admin_client):
    fail(client, "ana@example.com")
    attempt = AccessAttempt.objects.get(username="ana@example.com")

    listed = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )

    assert "ana@example.com" in listed.content.decode()
    assert sign_in(client, "ana@example.com", PASSWORD).status_code == 302


# --- The client's address -----------------------------------------------------------------


def test_without_a_configured_header_a_forwarded_address_is_ignored(client, member, settings):
    settings.GYM_CLIENT_IP_HEADER = ""
    for number in range(3):
        sign_in(client, f"x{number}@example.com", "wrong", HTTP_X_FORWARDED_FOR=f"1.2.3.{number}")

    # All three counted against the connection's own address.
    assert sign_in(client, "ana@example.com", PASSWORD).status_code == 429


def test_behind_a_proxy_the_address_is_the_last_one_the_configured_header_names(
    client, member, settings
):
    settings.GYM_CLIENT_IP_HEADER = "X-Forwarded-For"
    for name in ("a@example.com", "b@example.com", "c@example.com"):
        # A client's own X-Forwarded-For entry comes first; the proxy appends the real one.
        sign_in(client, name, "wrong", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")

    blocked = sign_in(client, "ana@example.com", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5")
    other = sign_in(
        client, "ana@example.com", PASSWORD, HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
    )

    assert blocked.status_code == 429
    assert other.status_code == 302


# --- Password reset requests and sign-ups -----------------------------------------------------


def test_password_reset_requests_are_limited_per_address(client, settings):
    settings.GYM_FORM_RATE_LIMIT = 2
    url = reverse("password_reset")
    answers = [
        client.post(url, {"email": f"x{n}@example.com"}, REMOTE_ADDR="10.0.0.1").status_code
        for n in range(3)
    ]
    elsewhere = client.post(url, {"email": "y@example.com"}, REMOTE_ADDR="10.0.0.2")

    assert answers == [302, 302, 429]
    assert elsewhere.status_code == 302
    assert client.get(url, REMOTE_ADDR="10.0.0.1").status_code == 200


def test_the_rate_limited_page_says_when_to_try_again(client, settings):
    settings.GYM_FORM_RATE_LIMIT = 1
    settings.GYM_FORM_RATE_WINDOW_MINUTES = 60
    url = reverse("password_reset")
    client.post(url, {"email": "x@example.com"})

    page = client.post(url, {"email": "x@example.com"}).content.decode()

    assert "Too many requests" in page
    assert "60 minutes" in page


def test_sign_ups_are_limited_per_address(client, settings, django_user_model):
    settings.GYM_SELF_SIGNUP = True
    settings.GYM_FORM_RATE_LIMIT = 1
    url = reverse("members:signup")
    for number in range(2):
        response = client.post(
            url,
            {
                "name": f"Visitor {number}",
                "email": f"v{number}@example.com",
                "password1": "a-long-passphrase-9",
                "password2": "a-long-passphrase-9",
            },
        )

    assert response.status_code == 429
    assert list(PendingSignUp.objects.values_list("email", flat=True)) == ["v0@example.com"]
    assert not django_user_model.objects.exists()


@pytest.mark.parametrize("group", ["Front desk", "Manager"])
def test_both_staff_groups_may_unlock(client, member, django_user_model, group):
    desk = django_user_model.objects.create_user(username=f"desk-{group}", is_staff=True)
    desk.groups.add(Group.objects.get(name=group))
    client.force_login(desk)

    assert desk.has_perm("axes.delete_accessattempt")
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200
