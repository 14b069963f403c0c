"""Confirming sign-ups at the same moment, on PostgreSQL: two pending sign-ups for one address
make one account (the other is told the address has one), and one link followed twice at
once makes one account; nothing is half-written either way."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from domain.exceptions import EmailAlreadyRegisteredException
from members import signups
from members.models import CreditGrant, Member, PendingSignUp

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

ROUNDS = 3
PASSWORD_HASH = make_password("a-long-test-password")


def pending(name: str, email: str) -> PendingSignUp:
    return PendingSignUp.objects.create(name=name, email=email, password=PASSWORD_HASH)


def one_account_and_no_pending_sign_up(outcomes, email: str) -> None:
    won = [outcome for outcome in outcomes if outcome.ok]
    lost = [outcome for outcome in outcomes if not outcome.ok]
    assert len(won) == 1, [outcome.error for outcome in outcomes]
    assert all(isinstance(outcome.error, EmailAlreadyRegisteredException) for outcome in lost)
    member = Member.objects.get(email=email)
    assert get_user_model().objects.filter(username=email).count() == 1
    assert CreditGrant.objects.filter(member=member).count() == 1
    assert not PendingSignUp.objects.filter(email=email).exists()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_of_two_sign_ups_for_one_address_confirmed_at_once_one_makes_the_account(
    services, run_concurrently, round_
):
    email = f"dana{round_}@example.com"
    first, second = pending("Dana First", email), pending("Dana Second", email)

    register = services.register_member
    outcomes = run_concurrently(
        [lambda held=held: signups.confirm(held, register) for held in (first, second)]
    )

    one_account_and_no_pending_sign_up(outcomes, email)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_link_followed_twice_at_once_makes_one_account(services, run_concurrently, round_):
    email = f"eve{round_}@example.com"
    held = pending("Eve", email)

    outcomes = run_concurrently([lambda: signups.confirm(held, services.register_member)] * 2)

    one_account_and_no_pending_sign_up(outcomes, email)
