"""Accounts through the test client: signing in with an e-mail address, signing out, changing
and resetting a password (Django's auth views with the gym's templates), and self sign-up,
whose form is here (what a sign-up then does is tests/web/test_signup.py)."""

import html
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from members.models import Member, PendingSignUp
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
LOGOUT = reverse("logout")
SIGNUP = reverse("members:signup")
SCHEDULE = reverse("classes:schedule")
NEW_PASSWORD = "another-long-passphrase-42"


def text_of(response) -> str:
    """The page as a person reads it: tags stripped, entities decoded, spaces collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(without_tags).split())


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def signed_in_user_id(client) -> str | None:
    return client.session.get(SESSION_KEY)


# --- Signing in and out ----------------------------------------------------------------------


def test_the_login_page_asks_for_an_email_address_and_a_password(client):
    response = client.get(LOGIN)

    assert response.status_code == 200
    content = response.content.decode()
    assert re.search(r'<label for="id_username">E-mail</label>', content)
    assert re.search(r'<input type="email" name="username" id="id_username"', content)
    assert '<label for="id_password">Password</label>' in content
    assert reverse("password_reset") in content


def test_a_member_signs_in_with_email_and_password_and_lands_on_the_schedule(client, member):
    # when
    response = client.post(LOGIN, {"username": "ana@example.com", "password": PASSWORD})

    # then
    assert response.status_code == 302
    assert response.url == SCHEDULE
    assert signed_in_user_id(client) == str(member.user.pk)


def test_the_email_signs_in_whatever_its_letter_case(client, member):
    # when Ana types her address as her phone capitalised it
    response = client.post(LOGIN, {"username": " Ana@Example.COM", "password": PASSWORD})

    # then
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(member.user.pk)


def test_signing_in_returns_to_the_page_that_asked_for_it(client, member):
    credits_page = reverse("members:credits")

    asked = client.get(credits_page)
    response = client.post(
        LOGIN, {"username": "ana@example.com", "password": PASSWORD, "next": credits_page}
    )

    assert asked.status_code == 302 and asked.url.startswith(LOGIN)
    assert response.url == credits_page


def test_wrong_credentials_show_an_error_and_sign_nobody_in(client, member):
    # when
    response = client.post(LOGIN, {"username": "ana@example.com", "password": "not-it"})

    # then
    assert response.status_code == 200
    assert "That e-mail address and password do not match an account." in text_of(response)
    assert 'role="alert"' in response.content.decode()
    assert signed_in_user_id(client) is None


def test_signing_out_is_a_post_that_ends_the_session(member_client):
    # when
    response = member_client.post(LOGOUT)

    # then
    assert response.status_code == 302
    assert response.url == LOGIN
    assert signed_in_user_id(member_client) is None


def test_signing_out_with_a_get_is_refused_and_keeps_the_session(member_client, member):
    response = member_client.get(LOGOUT)

    assert response.status_code == 405
    assert signed_in_user_id(member_client) == str(member.user.pk)


# --- Changing a password ---------------------------------------------------------------------


def test_a_member_changes_their_password_and_signs_in_with_the_new_one(member_client, client):
    # given
    form = member_client.get(reverse("password_change"))
    assert form.status_code == 200
    assert "Change your password" in text_of(form)

    # when
    response = member_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    # then
    assert response.redirect_chain[-1][0] == reverse("password_change_done")
    assert "Password changed" in text_of(response)
    member_client.post(LOGOUT)
    member_client.post(LOGIN, {"username": "ana@example.com", "password": PASSWORD})
    assert signed_in_user_id(member_client) is None
    member_client.post(LOGIN, {"username": "ana@example.com", "password": NEW_PASSWORD})
    assert signed_in_user_id(member_client) is not None


def test_a_wrong_current_password_changes_nothing(member_client, member):
    response = member_client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    member.user.refresh_from_db()
    assert member.user.check_password(PASSWORD)


# --- Resetting a forgotten password ----------------------------------------------------------


def test_a_forgotten_password_is_reset_through_the_link_sent_by_email(client, member, mail_worker):
    # given a member who asks for a reset
    response = client.post(reverse("password_reset"), {"email": "ana@example.com"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("password_reset_done")
    assert "Check your e-mail" in text_of(response)

    # when a mail worker sends the link, and they follow it and choose a new password
    assert mail.outbox == [], "the request does not wait on the mail server"
    mail_worker()
    [message] = mail.outbox
    assert message.to == ["ana@example.com"]
    assert message.subject == "Reset your gymbooking password"
    link = re.search(r"https?://testserver(/\S+)", message.body).group(1)
    form = client.get(link, follow=True)
    assert form.context["validlink"], "the link opens the form"
    assert "Choose a new password" in text_of(form)
    set_password_url = form.redirect_chain[-1][0]
    done = client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    # then the new password signs them in, and the link cannot be used again
    assert done.redirect_chain[-1][0] == reverse("password_reset_complete")
    assert "Your password is set" in text_of(done)
    signed_in = client.post(LOGIN, {"username": "ana@example.com", "password": NEW_PASSWORD})
    assert signed_in.url == SCHEDULE
    assert signed_in_user_id(client) == str(member.user.pk)
    client.post(LOGOUT)
    again = client.get(link, follow=True)
    assert not again.context["validlink"]
    assert "This link no longer works" in text_of(again)


def test_asking_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(
    client, mail_worker
):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert mail_worker() == "Ran 1 delivery."
    assert mail.outbox == []


# --- Self sign-up ----------------------------------------------------------------------------


def sign_up(client, **fields):
    data = {
        "name": "Dana Scully",
        "email": "dana@example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    } | fields
    return client.post(SIGNUP, data)


def test_the_sign_up_form_has_a_labelled_field_for_everything_it_asks(client, signup_open):
    response = client.get(SIGNUP)

    assert response.status_code == 200
    content = response.content.decode()
    for field, label in [
        ("name", "Your name"),
        ("email", "E-mail"),
        ("password1", "Password"),
        ("password2", "Password again"),
    ]:
        assert f'<label for="id_{field}">{label}:</label>' in content


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"password2": "something-else-entirely"}, "password2"),
        ({"password1": "password", "password2": "password"}, "password1"),
        ({"password1": "dana-scully", "password2": "dana-scully"}, "password1"),
        ({"email": "not-an-address"}, "email"),
        ({"name": "   "}, "name"),
    ],
    ids=["passwords-differ", "common-password", "like-the-name", "bad-email", "no-name"],
)
def test_a_sign_up_refused_by_the_form_creates_nothing(
    client, signup_open, django_user_model, fields, field
):
    response = sign_up(client, **fields)

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not django_user_model.objects.exists()
    assert not Member.objects.exists()
    assert not PendingSignUp.objects.exists()


def test_sign_up_is_not_found_when_the_gym_has_it_switched_off(client, settings):
    settings.GYM_SELF_SIGNUP = False

    assert client.get(SIGNUP).status_code == 404
    assert sign_up(client).status_code == 404
    assert not Member.objects.exists()


def test_the_login_page_offers_sign_up_only_when_it_is_open(client, settings):
    settings.GYM_SELF_SIGNUP = True
    assert SIGNUP in client.get(LOGIN).content.decode()

    settings.GYM_SELF_SIGNUP = False
    assert SIGNUP not in client.get(LOGIN).content.decode()


def test_a_signed_in_member_opening_sign_up_is_sent_to_the_schedule(member_client, signup_open):
    response = member_client.get(SIGNUP)

    assert response.status_code == 302
    assert response.url == SCHEDULE
