"""What online payment keeps besides the sales: each member's customer at Stripe, and every
Stripe event acted on.

An event's row is written in the transaction of its effect, and its id is unique, so an
event delivered again (or twice at once) changes nothing a second time.
"""

from django.db import models


class StripeCustomer(models.Model):
    """A member's customer at Stripe, made the first time she pays online, and the card she
    saved with it for later off-session charges (fees). Protected: a member who went to pay
    online has history at Stripe, so she is erased, never deleted."""

    member = models.OneToOneField(
        "members.Member", on_delete=models.PROTECT, related_name="stripe_customer"
    )
    customer_id = models.CharField(max_length=255, unique=True)
    payment_method_id = models.CharField(
        max_length=255, blank=True, help_text="The saved card; empty until she has paid once."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.customer_id


class StripeEvent(models.Model):
    """A webhook event from Stripe that was acted on, with what it became."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    # The id of the object the event is about (a checkout session cs_…, an invoice in_…, a
    # subscription sub_…).
    object_id = models.CharField(max_length=255, blank=True, db_index=True)
    created = models.DateTimeField(help_text="When Stripe created the event.")
    processed_at = models.DateTimeField()
    outcome = models.CharField(max_length=500)
    # Whom it was about and the sale it became, where it was about a member and became one.
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purchase = models.ForeignKey(
        "sales.Purchase", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-processed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
