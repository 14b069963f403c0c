"""One spelling per address (NFKC, IDNA, case), and addresses that pass for others refused."""

import pytest

from domain.addresses import (
    AddressTooLongException,
    InvisibleCharactersException,
    LookAlikeAddressException,
    MalformedAddressException,
    normalise_address,
    registrable_address,
)
from domain.exceptions import InvalidEmailException

FULL_WIDTH_E = "\uff45"
CYRILLIC_E = "\u0435"


@pytest.mark.parametrize(
    ("typed", "address"),
    [
        (f"zed@{FULL_WIDTH_E}xample.com", "zed@example.com"),
        ("\uff5a\uff45\uff44@example.com", "zed@example.com"),  # a full-width local part
        ("  Ana.Silva@Example.COM ", "ana.silva@example.com"),
        ("dana@B\u00fccher.DE", "dana@xn--bcher-kva.de"),
        ("dana@bu\u0308cher.de", "dana@xn--bcher-kva.de"),  # u + combining diaeresis
        ("ivan@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444", "ivan@xn--e1afmkfd.xn--p1ai"),
        ("dana@example.com.", "dana@example.com"),
    ],
    ids=["full-width-domain", "full-width-local", "case", "idna", "nfc", "cyrillic-tld", "dot"],
)
def test_an_address_has_one_spelling(typed, address):
    assert normalise_address(typed) == address
    assert registrable_address(typed) == address


def test_a_full_width_variant_is_the_very_address_it_imitates():
    assert normalise_address(f"zed@{FULL_WIDTH_E}xample.com") == normalise_address(
        "zed@example.com"
    )


@pytest.mark.parametrize(
    "typed",
    [
        f"z{CYRILLIC_E}d@example.com",  # a Cyrillic e among Latin letters, in the local part
        f"zed@{CYRILLIC_E}xample.com",  # and in the domain
        "zed@xn--xample-2of.com",  # the same domain typed in its punycode form
        "zed@\u0430\u0440\u0440\u04cf\u0435.com",  # wholly Cyrillic, reads "apple", Latin TLD
        "zed@ex\u03bfmple.com",  # a Greek omicron
    ],
    ids=["cyrillic-local", "cyrillic-domain", "punycode", "whole-script", "greek"],
)
def test_a_look_alike_address_is_refused_with_the_reason(typed):
    normalise_address(typed)  # signing in with it finds nothing; registering it is refused:

    with pytest.raises(LookAlikeAddressException) as refused:
        registrable_address(typed)

    assert "look like Latin ones" in str(refused.value)
    assert isinstance(refused.value, InvalidEmailException)


def test_scripts_written_together_are_not_look_alikes():
    assert registrable_address("yuki@\u4f8b\u3048.jp") == "yuki@xn--r8jz45g.jp"


@pytest.mark.parametrize(
    ("typed", "refusal", "says"),
    [
        ("ana\x00@example.com", InvisibleCharactersException, "invisible or control"),
        ("ana\u200b@example.com", InvisibleCharactersException, "invisible or control"),
        ("ana@exa\ud800mple.com", InvisibleCharactersException, "invisible or control"),
        ("a" * 10_000 + "@example.com", AddressTooLongException, "at most 254"),
        ("a" * 60 + "@" + ("b" * 60 + ".") * 4 + "com", AddressTooLongException, "at most 254"),
        ("ana silva@example.com", MalformedAddressException, "no spaces"),
        ("ana", MalformedAddressException, "not a valid"),
        ("ana@", MalformedAddressException, "not a valid"),
        ("@example.com", MalformedAddressException, "not a valid"),
        ("ana@example", MalformedAddressException, "not a valid"),
        ("ana@@example.com", MalformedAddressException, "not a valid"),
        ("ana@exa_mple.com", MalformedAddressException, "not a valid"),
        ("ana@-example.com", MalformedAddressException, "not a valid"),
        ("ana@example..com", MalformedAddressException, "not a valid"),
        ("ana@" + "x" * 64 + ".com", MalformedAddressException, "not a valid"),
        ("ana@xn--zz.com", MalformedAddressException, "not a valid"),
        (None, MalformedAddressException, "not a valid"),
    ],
    ids=[
        "nul",
        "zero-width-space",
        "lone-surrogate",
        "10-kb",
        "over-254",
        "space",
        "no-at",
        "no-domain",
        "no-local-part",
        "one-label",
        "two-ats",
        "underscore",
        "leading-hyphen",
        "empty-label",
        "64-char-label",
        "bad-punycode",
        "not-text",
    ],
)
def test_hostile_or_malformed_input_is_refused_with_a_clear_message(typed, refusal, says):
    with pytest.raises(refusal) as refused:
        registrable_address(typed)

    assert says in str(refused.value)
