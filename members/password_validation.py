"""Password rules beyond Django's own: a length cap for everyone, a longer minimum for staff.

The cap keeps a megabyte "password" from being hashed (and stored) at all; 256 characters
is far beyond any passphrase. Staff passwords open the admin, so they must be longer than
the members' (Django's MinimumLengthValidator, 8).
"""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

MAX_LENGTH = 256
STAFF_MIN_LENGTH = 12


class MaximumLengthValidator:
    def validate(self, password: str, user=None) -> None:
        if len(password) > MAX_LENGTH:
            raise ValidationError(
                f"This password is too long: at most {MAX_LENGTH} characters.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Your password can be at most {MAX_LENGTH} characters long."


class StaffMinimumLengthValidator:
    def validate(self, password: str, user=None) -> None:
        is_staff = user is not None and (user.is_staff or user.is_superuser)
        if is_staff and len(password) < STAFF_MIN_LENGTH:
            raise ValidationError(
                f"A staff password must contain at least {STAFF_MIN_LENGTH} characters.",
                code="password_too_short_for_staff",
            )

    def get_help_text(self) -> str:
        return f"Staff passwords must contain at least {STAFF_MIN_LENGTH} characters."


def member_help_text_html() -> str:
    """The password rules a member is shown when she chooses one: every rule but the staff
    minimum, which is not hers."""
    validators = [
        validator
        for validator in password_validation.get_default_password_validators()
        if not isinstance(validator, StaffMinimumLengthValidator)
    ]
    return password_validation.password_validators_help_text_html(validators)
