from datetime import timedelta

import pytest

from domain.entities import Member
from domain.events import CreditsAdded
from domain.exceptions import InvalidCreditAmountException, NoCreditsException


@pytest.fixture
def ana():
    return Member("M001", "Ana", "ana@example.com")


def test_a_new_member_has_no_credits(ana, now):
    assert ana.credits_at(now) == 0
    assert ana.grants == ()


def test_added_credits_are_a_grant_that_expires_after_the_given_days(ana, now):
    # when
    grant = ana.add_credits(5, expiry_days=10, now=now, reason="Purchase")

    # then
    assert (grant.amount, grant.remaining) == (5, 5)
    assert grant.granted_at == now
    assert grant.expires_at == now + timedelta(days=10)
    assert ana.grants == (grant,)
    assert ana.credits_at(now) == 5


def test_credits_expire_after_30_days_by_default(ana, now):
    grant = ana.add_credits(1, now=now)

    assert grant.expires_at == now + timedelta(days=30)
    assert ana.credits_at(now + timedelta(days=30) - timedelta(seconds=1)) == 1
    assert ana.credits_at(now + timedelta(days=30)) == 0


def test_adding_credits_records_credits_added(ana, now):
    # when
    grant = ana.add_credits(3, expiry_days=7, now=now, reason="Gift")

    # then
    [event] = ana.get_domain_events()
    assert isinstance(event, CreditsAdded)
    assert event.member_id == "M001"
    assert event.grant_id == grant.grant_id
    assert event.amount == 3
    assert event.expires_at == now + timedelta(days=7)
    assert event.reason == "Gift"
    assert event.occurred_at == now


def test_spending_takes_the_grant_that_expires_soonest(ana, now):
    # given: granted in the "wrong" order
    later = ana.add_credits(1, expiry_days=20, now=now)
    sooner = ana.add_credits(1, expiry_days=3, now=now)

    # when
    spent = ana.deduct_credit(now=now)

    # then
    assert spent.grant_id == sooner.grant_id
    assert (sooner.remaining, later.remaining) == (0, 1)
    assert ana.credits_at(now) == 1


def test_spending_skips_an_expired_grant_even_if_it_expired_soonest(ana, now):
    # given
    expired = ana.add_credits(1, expiry_days=1, now=now - timedelta(days=2))
    valid = ana.add_credits(1, expiry_days=5, now=now)

    # when
    spent = ana.deduct_credit(now=now)

    # then
    assert spent.grant_id == valid.grant_id
    assert expired.remaining == 1


def test_expired_credit_cannot_be_spent(ana, now):
    # given: the only credit expired yesterday
    ana.add_credits(1, expiry_days=1, now=now - timedelta(days=2))

    # when/then
    assert ana.credits_at(now) == 0
    with pytest.raises(NoCreditsException) as refused:
        ana.deduct_credit(now=now)
    assert str(refused.value).startswith("You have no credits left.")


def test_credit_expires_at_the_exact_moment_of_expiry(ana, now):
    grant = ana.add_credits(1, expiry_days=1, now=now)

    with pytest.raises(NoCreditsException):
        ana.deduct_credit(now=grant.expires_at)


def test_credits_never_go_below_zero(ana, now):
    # given
    grant = ana.add_credits(1, now=now)
    ana.deduct_credit(now=now)

    # when/then
    with pytest.raises(NoCreditsException):
        ana.deduct_credit(now=now)
    assert grant.remaining == 0
    assert ana.credits_at(now) == 0


@pytest.mark.parametrize("amount", [0, -1, 1.5, True, "1", None, 1001, 3_000_000_000])
def test_a_grant_must_be_a_whole_positive_number_of_credits(ana, now, amount):
    with pytest.raises(InvalidCreditAmountException):
        ana.add_credits(amount, now=now)

    assert ana.grants == ()
    assert ana.get_domain_events() == []


@pytest.mark.parametrize("expiry_days", [0, -3, 2.5, True, 3651, 3_000_000])
def test_a_grant_must_expire_a_whole_positive_number_of_days_ahead(ana, now, expiry_days):
    with pytest.raises(InvalidCreditAmountException):
        ana.add_credits(1, expiry_days=expiry_days, now=now)

    assert ana.credits_at(now) == 0
    assert ana.get_domain_events() == []
