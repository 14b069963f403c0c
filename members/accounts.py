"""A member and her login go together: created, linked, deactivated and deleted together.

The member is the gym's record of a person; the login (Django's user) is how she signs in.
What keeps them together lives here, in one place, for the sign-up page, the member admin and
the login admin alike:

- Creating: a new member gets a login named by her e-mail address (`login_for_new_member`).
  A login that no member uses and that is not staff's (left behind by an account closed
  before this rule) never blocks the address: it is taken over by whoever registers it, as a
  fresh login would be — it holds nothing of anybody's.
- Linking: staff (re)create or link the login of a member who has none (`give_login`).
- Deactivating: one `is_active` for both (`set_active`): a deactivated member cannot sign
  in, and a deactivated login deactivates its member.
- Deleting: the login of a member is never deleted on its own (the database protects it:
  `Member.user` is PROTECT) — deactivate it, or delete the member; deleting a member deletes
  her login (unless it is a staff login, which only loses its member), and a member with
  history (bookings, credits, waitlist places) is never deleted: her personal data is erased
  instead ("Erase personal data").

A login belongs to Django, not to the domain: this is account plumbing around the member
rows, with its refusals in the domain's hierarchy so that the admin shows them as it shows any.
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from domain.exceptions import DomainException
from members.logins import normalised_login
from members.models import Member
from members.queries import attach_login


class AccountRefused(DomainException):
    """A change of a member's login that would part her from it."""


def orphan_login(email: str) -> AbstractBaseUser | None:
    """The login named by `email` that no member uses and that is not a staff login, if any:
    one left behind, free to be taken over."""
    return (
        get_user_model()
        .objects.filter(
            username__iexact=normalised_login(email),
            member__isnull=True,
            is_staff=False,
            is_superuser=False,
        )
        .first()
    )


def login_for_new_member(
    name: str, email: str, password: str | None, *, password_hash: str | None = None
) -> AbstractBaseUser:
    """The login of a member being registered: a new one named by her normalised address,
    or the orphan login of that address, taken over (its password replaced, its names and
    address set, active again). `password_hash` is a password hashed already (a verified
    sign-up's); without either a random password is set, so "Forgot your password?" lets
    her in."""
    address = normalised_login(email)
    first_name, _, last_name = name.strip().partition(" ")
    login = orphan_login(address)
    if login is None:
        login = get_user_model()(username=address)
    login.email = address
    login.first_name = first_name[:150]
    login.last_name = last_name.strip()[:150]
    login.is_active = True
    if password_hash:
        login.password = password_hash
    else:
        login.set_password(password or secrets.token_urlsafe(32))
    login.save()
    return login


@transaction.atomic
def give_login(member_id: object) -> tuple[AbstractBaseUser, bool]:
    """Staff give a member without a login one: her address's orphan login, linked, or a new
    one with a random password. Returns (login, whether it was created). Refused when she
    has a login already, or when her address is another member's or a staff login."""
    member = Member.objects.select_for_update().get(pk=member_id)
    if member.user_id is not None:
        raise AccountRefused(f"{member.name} already has a login ({member.user.get_username()}).")
    taken = get_user_model().objects.filter(username__iexact=member.email).first()
    if taken is not None and orphan_login(member.email) is None:
        raise AccountRefused(
            f"The login {taken.get_username()} is a staff login or another member's: it "
            "cannot become this member's. Change one of the two addresses first."
        )
    created = taken is None
    login = login_for_new_member(member.name, member.email, None) if created else taken
    login.is_active = member.is_active
    login.save(update_fields=["is_active"])
    attach_login(member.pk, login)
    return login, created


@transaction.atomic
def set_active(
    *, member: Member | None = None, login: AbstractBaseUser | None = None, active: bool
) -> None:
    """Activate or deactivate a member and her login together (either may be given)."""
    if member is not None and login is None:
        login = member.user
    if login is not None and member is None:
        member = Member.objects.filter(user=login).first()
    if member is not None:
        Member.objects.filter(pk=member.pk).update(is_active=active)
        member.is_active = active
    if login is not None:
        get_user_model().objects.filter(pk=login.pk).update(is_active=active)
        login.is_active = active


class MemberHasHistory(AccountRefused):
    default_message = (
        "This member has bookings, credits or waitlist places on record: deleting them would "
        "erase the gym's history. Use “Erase personal data” instead: it removes their personal "
        "details and keeps the history without their name."
    )


def ensure_deletable(member: Member) -> None:
    """Refuse to delete a member with history (see `MemberHasHistory`)."""
    if (
        member.bookings.exists()
        or member.credit_grants.exists()
        or member.waitlist_entries.exists()
        or member.memberships.exists()
    ):
        raise MemberHasHistory(
            f"{member.name} has bookings, credits, waitlist places or a membership on record: "
            "deleting them would erase the gym's history. Use “Erase personal data” instead: "
            "it removes their personal details and keeps the history without their name."
        )


@transaction.atomic
def delete_member(member_id: object) -> None:
    """Delete a member with no history, and her login with her (a staff login stays, without
    its member). Refused (`MemberHasHistory`) for a member with history; checked under the
    member's row lock, which booking and granting credits take too."""
    member = Member.objects.select_for_update().get(pk=member_id)
    ensure_deletable(member)
    login = member.user
    member.delete()
    if login is not None and not (login.is_staff or login.is_superuser):
        login.delete()
