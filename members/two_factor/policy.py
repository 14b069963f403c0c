"""Who must give a second factor, and who has one.

Every staff login must, when GYM_STAFF_MFA_REQUIRED is on: superusers, logins with staff
status (the admin lets any permission be given to one login directly, so a rule by group
alone would leave some of the admin open to a password), and the Manager and Front desk
groups (whose permissions open check-in and the reports even without staff status). A member
who turned it on herself has a confirmed device, and must give it too.
"""

from django.conf import settings
from django_otp import user_has_device

STAFF_GROUPS = ("Manager", "Front desk")


def is_staff_login(user) -> bool:
    """Staff status, a superuser, or a member of a staff group."""
    if user.is_staff or user.is_superuser:
        return True
    return user.groups.filter(name__in=STAFF_GROUPS).exists()


def is_required(user) -> bool:
    """The setting requires this login to have a second factor (so it may not turn it off)."""
    return settings.GYM_STAFF_MFA_REQUIRED and is_staff_login(user)


def has_second_factor(user) -> bool:
    """A confirmed device: an authenticator app, or recovery codes."""
    return user_has_device(user, confirmed=True)
