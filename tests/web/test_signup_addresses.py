"""Sign-up under full-width and look-alike addresses: a full-width variant is the address it
imitates (its link goes to the real owner, who can still sign up, reset and sign in), and a
look-alike or hostile address is refused on the form with the reason, with nothing held."""

import pytest
from django.core import mail
from django.urls import reverse

from members.models import Member, PendingSignUp
from tests.web.conftest import PASSWORD
from tests.web.test_accounts import signed_in_user_id, text_of
from tests.web.test_signup import (
    CHOSEN,
    SIGNUP,
    nothing_created,
    sent_link,
    sign_up,
)

pytestmark = pytest.mark.django_db

FULL_WIDTH_E = "\uff45"


def test_a_full_width_address_cannot_squat_the_real_one(client, signup_open, mail_worker):
    # when Eve signs up with a full-width "e" in Zed's address
    sign_up(client, name="Eve", email=f"zed@{FULL_WIDTH_E}xample.com")

    # then it is simply Zed's address: the link goes to Zed's inbox, not to Eve
    eve_link = sent_link(mail_worker, to="zed@example.com")
    assert PendingSignUp.objects.get().email == "zed@example.com"
    assert nothing_created()

    # and Zed signs up himself, and his own link makes his account
    mail.outbox.clear()
    sign_up(client, name="Zed Real", email="zed@example.com")
    client.post(sent_link(mail_worker, to="zed@example.com"))
    zed = Member.objects.select_related("user").get()
    assert (zed.name, zed.user.username) == ("Zed Real", "zed@example.com")
    client.post(reverse("logout"))
    assert "You already have an account" in text_of(client.post(eve_link))


def test_the_owner_resets_her_password_and_signs_in_with_a_full_width_variant(
    client, member, mail_worker
):
    variant = f"ana@{FULL_WIDTH_E}xample.com"

    client.post(reverse("password_reset"), {"email": variant})
    mail_worker()
    signed_in = client.post(reverse("login"), {"username": variant, "password": PASSWORD})

    [message] = mail.outbox
    assert message.to == ["ana@example.com"]
    assert message.subject == "Reset your gymbooking password"
    assert signed_in.status_code == 302
    assert signed_in_user_id(client) == str(member.user.pk)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("z\u0435d@example.com", "look like Latin ones"),
        ("zed@ex\u0430mple.com", "look like Latin ones"),
        ("zed\x00@example.com", "Null characters are not allowed"),
        ("zed\u200b@example.com", "invisible or control"),
        ("z" * 10_000 + "@example.com", "at most 1000 characters"),
        ("zed@" + ("a" * 40 + ".") * 4 + "com", "at most 150 characters"),
        ("zed@exa mple.com", "no spaces"),
        ("\u00e4@example.com", "Enter a valid email address"),
    ],
    ids=[
        "cyrillic",
        "cyrillic-domain",
        "nul",
        "zero-width",
        "10-kb",
        "too-long",
        "space",
        "non-ascii",
    ],
)
def test_a_look_alike_or_hostile_address_is_refused_on_the_form_and_nothing_is_held(
    client, signup_open, mail_worker, typed, says
):
    response = sign_up(client, email=typed)

    assert response.status_code == 200
    assert says in " ".join(response.context["form"].errors["email"])
    assert not PendingSignUp.objects.exists()
    assert mail_worker() == "Ran 0 deliveries."


def test_a_lone_surrogate_in_the_posted_bytes_is_a_clear_refusal(client, signup_open):
    body = f"name=Dana&email=dana%ED%A0%80%40example.com&password1={CHOSEN}&password2={CHOSEN}"

    response = client.post(SIGNUP, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not PendingSignUp.objects.exists()
