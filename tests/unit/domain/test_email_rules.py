import pytest

from domain.entities import Member
from domain.exceptions import InvalidEmailException
from domain.values import Email


def test_a_valid_address_keeps_its_local_part_and_lowercases_its_domain():
    # given/when
    email = Email("  Ana.Silva@Example.COM ")

    # then
    assert email.value == "Ana.Silva@example.com"
    assert str(email) == "Ana.Silva@example.com"


def test_addresses_that_differ_only_in_domain_case_are_equal():
    assert Email("ana@EXAMPLE.com") == Email("ana@example.com")


@pytest.mark.parametrize(
    "address",
    [
        "",
        "ana",
        "ana@",
        "@example.com",
        "ana@example",
        "ana silva@example.com",
        "ana@@example.com",
        "ana@exa mple.com",
        "a" * 250 + "@example.com",
    ],
)
def test_an_invalid_address_is_refused(address):
    with pytest.raises(InvalidEmailException) as refused:
        Email(address)

    assert "is not a valid e-mail address" in str(refused.value)


def test_something_that_is_not_text_is_refused():
    with pytest.raises(InvalidEmailException):
        Email(None)


def test_a_member_is_given_a_validated_email():
    # given/when
    member = Member("M001", "Ana", "ana@Example.com")

    # then
    assert member.email == Email("ana@example.com")
    with pytest.raises(InvalidEmailException):
        Member("M002", "Ben", "not-an-address")
