"""A credit's scope: which classes it pays for, and which grant a booking spends."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.entities import FitnessClass, Member
from domain.exceptions import InvalidCreditScopeException, NoCreditsException
from domain.values import EVERY_CLASS, CreditScope, parse_class_names

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
YOGA_AT_OLD_TOWN = CreditScope(locations=("Old Town",), class_names=("Yoga",))


def a_class(name: str, location: str) -> FitnessClass:
    return FitnessClass("c-1", name, 10, starts_at=NOW + timedelta(days=1), location=location)


@pytest.mark.parametrize(
    ("name", "location", "applies"),
    [
        ("Yoga", "Old Town", True),
        ("  yOGA ", "old town", True),
        ("Spin", "Old Town", False),
        ("Yoga", "Riverside", False),
        ("Yoga Flow", "Old Town", False),
    ],
)
def test_a_scope_applies_to_its_class_names_at_its_locations_in_any_case(name, location, applies):
    assert YOGA_AT_OLD_TOWN.applies_to(a_class(name, location)) is applies


def test_an_empty_part_of_a_scope_limits_nothing():
    assert EVERY_CLASS.applies_to(a_class("Spin", "Riverside"))
    assert CreditScope(class_names=("Yoga",)).applies_to(a_class("Yoga", "Riverside"))
    assert CreditScope(locations=("Old Town",)).applies_to(a_class("Spin", "Old Town"))
    assert not EVERY_CLASS.is_limited


@pytest.mark.parametrize(
    ("scope", "said"),
    [
        (YOGA_AT_OLD_TOWN, "for Yoga at Old Town only"),
        (CreditScope(class_names=("Yoga", "Pilates")), "for Yoga or Pilates only"),
        (CreditScope(locations=("Old Town",)), "for classes at Old Town only"),
        (EVERY_CLASS, ""),
    ],
)
def test_a_scope_says_which_classes_it_is_for(scope, said):
    assert scope.describe() == said


def test_class_names_are_read_from_a_comma_separated_list_without_duplicates():
    assert parse_class_names(" Yoga, Pilates ,yoga") == ("Yoga", "Pilates")
    assert parse_class_names("  ") == ()


@pytest.mark.parametrize("text", ["Yoga,,Pilates", "Yoga,", ",", "x" * 121])
def test_an_empty_or_overlong_class_name_is_refused(text):
    with pytest.raises(InvalidCreditScopeException):
        parse_class_names(text)


def member_with_yoga_and_open_credits(yoga_expires_in: int, open_expires_in: int) -> Member:
    member = Member("m-1", "Ana", "ana@example.com")
    member.add_credits(1, expiry_days=yoga_expires_in, now=NOW, scope=YOGA_AT_OLD_TOWN)
    member.add_credits(1, expiry_days=open_expires_in, now=NOW)
    return member


def test_credits_for_a_class_count_only_the_grants_that_apply_to_it():
    member = member_with_yoga_and_open_credits(10, 20)

    assert member.credits_at(NOW) == 2
    assert member.credits_at(NOW, for_class=a_class("Yoga", "Old Town")) == 2
    assert member.credits_at(NOW, for_class=a_class("Spin", "Old Town")) == 1


def test_a_class_spends_the_soonest_expiring_grant_that_applies_to_it():
    member = member_with_yoga_and_open_credits(10, 20)
    yoga_grant, open_grant = member.grants

    spent_on_spin = member.deduct_credit(now=NOW, for_class=a_class("Spin", "Old Town"))

    assert spent_on_spin is open_grant
    assert yoga_grant.remaining == 1
    with pytest.raises(NoCreditsException):
        member.deduct_credit(now=NOW, for_class=a_class("Spin", "Old Town"))
    assert member.deduct_credit(now=NOW, for_class=a_class("Yoga", "Old Town")) is yoga_grant


def test_an_applicable_grant_expiring_sooner_is_spent_before_an_open_one():
    member = member_with_yoga_and_open_credits(20, 10)
    _, open_grant = member.grants

    assert member.deduct_credit(now=NOW, for_class=a_class("Yoga", "Old Town")) is open_grant


def test_an_expired_scoped_grant_pays_for_nothing():
    member = Member("m-1", "Ana", "ana@example.com")
    member.add_credits(1, expiry_days=1, now=NOW, scope=YOGA_AT_OLD_TOWN)

    later = NOW + timedelta(days=2)
    assert member.credits_at(later, for_class=a_class("Yoga", "Old Town")) == 0


def test_the_scope_of_a_grant_is_found_by_its_id_and_an_unknown_one_is_every_class():
    member = member_with_yoga_and_open_credits(10, 20)
    yoga_grant, _ = member.grants

    assert member.scope_of(yoga_grant.grant_id) == YOGA_AT_OLD_TOWN
    assert member.scope_of("gone") == EVERY_CLASS
    assert member.scope_of(None) == EVERY_CLASS


def test_the_credits_added_event_says_what_a_grant_pays_for():
    member = member_with_yoga_and_open_credits(10, 20)

    yoga_added, open_added = member.get_domain_events()

    assert (yoga_added.locations, yoga_added.class_names) == (("Old Town",), ("Yoga",))
    assert (open_added.locations, open_added.class_names) == ((), ())
