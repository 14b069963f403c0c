from datetime import timedelta

import pytest

from application.use_cases import WELCOME_CREDITS_REASON, RegisterMemberUseCase
from domain.entities import Member
from domain.events import CreditsAdded, MemberRegistered
from domain.exceptions import (
    EmailAlreadyRegisteredException,
    InvalidEmailException,
    InvalidMemberException,
)


def register_member(gym, welcome_credits: int = 1, welcome_expiry_days: int = 30):
    return RegisterMemberUseCase(
        uow=gym.uow,
        clock=gym.clock,
        welcome_credits=welcome_credits,
        welcome_expiry_days=welcome_expiry_days,
    )


def test_a_new_member_is_saved_with_welcome_credits_that_expire_like_a_refund(gym):
    # given
    register = register_member(gym, welcome_credits=2, welcome_expiry_days=30)

    # when
    member = register.execute("Ana Silva", "ana@example.com")

    # then
    stored = gym.members.get_by_id(member.id)
    assert (stored.name, str(stored.email)) == ("Ana Silva", "ana@example.com")
    assert gym.credits(stored) == 2
    [grant] = stored.grants
    assert grant.expires_at == gym.clock.now() + timedelta(days=30)
    assert grant.reason == WELCOME_CREDITS_REASON == "Welcome credits"
    registered, credited = gym.events
    assert registered == MemberRegistered(
        member_id=member.id, event_id=registered.event_id, occurred_at=gym.clock.now()
    )
    assert isinstance(credited, CreditsAdded)
    assert (credited.member_id, credited.amount, credited.grant_id) == (
        member.id,
        2,
        grant.grant_id,
    )
    assert member.get_domain_events() == [], "the events were dispatched, not left behind"


def test_with_zero_welcome_credits_the_member_starts_with_none(gym):
    register = register_member(gym, welcome_credits=0)

    member = register.execute("Ben Okafor", "ben@example.com")

    assert gym.members.get_by_id(member.id).grants == ()
    assert [type(event) for event in gym.events] == [MemberRegistered]


def test_a_member_needs_a_name(gym):
    register = register_member(gym, welcome_credits=1)

    with pytest.raises(InvalidMemberException):
        register.execute("   ", "ben@example.com")

    assert gym.members.all() == []
    assert gym.events == []


def test_an_email_already_registered_is_refused_whatever_its_case(gym):
    # given
    ana = gym.add_member("Ana", credits=0)
    register = register_member(gym)
    before = [member.id for member in gym.members.all()]

    # when
    with pytest.raises(EmailAlreadyRegisteredException) as refusal:
        register.execute("Another Ana", str(ana.email).upper())

    # then
    assert "already exists" in str(refusal.value)
    assert [member.id for member in gym.members.all()] == before
    assert gym.events == []


def test_an_invalid_email_is_refused_and_nothing_is_saved(gym):
    register = register_member(gym)

    with pytest.raises(InvalidEmailException):
        register.execute("Nobody", "not-an-address")

    assert gym.members.all() == []
    assert gym.events == []


def test_the_name_is_saved_without_surrounding_spaces(gym):
    member = register_member(gym).execute("  Cara Murphy ", "cara@example.com")

    assert isinstance(member, Member)
    assert gym.members.get_by_id(member.id).name == "Cara Murphy"
