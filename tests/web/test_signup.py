"""Verified sign-up through the test client: a sign-up creates nothing but a pending sign-up
and an e-mail (sent by the mail worker); only its link, followed and confirmed, makes the
login, the member and the welcome credits. The page answers the same whether or not the
address has an account; a full-width or look-alike address cannot take someone else's."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from events.models import StoredEvent
from members.data_export import member_data
from members.models import CreditGrant, Member, PendingSignUp
from members.queries import DjangoRegisteredEmails
from members.signups import sign_up_tokens
from tests.factories import MemberFactory
from tests.web.test_accounts import messages_of, signed_in_user_id, text_of

pytestmark = pytest.mark.django_db

User = get_user_model()
SIGNUP = reverse("members:signup")
SCHEDULE = reverse("classes:schedule")
CHOSEN = "another-long-passphrase-42"
FULL_WIDTH_E = "\uff45"


def sign_up(client, remote_addr: str = "127.0.0.1", **fields):
    data = {
        "name": "Dana Scully",
        "email": "dana@example.com",
        "password1": CHOSEN,
        "password2": CHOSEN,
    } | fields
    return client.post(SIGNUP, data, REMOTE_ADDR=remote_addr)


def nothing_created() -> bool:
    return not (User.objects.exists() or Member.objects.exists() or CreditGrant.objects.exists())


def link_in(message) -> str:
    return re.search(r"https?://testserver(/accounts/signup/confirm/\S+)", message.body).group(1)


def sent_link(mail_worker, to: str = "dana@example.com") -> str:
    """Runs the mail worker; the one e-mail it sent to `to`, as its link."""
    mail_worker()
    [message] = [message for message in mail.outbox if message.to == [to]]
    assert message.subject == "Confirm your gymbooking account"
    return link_in(message)


# --- Signing up sends a link, and creates nothing ------------------------------------------------


def test_signing_up_creates_no_login_member_or_credit_only_a_link_by_email(
    client, signup_open, mail_worker
):
    # when
    response = sign_up(client, email="Dana@Example.COM")

    # then the page says to check the inbox, and nothing is anybody's yet
    assert response.status_code == 200
    assert "Check your e-mail" in text_of(response)
    assert "dana@example.com" in text_of(response)
    assert nothing_created()
    assert signed_in_user_id(client) is None
    pending = PendingSignUp.objects.get()
    assert (pending.name, pending.email) == ("Dana Scully", "dana@example.com")
    assert pending.password.startswith(("pbkdf2_", "argon2", "bcrypt", "md5$", "scrypt"))
    assert CHOSEN not in pending.password
    # and the event log holds no secret: the link is made when the e-mail is sent
    [event] = StoredEvent.objects.filter(type="SignUpRequested")
    assert set(event.payload) >= {"pending_id", "email", "site", "secure"}
    assert pending.password not in str(event.payload) and CHOSEN not in str(event.payload)
    assert mail.outbox == [], "the request does not wait on the mail server"
    link = sent_link(mail_worker)
    assert link.split("/")[-2] not in str(event.payload)


def test_following_the_link_and_confirming_creates_the_account_once(
    client, signup_open, mail_worker, services
):
    sign_up(client, name="  Dana  Scully ", email="Dana@Example.COM")
    link = sent_link(mail_worker)

    # when the link is opened (as a mail scanner would), nothing is created yet
    page = client.get(link)
    assert page.status_code == 200
    assert "Create my account" in text_of(page)
    assert nothing_created()

    # when she confirms
    response = client.post(link)

    # then she has her login (with the password she chose), her member and the welcome credit
    assert response.status_code == 302
    assert response.url == SCHEDULE
    member = Member.objects.select_related("user").get()
    user = member.user
    assert (user.username, user.email) == ("dana@example.com", "dana@example.com")
    assert (user.first_name, user.last_name) == ("Dana", "Scully")
    assert user.check_password(CHOSEN)
    assert (member.name, member.email) == ("Dana Scully", "dana@example.com")
    grant = CreditGrant.objects.get(member=member)
    assert (grant.amount, grant.reason) == (1, "Welcome credits")
    assert signed_in_user_id(client) == str(user.pk)
    assert messages_of(response) == [
        "Welcome, Dana! You have 1 welcome credit to book your first class."
    ]
    assert not PendingSignUp.objects.exists()

    # and the link does not work again
    client.post(reverse("logout"))
    for again in (client.get(link), client.post(link)):
        assert again.status_code == 200
        assert "This link no longer works" in text_of(again)
        assert SIGNUP in again.content.decode()
    assert Member.objects.count() == 1 and CreditGrant.objects.count() == 1


@pytest.fixture
def no_welcome_credits(signup_open):
    signup_open.GYM_WELCOME_CREDITS = 0


def test_with_no_welcome_credits_the_confirmed_member_starts_without_a_grant(
    client, no_welcome_credits, services, mail_worker
):
    sign_up(client)

    response = client.post(sent_link(mail_worker))

    assert Member.objects.get().user.username == "dana@example.com"
    assert not CreditGrant.objects.exists()
    assert messages_of(response) == ["Welcome, Dana! Your account is ready."]


# --- The same answer whether or not the address has an account -----------------------------------


def comparable(response, address: str) -> str:
    return response.content.decode().replace(address, "ADDRESS")


def test_the_answer_is_the_same_for_a_registered_and_a_new_address(
    client, signup_open, member, mail_worker
):
    # when somebody signs up with Ana's address, and with a new one
    taken = sign_up(client, name="Ana Again", email="ANA@example.com")
    new = sign_up(client, email="dana@example.com")

    # then the two answers differ only by the address
    assert taken.status_code == new.status_code == 200
    assert comparable(taken, "ana@example.com") == comparable(new, "dana@example.com")
    # and the same work was done for both: one pending sign-up each, nothing else
    assert PendingSignUp.objects.count() == 2
    assert User.objects.count() == 1 and Member.objects.count() == 1
    assert not CreditGrant.objects.exists()
    # and only Ana's inbox learns that she has an account, with the ways in
    mail_worker()
    [to_ana] = [message for message in mail.outbox if message.to == ["ana@example.com"]]
    assert to_ana.subject == "You already have a gymbooking account"
    assert "http://testserver" + reverse("login") in to_ana.body
    assert "http://testserver" + reverse("password_reset") in to_ana.body
    assert "/accounts/signup/confirm/" not in to_ana.body
    assert "Ana Again" not in to_ana.body, "a stranger's words are not mailed to her"
    assert [message.to for message in mail.outbox] == [["ana@example.com"], ["dana@example.com"]]


def test_an_address_of_a_staff_login_is_told_it_has_an_account(client, signup_open, mail_worker):
    User.objects.create_user(username="dana@example.com", is_staff=True)

    sign_up(client)
    mail_worker()

    [message] = mail.outbox
    assert message.subject == "You already have a gymbooking account"
    assert not Member.objects.exists()


# --- Links that no longer work --------------------------------------------------------------------


def test_an_expired_link_is_refused_with_a_way_to_sign_up_again(
    client, signup_open, mail_worker, monkeypatch
):
    sign_up(client)
    link = sent_link(mail_worker)
    later = sign_up_tokens._now() + timedelta(hours=24, minutes=1)
    monkeypatch.setattr(sign_up_tokens, "_now", lambda: later)

    for response in (client.get(link), client.post(link)):
        assert response.status_code == 200
        assert "This link no longer works" in text_of(response)
        assert "for 24 hours" in text_of(response)
        assert f'href="{SIGNUP}"' in response.content.decode()
    assert nothing_created()


def test_a_pending_sign_up_older_than_the_link_lifetime_is_refused_and_pruned(
    client, signup_open, mail_worker
):
    sign_up(client)
    link = sent_link(mail_worker)
    PendingSignUp.objects.update(created_at=timezone.now() - timedelta(hours=25))

    assert "This link no longer works" in text_of(client.post(link))
    assert nothing_created()

    sign_up(client, email="eve@example.com")  # any sign-up prunes the expired ones
    assert list(PendingSignUp.objects.values_list("email", flat=True)) == ["eve@example.com"]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda uid, token: (uid, token[:-1] + ("a" if token[-1] != "a" else "b")),
        lambda uid, token: (uid, "1-" + token.split("-")[1]),
        lambda uid, token: ("MTIzNDU2", token),
        lambda uid, token: ("!!!", token),
        lambda uid, token: ("OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", token),
        lambda uid, token: (uid, "no-dash-token-x"),
    ],
    ids=["token", "timestamp", "other-row", "not-base64", "huge-id", "garbage"],
)
def test_a_tampered_link_is_refused_and_creates_nothing(client, signup_open, mail_worker, tamper):
    sign_up(client)
    _, _, _, _, uid, token, _ = sent_link(mail_worker).split("/")
    uid, token = tamper(uid, token)
    link = reverse("members:confirm_signup", args=[uid, token])

    response = client.post(link)

    assert response.status_code == 200
    assert "This link no longer works" in text_of(response)
    assert nothing_created()
    assert PendingSignUp.objects.count() == 1


def test_of_two_sign_ups_for_one_address_the_first_confirmed_wins_and_the_other_fails_cleanly(
    client, signup_open, mail_worker
):
    sign_up(client, name="Dana First")
    sign_up(
        client,
        name="Dana Second",
        password1="yet-another-passphrase-7",
        password2=("yet-another-passphrase-7"),
    )
    mail_worker()
    first, second = (link_in(message) for message in mail.outbox)

    client.post(second)
    client.post(reverse("logout"))
    response = client.post(first)

    assert response.status_code == 200
    assert "You already have an account" in text_of(response)
    assert reverse("password_reset") in response.content.decode()
    dana = Member.objects.select_related("user").get()
    assert dana.name == "Dana Second"
    assert dana.user.check_password("yet-another-passphrase-7")
    assert (User.objects.count(), CreditGrant.objects.count()) == (1, 1)
    assert not PendingSignUp.objects.exists()


def test_a_simultaneous_registration_caught_by_the_database_leaves_nothing_half_written(
    client, signup_open, mail_worker, monkeypatch
):
    # given an address taken by a member although the check says it is free (two sign-ups
    # confirmed at the same moment): the database's unique constraint refuses the second
    sign_up(client)
    link = sent_link(mail_worker)
    MemberFactory(email="dana@example.com")
    monkeypatch.setattr(DjangoRegisteredEmails, "is_registered", lambda self, email: False)

    response = client.post(link)

    assert "You already have an account" in text_of(response)
    assert not User.objects.exists()
    assert Member.objects.count() == 1 and not CreditGrant.objects.exists()
    assert not PendingSignUp.objects.exists(), "the link is spent"
    assert signed_in_user_id(client) is None


def test_a_login_no_member_uses_is_taken_over_by_the_confirmed_sign_up(
    client, signup_open, mail_worker
):
    left = User.objects.create_user(username="dana@example.com", password="x" * 20)
    sign_up(client)

    client.post(sent_link(mail_worker))

    dana = Member.objects.get(email="dana@example.com")
    assert dana.user_id == left.pk and User.objects.count() == 1
    left.refresh_from_db()
    assert left.check_password(CHOSEN) and not left.check_password("x" * 20)
    assert signed_in_user_id(client) == str(left.pk)


def test_the_link_is_not_found_when_sign_up_is_switched_off(client, signup_open, mail_worker):
    sign_up(client)
    link = sent_link(mail_worker)
    signup_open.GYM_SELF_SIGNUP = False

    assert client.get(link).status_code == 404
    assert client.post(link).status_code == 404
    assert nothing_created()


# --- Bounds ---------------------------------------------------------------------------------------


def test_sign_up_mails_to_one_address_are_bounded_per_hour_whatever_the_client_address(
    client, signup_open, mail_worker
):
    signup_open.GYM_SIGNUP_MAILS_PER_ADDRESS = 2

    answers = [sign_up(client, remote_addr=f"10.0.0.{number}").status_code for number in range(4)]
    elsewhere = sign_up(client, email="eve@example.com")
    mail_worker()

    assert answers == [200, 200, 200, 200], "the page says the same each time"
    assert elsewhere.status_code == 200
    assert sorted(message.to[0] for message in mail.outbox) == [
        "dana@example.com",
        "dana@example.com",
        "eve@example.com",
    ]


def test_an_hour_later_the_address_may_be_sent_a_link_again(client, signup_open, mail_worker):
    signup_open.GYM_SIGNUP_MAILS_PER_ADDRESS = 1
    sign_up(client)
    PendingSignUp.objects.update(created_at=timezone.now() - timedelta(minutes=61))

    sign_up(client)

    assert PendingSignUp.objects.count() == 2


def test_her_sign_up_is_in_her_data_export(client, signup_open, mail_worker):
    sign_up(client)
    client.post(sent_link(mail_worker))
    dana = Member.objects.get()

    [events] = [s for s in member_data(dana, timezone.now()).sections if s.name == "events"]

    types = [row["type"] for row in events.rows()]
    assert "SignUpRequested" in types and "MemberRegistered" in types


def test_the_sign_up_page_shows_the_members_password_rules_not_the_staff_minimum(
    client, signup_open
):
    page = client.get(reverse("members:signup")).content.decode()

    assert "at most 256 characters" in page
    assert "Staff passwords" not in page
