"""Sessions that end: after a while without activity (sooner for staff), after a fixed
lifetime whatever the activity, on "sign out of all other sessions", and when a login's
privileges change. A changed password is told to its owner by e-mail; passwords are capped
in length and longer for staff; reset links last hours."""

import time

import pytest
from django.contrib.auth import SESSION_KEY, password_validation
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from domain.events import PasswordChanged
from members.models import PendingSignUp
from members.password_reset import PasswordChangedMailer
from members.sessions import LAST_SEEN, SIGNED_IN_AT, SignedInSession
from tests.web.conftest import PASSWORD, reset_link

pytestmark = pytest.mark.django_db

SCHEDULE = reverse("classes:schedule")
NEW_PASSWORD = "another-long-passphrase-42"


def sign_in(client: Client, username: str, password: str = PASSWORD) -> Client:
    client.post(reverse("login"), {"username": username, "password": password})
    assert SESSION_KEY in client.session
    return client


def age_session(client: Client, *, idle: float = 0, signed_in: float = 0) -> None:
    """Moves the session's last activity `idle` seconds, and its sign-in `signed_in`
    seconds, into the past."""
    session = client.session
    session[LAST_SEEN] -= idle
    session[SIGNED_IN_AT] -= signed_in
    session.save()


# --- Timeouts --------------------------------------------------------------------------------


def test_a_member_idle_longer_than_the_limit_is_signed_out_and_told_why(client, member, settings):
    settings.GYM_SESSION_IDLE_MINUTES = 30
    sign_in(client, "ana@example.com")
    age_session(client, idle=31 * 60)

    response = client.get(SCHEDULE, follow=True)

    assert SESSION_KEY not in client.session
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "signed out after 30 minutes without activity" in response.content.decode()


def test_activity_keeps_a_session_going(client, member, settings):
    settings.GYM_SESSION_IDLE_MINUTES = 30
    sign_in(client, "ana@example.com")
    age_session(client, idle=29 * 60)
    client.get(SCHEDULE)
    age_session(client, idle=29 * 60)

    assert client.get(SCHEDULE).status_code == 200
    assert SESSION_KEY in client.session


def test_staff_are_signed_out_sooner(client, admin_user, settings):
    settings.GYM_SESSION_IDLE_MINUTES = 30
    settings.GYM_STAFF_SESSION_IDLE_MINUTES = 15
    sign_in(client, "admin", "password")
    age_session(client, idle=16 * 60)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_a_session_ends_after_its_lifetime_however_active(client, member, settings):
    settings.GYM_SESSION_MAX_HOURS = 12
    sign_in(client, "ana@example.com")
    age_session(client, signed_in=12 * 60 * 60 + 1)

    response = client.get(SCHEDULE, follow=True)

    assert SESSION_KEY not in client.session
    assert "Your session has ended" in response.content.decode()


def test_the_session_cookie_lasts_no_longer_than_the_lifetime(settings):
    assert settings.SESSION_COOKIE_AGE == settings.GYM_SESSION_MAX_HOURS * 60 * 60


# --- Other sessions --------------------------------------------------------------------------


def test_sign_out_of_all_other_sessions_keeps_this_one(member):
    here, phone, laptop = Client(), Client(), Client()
    for client in (here, phone, laptop):
        sign_in(client, "ana@example.com")

    page = here.get(reverse("password_change"))
    response = here.post(reverse("sign_out_other_sessions"), follow=True)

    assert "Sign out of all other sessions" in page.content.decode()
    assert "Signed out of 2 other sessions" in response.content.decode()
    assert here.get(SCHEDULE).status_code == 200
    assert phone.get(SCHEDULE).status_code == 302
    assert laptop.get(SCHEDULE).status_code == 302
    assert SignedInSession.objects.filter(user=member.user).count() == 1


def test_signing_out_of_others_leaves_other_logins_signed_in(member, other_member):
    ana, ben = Client(), Client()
    sign_in(ana, "ana@example.com")
    sign_in(ben, "ben@example.com")

    ana.post(reverse("sign_out_other_sessions"))

    assert ben.get(SCHEDULE).status_code == 200


def test_signing_out_forgets_the_session(client, member):
    sign_in(client, "ana@example.com")
    client.post(reverse("logout"))

    assert not SignedInSession.objects.exists()


# --- Privilege changes ------------------------------------------------------------------------


def test_a_login_made_staff_is_signed_out_everywhere(client, member):
    sign_in(client, "ana@example.com")
    key = client.session.session_key

    member.user.is_staff = True
    member.user.save()

    assert client.get(SCHEDULE).status_code == 302
    assert client.session.session_key != key


