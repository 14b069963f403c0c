"""Products and membership plans staff sell, every sale of a pack (a purchase row beside the
ledger grant it became) and every period of a membership paid for.

A purchase keeps what was sold as it was at the sale (name, credits, price, tax, rate), so a
product changed later never rewrites a receipt.
"""

import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from domain.exceptions import DomainException
from domain.fees import FeeKind, FeeStatus
from domain.membership_payments import MembershipPaymentKind
from domain.memberships import MAX_ALLOWANCE, MAX_EXTRA_WINDOW_DAYS, AllowancePeriod, BillingPeriod
from domain.refunds import MAX_REASON_LENGTH
from domain.sales import MAX_PACK_CREDITS, MAX_PACK_DAYS, PaymentMethod
from domain.values import CreditScope, parse_class_names

if TYPE_CHECKING:
    from locations.models import Location


def validate_class_names(value: str) -> None:
    """The domain's reading of a comma-separated list of class names, as a form error."""
    try:
        parse_class_names(value)
    except DomainException as refusal:
        raise ValidationError(str(refusal)) from refusal


class Sellable(models.Model):
    """What every product the gym sells has: a name, a tax-inclusive price's currency and tax
    rate, and the fees a late cancellation or a no-show of a class it paid for costs."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, help_text="As members and receipts see it.")
    currency = models.CharField(
        max_length=3, default="EUR", help_text="ISO 4217 code, e.g. EUR, GBP, USD."
    )
    tax_rate = models.DecimalField(
        "tax rate (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text="VAT or sales tax included in the price, in percent.",
    )
    late_cancel_fee = models.DecimalField(
        "late-cancellation fee",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Charged for a late cancellation of a class it paid for, in its currency. "
        "Empty: no fee (a credit spent stays forfeited).",
    )
    no_show_fee = models.DecimalField(
        "no-show fee",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Charged for a no-show at a class it paid for, in its currency. Empty: no fee.",
    )

    class Meta:
        abstract = True
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Product(Sellable):
    """A class pack: N credits, valid D days from the sale, at a tax-inclusive price."""

    credits = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PACK_CREDITS)]
    )
    valid_days = models.PositiveIntegerField(
        "valid for (days)",
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PACK_DAYS)],
        help_text="Its credits expire this many days after the sale.",
    )
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Tax included, as the member pays it.",
    )
    is_active = models.BooleanField(
        "on sale", default=True, help_text="Untick to stop selling it; past sales stay."
    )
    intro_offer = models.BooleanField(
        default=False, help_text="Sold at most once to each member, ever."
    )
    locations = models.ManyToManyField(
        "locations.Location",
        blank=True,
        related_name="class_packs",
        help_text="Its credits pay only for classes at these locations. None: every location.",
    )
    class_names = models.CharField(
        max_length=500,
        blank=True,
        validators=[validate_class_names],
        help_text="Its credits pay only for classes of these names (any case), separated by "
        'commas, e.g. "Yoga, Pilates". Empty: every class.',
    )

    def credit_scope(self, locations: Iterable["Location"] | None = None) -> CreditScope:
        """The classes its credits pay for: at `locations` (None: its own, read now) and of
        its class names."""
        places = self.locations.all() if locations is None else locations
        return CreditScope(
            locations=tuple(sorted(place.name for place in places)),
            class_names=parse_class_names(self.class_names),
        )


class Purchase(models.Model):
    """One sale to a member, as the receipt shows it, and the grant its credits became."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # A member with purchases has history: she is erased, never deleted (members/admin.py).
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="purchases")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="purchases")
    credit_grant = models.OneToOneField(
        "members.CreditGrant", on_delete=models.PROTECT, related_name="purchase"
    )
    product_name = models.CharField(max_length=200)
    credits = models.PositiveIntegerField()
    price = models.DecimalField(max_digits=10, decimal_places=2)
    tax = models.DecimalField(max_digits=10, decimal_places=2)
    tax_rate = models.DecimalField("tax rate (%)", max_digits=5, decimal_places=2)
    currency = models.CharField(max_length=3)
    intro_offer = models.BooleanField(default=False)
    payment_method = models.CharField(
        max_length=20, choices=[(method.value, method.label) for method in PaymentMethod]
    )
    reference = models.CharField(max_length=100, blank=True)
    recorded_by = models.CharField(max_length=150, help_text="The staff user who sold it.")
    purchased_at = models.DateTimeField()
    # The member's home gym at the time of the sale (sales/repositories.py), for revenue per
    # location; none when she had none. A gym closed later leaves its sales unplaced.
    location = models.ForeignKey(
        "locations.Location",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="purchases",
    )

    class Meta:
        ordering = ["-purchased_at", "id"]
        indexes = [models.Index(fields=["member", "product"])]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "product"],
                condition=Q(intro_offer=True),
                name="sales_one_intro_offer_per_member",
            ),
            models.CheckConstraint(
                condition=Q(tax__lte=models.F("price")), name="sales_tax_within_price"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_name} for {self.member}"


