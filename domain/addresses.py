"""One spelling per e-mail address, and no address that passes for another.

Every address that enters the gym (sign-up, sign-in, a password reset, staff adding a member)
goes through `normalise_address`, so two spellings of one address are one login: Unicode
compatibility forms folded (NFKC: `example.com` typed with a full-width U+FF45 for its `e` is
`example.com`), the domain in its ASCII (IDNA, punycode) form, everything lower case. An
address that only looks like another — letters of two scripts in one part (a Cyrillic U+0435
among Latin letters), or a label made wholly of Cyrillic letters that pass for Latin ones
under a Latin top-level domain — is refused when it would be registered
(`refuse_look_alikes`), as browsers refuse to show such domains. Standard library only:
`unicodedata` and the `idna` codec.
"""

import re
import unicodedata

from domain.exceptions import InvalidEmailException

MAX_LENGTH = 254  # the longest address SMTP carries
_LOCAL_MAX = 64
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# Categories no address holds: controls (NUL), invisible format marks (zero-width joiners),
# surrogates, private use and unassigned code points.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
# Scripts that are written together in one word (Japanese mixes Han and both kana).
_WRITTEN_TOGETHER = {"CJK", "HIRAGANA", "KATAKANA"}
# Cyrillic letters that look like Latin ones: a label made of these alone reads as Latin.
_CYRILLIC_LOOKING_LATIN = set("асԁеһіјӏорԛѕԝхуъьҽпгѵѡ")


class AddressRefused(InvalidEmailException):
    """An address that cannot be one person's e-mail address."""


class MalformedAddressException(AddressRefused):
    default_message = "That is not a valid e-mail address."


class AddressTooLongException(AddressRefused):
    default_message = f"An e-mail address has at most {MAX_LENGTH} characters."


class InvisibleCharactersException(AddressRefused):
    default_message = (
        "That e-mail address contains invisible or control characters. Type it again by hand."
    )


class LookAlikeAddressException(AddressRefused):
    default_message = (
        "That e-mail address has letters of another alphabet that look like Latin ones (such "
        "as a Cyrillic “\u0435” for an “e”), so it could pass for someone else's. Type it again "
        "by hand, in one alphabet."
    )


def normalise_address(raw: object) -> str:
    """The one spelling of an address: NFKC, stripped, the local part lower-cased, the domain
    lower-cased in its ASCII form. Raises an `AddressRefused` saying what is wrong."""
    if not isinstance(raw, str):
        raise MalformedAddressException()
    if len(raw) > 4 * MAX_LENGTH:  # refused before any work on it
        raise AddressTooLongException()
    text = unicodedata.normalize("NFKC", raw).strip()
    if any(unicodedata.category(char) in _INVISIBLE_CATEGORIES for char in text):
        raise InvisibleCharactersException()
    if any(char.isspace() for char in text):
        raise MalformedAddressException("An e-mail address has no spaces in it.")
    local, at, domain = text.rpartition("@")
    if not at or not local or "@" in local or len(local) > _LOCAL_MAX:
        raise MalformedAddressException()
    address = f"{local.lower()}@{ascii_domain(domain)}"
    if len(address) > MAX_LENGTH:
        raise AddressTooLongException()
    return address


def registrable_address(raw: object) -> str:
    """The normalised address, when it may be registered: not a look-alike."""
    address = normalise_address(raw)
    refuse_look_alikes(address)
    return address


def ascii_domain(domain: str) -> str:
    """The domain as DNS spells it (IDNA 2003 through Python's codec: nameprep folds case and
    compatibility forms, non-ASCII labels become `xn--…`), checked label by label."""
    try:
        encoded = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError as error:
        raise MalformedAddressException() from error
    labels = encoded.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise MalformedAddressException()
    return encoded


def refuse_look_alikes(address: str) -> None:
    """Refuse (`LookAlikeAddressException`) a normalised address whose local part or a
    domain label mixes scripts, or whose domain has a label wholly of Latin-looking Cyrillic
    letters under a top-level domain that is not Cyrillic."""
    local, _, domain = address.rpartition("@")
    labels = [_unicode_label(label) for label in domain.split(".")]
    if _mixes_scripts(local) or any(_mixes_scripts(label) for label in labels):
        raise LookAlikeAddressException()
    if _scripts(labels[-1]) != {"CYRILLIC"} and any(
        label and set(label) <= _CYRILLIC_LOOKING_LATIN for label in labels[:-1]
    ):
        raise LookAlikeAddressException()


def _unicode_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return label.encode("ascii").decode("idna")
    except UnicodeError as error:
        raise MalformedAddressException() from error


def _scripts(text: str) -> set[str]:
    """The scripts of the letters of `text` (digits, hyphens and dots belong to none): the
    first word of each letter's Unicode name ("CYRILLIC SMALL LETTER IE")."""
    return {
        unicodedata.name(char, "UNKNOWN").split()[0]
        for char in text
        if unicodedata.category(char).startswith("L")
    }


def _mixes_scripts(text: str) -> bool:
    scripts = _scripts(text)
    return len(scripts) > 1 and not scripts <= _WRITTEN_TOGETHER
