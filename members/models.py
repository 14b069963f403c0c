"""Members and their credit ledger: every grant is a row that is spent down, never edited."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


def new_calendar_token() -> str:
    """A fresh secret for a member's calendar feed URL: 32 URL-safe characters."""
    return secrets.token_urlsafe(24)


class Member(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # A member's login is never deleted on its own (PROTECT): it is deactivated with her, or
    # deleted with her (members/accounts.py).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="member",
        help_text="The login this member signs in with, if any.",
    )
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Untick to close the account: the member and her login are deactivated "
        "together, and she can no longer sign in.",
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(unique=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    bookings_paused_until = models.DateTimeField(
        null=True, blank=True, help_text="No booking until then, after repeated no-shows."
    )
    calendar_token = models.CharField(
        max_length=64,
        unique=True,
        default=new_calendar_token,
        editable=False,
        help_text="The secret in the member's calendar feed URL; resetting it retires the old URL.",
    )
    erased_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When staff erased her personal data."
    )
    # A preference, not a record: a gym that closes leaves its members with none (the first
    # location by name is then shown). Her credits and bookings are the chain's either way.
    home_location = models.ForeignKey(
        "locations.Location",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="home_members",
        help_text="The gym whose schedule she sees first; the others are one click away.",
    )

    class Meta:
        ordering = ["name", "id"]
        # Erasing a member's personal data (members.admin_erasure): the Manager group's.
        permissions = [("erase_member", "Can erase a member's personal data")]

    def __str__(self) -> str:
        return self.name


class CreditGrant(models.Model):
    """Credits granted at once (a purchase, a gift, a refund), spendable until `expires_at`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="credit_grants")
    amount = models.PositiveIntegerField()
    remaining = models.IntegerField()
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    expiry_recorded = models.BooleanField(
        default=False, help_text="Whether the expiry of its unspent credits has been recorded."
    )

    class Meta:
        ordering = ["expires_at", "granted_at", "id"]
        indexes = [models.Index(fields=["member", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__gte=0), name="credit_grant_remaining_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(remaining__lte=F("amount")),
                name="credit_grant_remaining_within_amount",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_grant_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.remaining}/{self.amount} credits until {timezone.localdate(self.expires_at)}"


class PendingSignUp(models.Model):
    """A sign-up waiting for its e-mailed link to be followed (members/signups.py): what the
    account will be made of, and nothing else."""

    name = models.CharField(max_length=200)
    email = models.CharField(max_length=254, db_index=True)  # normalised (domain/addresses.py)
    password = models.CharField(max_length=128)  # a hash, as on a login
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        # Nobody handles these by hand (they are not in admin): no permissions to grant.
        default_permissions = ()

    def __str__(self) -> str:
        return self.email


# The sign-ins each login holds (members/sessions.py), registered with this app's models.
from members.sessions import SignedInSession  # noqa: E402, F401
