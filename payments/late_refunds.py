"""The late-refund port over the event log: an invoice paid after its membership ended is
refunded once, and the `LateMembershipPaymentRefunded` event recorded with the refund is
what says it was (read in the refunding transaction, under the member's row lock)."""

from events.models import StoredEvent


class EventLogLateRefunds:
    def refund_of(self, invoice_id: str) -> str | None:
        refunds = StoredEvent.objects.filter(
            type="LateMembershipPaymentRefunded", payload__invoice_id=invoice_id
        )
        return refunds.values_list("payload__refund_reference", flat=True).first()
