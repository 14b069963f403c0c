"""Logins are normalised: a username (a member's e-mail, or a staff name) is stored in lower
case, an address in its one spelling (`normalised_login`), so the sign-in form
(members/auth.py), which normalises what is typed, finds it however it was created or typed.

Every way of creating a user keeps this: sign-up and seed_demo (`create_login`),
`manage.py create_staff`, and — through the `pre_save` receiver below, connected by
MembersConfig.ready() — Django's own `createsuperuser` and the admin's "Add user", which
would otherwise store "OpsAdmin" as typed and leave a user who can never sign in.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from domain.addresses import AddressRefused, normalise_address


def normalised_login(username: str) -> str:
    """An address in its one spelling (domain/addresses.py: a full-width or upper-case variant
    is the same login); any other name (staff's, or an address that cannot be one) stripped
    and lower-cased."""
    try:
        return normalise_address(username)
    except AddressRefused:
        return str(username).strip().lower()


def login_taken(username: str, *, except_pk=None) -> bool:
    """Whether another user has this login, whatever its case."""
    users = get_user_model().objects.filter(username__iexact=normalised_login(username))
    if except_pk is not None:
        users = users.exclude(pk=except_pk)
    return users.exists()


def lower_case_login(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """Before a user is saved: its username (and e-mail) in lower case, and refused (a
    ValidationError, which createsuperuser reports as its error) when another user has it in
    another case. A save of other fields (the last sign-in) and a fixture being loaded
    (`raw`) are left alone."""
    field = sender.USERNAME_FIELD
    if raw or (update_fields is not None and field not in update_fields):
        return
    username = getattr(instance, field, None)
    if username:
        login = normalised_login(username)
        if login != username and login_taken(login, except_pk=instance.pk):
            raise ValidationError(
                f"A user with the login {login!r} already exists (logins ignore letter case)."
            )
        setattr(instance, field, login)
    if getattr(instance, "email", None):
        instance.email = normalised_login(instance.email)