class Fee(models.Model):
    """A late-cancellation or no-show fee (domain/fees.py): one per booking and kind."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="fees")
    booking = models.ForeignKey("bookings.Booking", on_delete=models.PROTECT, related_name="fees")
    fitness_class = models.ForeignKey(
        "classes.FitnessClass", on_delete=models.PROTECT, related_name="fees"
    )
    kind = models.CharField(max_length=20, choices=[(k.value, k.label) for k in FeeKind])
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=20,
        choices=[(s.value, s.label) for s in FeeStatus],
        default=FeeStatus.OWED.value,
    )
    charge_reference = models.CharField(max_length=100, blank=True)
    refund_reference = models.CharField(max_length=100, blank=True)
    imposed_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_by = models.CharField(max_length=150, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-imposed_at", "id"]
        permissions = [("waive_fee", "Can waive a late-cancellation or no-show fee")]
        indexes = [models.Index(fields=["member", "-imposed_at"], name="fee_member_newest")]
        constraints = [
            models.UniqueConstraint(fields=["booking", "kind"], name="sales_one_fee_per_booking"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="sales_fee_above_zero"),
        ]

    def __str__(self) -> str:
        return f"{FeeKind(self.kind).label} fee of {self.amount} {self.currency}"


class Refund(models.Model):
    """Money given back for a purchase (in its currency), the tax part of it, and the
    grant's credits withdrawn with it. Only refunds write it; nobody edits it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    tax = models.DecimalField(max_digits=10, decimal_places=2)
    credits_withdrawn = models.PositiveIntegerField(default=0)
    payment_method = models.CharField(
        max_length=20, choices=[(method.value, method.label) for method in PaymentMethod]
    )
    reference = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=MAX_REASON_LENGTH)
    recorded_by = models.CharField(max_length=150, help_text="The staff user who refunded it.")
    refunded_at = models.DateTimeField()

    class Meta:
        ordering = ["refunded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="sales_refund_positive"),
            models.CheckConstraint(
                condition=Q(tax__gte=0, tax__lte=models.F("amount")),
                name="sales_refund_tax_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund of {self.amount} for {self.purchase_id}"


class MembershipPlan(Sellable):
    """A membership members pay for every billing period: unlimited classes, or N a week or
    a month, and booking from further ahead. A membership keeps the terms it started on."""

    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Every billing period, tax included, as the member pays it.",
    )
    billing_period = models.CharField(
        max_length=10,
        choices=[(period.value, period.label) for period in BillingPeriod],
        default=BillingPeriod.MONTHLY.value,
    )
    allowance_classes = models.PositiveIntegerField(
        "classes included",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ALLOWANCE)],
        help_text="Blank: unlimited classes.",
    )
    allowance_period = models.CharField(
        "per",
        max_length=5,
        blank=True,
        choices=[(period.value, period.value) for period in AllowancePeriod],
        help_text="With a number of classes: per ISO week (Monday to Sunday) or calendar month, "
        "on the class's location clock.",
    )
    extra_booking_window_days = models.PositiveIntegerField(
        "extra booking days",
        default=0,
        validators=[MaxValueValidator(MAX_EXTRA_WINDOW_DAYS)],
        help_text="Its members may book this many days earlier than the location's booking "
        "window allows.",
    )
    is_active = models.BooleanField(
        "on sale", default=True, help_text="Untick to stop selling it; memberships stay."
    )


class MembershipPayment(models.Model):
    """One period of a membership paid for (its start or a renewal), as the receipt shows it:
    the plan's terms it was paid at, the period, how and by whom. Only the membership use
    cases write it, in the transaction that starts or renews the membership."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    membership = models.ForeignKey(
        "members.Membership", on_delete=models.PROTECT, related_name="payments"
    )
    # A member with payments has history: she is erased, never deleted (members/admin.py).
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="membership_payments"
    )
    plan = models.ForeignKey(MembershipPlan, on_delete=models.PROTECT, related_name="payments")
    plan_name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=10, choices=[(kind.value, kind.label) for kind in MembershipPaymentKind]
    )
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    price = models.DecimalField(max_digits=10, decimal_places=2)
    tax = models.DecimalField(max_digits=10, decimal_places=2)
    tax_rate = models.DecimalField("tax rate (%)", max_digits=5, decimal_places=2)
    currency = models.CharField(max_length=3)
    payment_method = models.CharField(
        max_length=20, choices=[(method.value, method.label) for method in PaymentMethod]
    )
    reference = models.CharField(max_length=100)
    recorded_by = models.CharField(max_length=150)
    paid_at = models.DateTimeField()
    # The member's home gym when she paid, for revenue per location (as a purchase's).
    location = models.ForeignKey(
        "locations.Location",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="membership_payments",
    )

    class Meta:
        ordering = ["-paid_at", "id"]
        indexes = [models.Index(fields=["member", "-paid_at"], name="membership_payment_member")]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "reference"], name="sales_membership_paid_once"
            ),
            models.CheckConstraint(
                condition=Q(tax__gte=0, tax__lte=models.F("price")),
                name="sales_membership_payment_tax_within_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_name} ({self.get_kind_display()}) for {self.member}"
