from datetime import timedelta

import pytest

from domain.events import CreditsAdded
from domain.exceptions import InvalidCreditAmountException, MemberNotFoundException


def test_staff_grant_credits_that_expire_after_the_given_days(gym):
    # given
    ana = gym.add_member("Ana", credits=0)

    # when
    grant = gym.add_credits.execute(ana.id, 5, expiry_days=60, reason="10-class pass")

    # then
    assert gym.credits(ana) == 5
    [stored] = gym.members.get_by_id(ana.id).grants
    assert stored.grant_id == grant.grant_id
    assert stored.expires_at == gym.clock.now() + timedelta(days=60)
    assert stored.reason == "10-class pass"
    [event] = gym.events
    assert isinstance(event, CreditsAdded)
    assert (event.member_id, event.amount, event.grant_id) == (ana.id, 5, grant.grant_id)


def test_an_invalid_grant_is_refused_and_stores_nothing(gym):
    ana = gym.add_member("Ana", credits=0)

    with pytest.raises(InvalidCreditAmountException):
        gym.add_credits.execute(ana.id, 0)
    assert gym.members.get_by_id(ana.id).grants == ()
    assert gym.events == []


def test_credits_cannot_be_granted_to_an_unknown_member(gym):
    with pytest.raises(MemberNotFoundException):
        gym.add_credits.execute("no-such-member", 1)