def test_a_login_given_a_group_is_signed_out(client, admin_user):
    staff = Client()
    sign_in(staff, "admin", "password")

    admin_user.groups.add(Group.objects.get(name="Front desk"))

    assert staff.get(reverse("admin:index")).status_code == 302


def test_a_group_given_to_logins_signs_them_out(client, member):
    sign_in(client, "ana@example.com")

    Group.objects.get(name="Front desk").user_set.add(member.user)

    assert client.get(SCHEDULE).status_code == 302


def test_a_group_emptied_signs_its_logins_out(client, member):
    group = Group.objects.get(name="Front desk")
    group.user_set.add(member.user)
    sign_in(client, "ana@example.com")

    group.user_set.clear()

    assert client.get(SCHEDULE).status_code == 302


def test_a_permission_given_to_a_group_signs_its_logins_out(client, admin_user):
    group = Group.objects.get(name="Front desk")
    admin_user.groups.add(group)
    staff = sign_in(Client(), "admin", "password")

    group.permissions.add(Permission.objects.get(codename="delete_member"))

    assert staff.get(reverse("admin:index")).status_code == 302


def test_signing_in_again_is_not_a_privilege_change(client, member):
    sign_in(client, "ana@example.com")
    other = sign_in(Client(), "ana@example.com")

    assert client.get(SCHEDULE).status_code == 200
    assert other.get(SCHEDULE).status_code == 200


# --- Password notices, rules and reset links ----------------------------------------------------


def test_a_changed_password_is_told_to_its_owner_by_the_mail_workers(
    client, member, mail_worker, services
):
    sign_in(client, "ana@example.com")
    client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert mail.outbox == []  # never sent on the request

    mail_worker()

    (notice,) = mail.outbox
    assert notice.to == ["ana@example.com"]
    assert notice.subject == "Your gymbooking password was changed"
    assert "was just changed." in notice.body
    assert "http://testserver" + reverse("password_reset") in notice.body
    assert NEW_PASSWORD not in notice.body


def test_a_password_reset_is_told_too(client, member, mail_worker, services):
    user = member.user
    link = reset_link(user)
    form = client.get(link, follow=True)
    client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    mail_worker()

    (notice,) = mail.outbox
    assert "was just changed through a reset link." in notice.body


def test_no_notice_goes_to_a_login_deleted_or_deactivated_since(member, other_member):
    other_member.user.is_active = False
    other_member.user.save()
    for user_id in ("999999", str(other_member.user.pk)):
        PasswordChangedMailer().handle(
            PasswordChanged(user_id=user_id, site="gym.example.com", secure=True, by_reset=False)
        )

    assert mail.outbox == []


def test_a_password_longer_than_256_characters_is_refused(member):
    with pytest.raises(ValidationError, match="at most 256"):
        password_validation.validate_password("correct horse " * 20, member.user)
    password_validation.validate_password("correct horse battery " * 11, member.user)


def test_staff_passwords_need_12_characters_members_8(member, admin_user):
    password_validation.validate_password("Qz7!kpLm", member.user)
    with pytest.raises(ValidationError, match="at least 12"):
        password_validation.validate_password("Qz7!kpLmw3", admin_user)
    password_validation.validate_password("Qz7!kpLmw3xY", admin_user)


def test_a_megabyte_password_is_refused_at_sign_up(client, settings, django_user_model):
    settings.GYM_SELF_SIGNUP = True
    huge = "x" * 1_000_000
    response = client.post(
        reverse("members:signup"),
        {"name": "Eve", "email": "eve@example.com", "password1": huge, "password2": huge},
    )

    assert response.status_code == 200
    assert "at most 256 characters" in response.content.decode()
    assert not django_user_model.objects.exists()
    assert not PendingSignUp.objects.exists(), "nothing was hashed or held"


def test_reset_links_last_hours_not_days(settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 2 * 60 * 60


def test_an_expired_reset_link_is_refused(client, member, settings, monkeypatch):
    user = member.user
    token = default_token_generator.make_token(user)
    later = time.time() + settings.PASSWORD_RESET_TIMEOUT + 60
    monkeypatch.setattr(default_token_generator, "_now", lambda: _from_timestamp(later))
    link = reset_link(user, token)

    response = client.get(link, follow=True)

    assert response.context["validlink"] is False


def _from_timestamp(seconds: float):
    from datetime import datetime

    return datetime.fromtimestamp(seconds)
