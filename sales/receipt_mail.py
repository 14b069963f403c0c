"""Receipts and refund notes by e-mail, sent by the mail workers: the receipt of a pack's sale
(`ClassPackPurchased`) and of each period of a membership paid (`MembershipStarted`,
`MembershipRenewed`), and the note of a refund (`PurchaseRefunded`), each one message in
plain text with an HTML alternative, built from the sale as it is stored (`sales.receipts`).
An erased member is sent nothing, and neither is a sale gone.

Redelivery: the event log keeps one delivery per event and handler, and a delivered one is
never run again, so a sale is sent one receipt. (Here rather than in notifications: the
mail is made of sales' rows, and notifications sit below sales.)
"""

from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from domain.events import (
    ClassPackPurchased,
    MembershipRenewed,
    MembershipStarted,
    PurchaseRefunded,
)
from notifications.email import tidy
from sales.receipts import Receipt, receipt_of
from sales.wording import method_label, price_label, receipt_subject, refund_note_subject
from web import formatting


class ReceiptMailer:
    def send_receipt(self, event: ClassPackPurchased) -> None:
        _send_receipt(event.purchase_id, "Your credits are on your account now.")

    def send_membership_receipt(self, event: MembershipStarted | MembershipRenewed) -> None:
        """Nothing for an event recorded before its payment was kept (no `payment_id`)."""
        if event.payment_id:
            paid_for = (
                "Your membership has started."
                if isinstance(event, MembershipStarted)
                else "Your membership is renewed."
            )
            _send_receipt(event.payment_id, paid_for)

    def send_refund_note(self, event: PurchaseRefunded) -> None:
        receipt = receipt_of(event.purchase_id)
        if receipt is None or receipt.erased:
            return
        amount = price_label(Decimal(event.amount), event.currency)
        refund = {
            "amount": amount,
            "tax": price_label(Decimal(event.tax), event.currency),
            "credits_withdrawn": event.credits_withdrawn,
            "method": method_label(event.payment_method),
            "reference": event.reference,
            "refunded_at": formatting.local(event.occurred_at, receipt.sold_at.tzinfo),
        }
        subject = refund_note_subject(amount, receipt.number)
        _send("emails/refund_note", subject, receipt, {"refund": refund})


def _send_receipt(receipt_id: str, paid_for: str) -> None:
    receipt = receipt_of(receipt_id)
    if receipt is None or receipt.erased:
        return
    subject = receipt_subject(receipt.number, receipt.seller.name)
    _send("emails/receipt", subject, receipt, {"paid_for": paid_for})


def _send(template: str, subject: str, receipt: Receipt, extra: dict) -> None:
    context = {"receipt": receipt, "subject": subject, **extra}
    message = EmailMultiAlternatives(
        subject=subject,
        body=tidy(render_to_string(f"{template}.txt", context)),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[receipt.email],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    message.send()
