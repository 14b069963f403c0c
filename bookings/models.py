"""Bookings, waitlist entries and the offers of freed spots to waiting members. The
constraints are the backstop under the domain rules."""

import uuid

from django.db import models
from django.db.models import Q

from classes.models import FitnessClass
from domain.entities import SPOT_HOLDING_STATUSES, BookingStatus
from domain.waitlist_offers import OfferState
from members.models import CreditGrant, Member, Membership


class Booking(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="bookings")
    fitness_class = models.ForeignKey(
        FitnessClass, on_delete=models.PROTECT, related_name="bookings"
    )
    status = models.CharField(
        max_length=20,
        choices=[(s.value, s.value.replace("_", " ").capitalize()) for s in BookingStatus],
        default=BookingStatus.CONFIRMED,
    )
    created_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField(max_length=300, blank=True)
    credit_grant = models.ForeignKey(
        CreditGrant,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
        help_text="The grant the credit for this booking was spent from.",
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    free_cancellation_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Promoted inside the cancellation window: cancelling refunds until then.",
    )
    refund_grant = models.OneToOneField(
        CreditGrant,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunded_booking",
        help_text="The grant that gave this booking's credit back, if it was refunded.",
    )
    membership = models.ForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
        help_text="The membership that paid for this booking, instead of a credit.",
    )

    class Meta:
        ordering = ["created_at", "id"]
        # Check-in: marking a booking attended or no-show (the front desk's check-in page).
        permissions = [("record_attendance", "Can record attendance (check-in)")]
        indexes = [
            models.Index(fields=["fitness_class", "status"]),
            models.Index(fields=["member", "status"]),
            # The admin's list, newest first: a page read from the index, not sorted.
            models.Index(fields=["-created_at", "id"], name="booking_newest"),
            # A member's history by class (the admin's member page, latest class first): her
            # booking of a class found by index, whatever the statuses.
            models.Index(fields=["member", "fitness_class"], name="booking_member_class"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "fitness_class"],
                # Plain strings in a fixed order, so the migration state stays the same.
                condition=Q(status__in=sorted(s.value for s in SPOT_HOLDING_STATUSES)),
                name="one_active_booking_per_member_and_class",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.fitness_class} ({self.status})"


class WaitlistEntry(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="waitlist_entries")
    fitness_class = models.ForeignKey(
        FitnessClass, on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    created_at = models.DateTimeField()
    skips_told = models.CharField(
        max_length=200,
        blank=True,
        help_text="Why a free spot passed her by, as she was told (each reason once).",
    )

    class Meta:
        verbose_name_plural = "waitlist entries"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "fitness_class"], name="one_waitlist_entry_per_member_and_class"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} waiting for {self.fitness_class}"


class WaitlistOffer(models.Model):
    """A freed spot offered to a waiting member until it expires (`domain.waitlist_offers`):
    written only through the offer repository, from the entity's own state."""

    id = models.UUIDField(primary_key=True, editable=False)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="waitlist_offers")
    fitness_class = models.ForeignKey(
        FitnessClass, on_delete=models.CASCADE, related_name="waitlist_offers"
    )
    # The entry she waited with; it leaves the waitlist once she accepts, so no foreign key.
    waitlist_entry_id = models.UUIDField()
    state = models.CharField(
        max_length=10,
        choices=[(state.value, state.value) for state in OfferState],
        default=OfferState.OPEN.value,
    )
    made_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["made_at", "id"]
        # Nobody changes offers by hand (they are not in admin): no permissions to grant.
        default_permissions = ()
        indexes = [
            models.Index(
                fields=["expires_at"],
                condition=Q(state=OfferState.OPEN.value),
                name="open_offer_expiry",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "fitness_class"],
                condition=Q(state=OfferState.OPEN.value),
                name="one_open_offer_per_member_and_class",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("made_at")), name="offer_expires_after_made"
            ),
        ]

    def __str__(self) -> str:
        return f"Spot in {self.fitness_class} offered to {self.member}"
