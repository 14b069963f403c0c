"""A sign-up is recorded, not acted on; a member is registered under the one spelling of her
address, and never under one that passes for another's."""

import pytest

from domain.addresses import LookAlikeAddressException
from domain.events import SignUpRequested
from domain.exceptions import EmailAlreadyRegisteredException


def test_asking_for_an_account_records_the_request_and_creates_nobody(gym):
    gym.request_sign_up.execute(12, "dana@example.com", site="gym.example.com", secure=True)

    [asked] = gym.events
    assert isinstance(asked, SignUpRequested)
    assert (asked.pending_id, asked.email, asked.site, asked.secure) == (
        "12",
        "dana@example.com",
        "gym.example.com",
        True,
    )
    assert asked.occurred_at == gym.clock.now()
    assert gym.members.all() == []


def test_a_member_is_registered_under_the_one_spelling_of_her_address(gym):
    member = gym.register_member.execute("Zed", " Zed@\uff45xample.COM")

    assert str(member.email) == "zed@example.com"
    with pytest.raises(EmailAlreadyRegisteredException):
        gym.register_member.execute("Eve", "zed@example.com")


def test_a_look_alike_address_is_not_registered(gym):
    with pytest.raises(LookAlikeAddressException):
        gym.register_member.execute("Eve", "zed@ex\u0430mple.com")

    assert gym.members.all() == []
