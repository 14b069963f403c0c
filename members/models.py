"""Members, their credit ledger (every grant is a row that is spent down, never edited) and
their memberships."""

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
    # Which classes it pays for, kept on the row so that loading a member reads no more:
    # {"locations": [names], "class_names": [names]}; empty (or a missing part): every one.
    scope = models.JSONField(default=dict, blank=True)

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


class Membership(models.Model):
    """A member's membership of a plan, with the plan's terms as they were at its start: what
    booking reads (the member repository loads it with her). At most one is live (not
    ended) per member."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # A member with a membership has history: she is erased, never deleted.
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="memberships")
    plan = models.ForeignKey(
        "sales.MembershipPlan", on_delete=models.PROTECT, related_name="memberships"
    )
    plan_name = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    tax_rate = models.DecimalField("tax rate (%)", max_digits=5, decimal_places=2)
    billing_period = models.CharField(max_length=10)
    allowance_classes = models.PositiveIntegerField(null=True, blank=True)
    allowance_period = models.CharField(max_length=5, blank=True)
    extra_booking_window_days = models.PositiveIntegerField(default=0)
    late_cancel_fee = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    no_show_fee = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    started_at = models.DateTimeField()
    period_start = models.DateTimeField()
    period_end = models.DateTimeField(help_text="Renewed, or ended, then.")
    # [[first day, last day], ...] as ISO dates: each freeze, both days included.
    freezes = models.JSONField(default=list, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    ended_at = models.DateTimeField(null=True, blank=True)
    payment_method = models.CharField(max_length=20)
    payment_reference = models.CharField(max_length=100, blank=True)
    # Every payment applied (the start's and each renewal's), so a replay renews once.
    payment_references = models.JSONField(default=list, blank=True)
    external_subscription_id = models.CharField(
        max_length=100, blank=True, help_text="The payment processor's, for online renewals."
    )
    renewal_failed_at = models.DateTimeField(
        null=True, blank=True, help_text="When its renewal last failed, until one is paid."
    )

    class Meta:
        ordering = ["-started_at", "id"]
        # Holding a membership (sales/admin_memberships.py): the Front desk's, like selling.
        permissions = [("freeze_membership", "Can freeze and unfreeze a membership")]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(ended_at__isnull=True),
                name="members_one_live_membership",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")),
                name="membership_period_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_name} for {self.member}"


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
