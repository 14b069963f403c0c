"""The money sections of a member's export: her purchases (each with its refunds), her fees,
and her memberships (each with its freezes and the periods paid).

The sales app sits above members and imports it, never the other way round: these rows are
read through her reverse relations (`purchases`, `fees`, `memberships`), two or three queries
a section, however long her history.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch

from domain.fees import FeeKind, FeeStatus
from domain.sales import PaymentMethod
from members.models import Member

type Row = dict[str, Any]

PURCHASES = (
    "purchase_id",
    "product",
    "credits",
    "price",
    "tax",
    "tax_rate",
    "currency",
    "paid_by",
    "reference",
    "purchased_at",
    "refunded",
    "refunds",
)


def purchases(member: Member) -> list[Row]:
    """Her purchases, newest first; each refund with its amount, tax, the credits it took
    back and why (two queries)."""
    rows = member.purchases.prefetch_related("refunds").order_by("-purchased_at", "id")
    return [
        {
            "purchase_id": str(purchase.pk),
            "product": purchase.product_name,
            "credits": purchase.credits,
            "price": purchase.price,
            "tax": purchase.tax,
            "tax_rate": purchase.tax_rate,
            "currency": purchase.currency,
            "paid_by": purchase.get_payment_method_display(),
            "reference": purchase.reference or None,
            "purchased_at": purchase.purchased_at,
            "refunded": sum((refund.amount for refund in purchase.refunds.all()), Decimal(0)),
            "refunds": [
                {
                    "amount": refund.amount,
                    "tax": refund.tax,
                    "credits_withdrawn": refund.credits_withdrawn,
                    "paid_back_by": refund.get_payment_method_display(),
                    "reference": refund.reference or None,
                    "reason": refund.reason,
                    "refunded_at": refund.refunded_at,
                }
                for refund in purchase.refunds.all()
            ],
        }
        for purchase in rows
    ]


FEES = (
    "fee_id",
    "kind",
    "class_name",
    "class_starts_at",
    "booking_id",
    "amount",
    "currency",
    "status",
    "imposed_at",
    "settled_at",
    "reason",
)


def fees(member: Member) -> list[Row]:
    """Her late-cancellation and no-show fees, newest first, with what became of each."""
    rows = member.fees.select_related("fitness_class").order_by("-imposed_at", "id")
    return [
        {
            "fee_id": str(fee.pk),
            "kind": FeeKind(fee.kind).label,
            "class_name": fee.fitness_class.name,
            "class_starts_at": fee.fitness_class.starts_at,
            "booking_id": str(fee.booking_id),
            "amount": fee.amount,
            "currency": fee.currency,
            "status": FeeStatus(fee.status).label,
            "imposed_at": fee.imposed_at,
            "settled_at": fee.settled_at,
            "reason": fee.reason or None,
        }
        for fee in rows
    ]


MEMBERSHIPS = (
    "membership_id",
    "plan",
    "price",
    "currency",
    "billing_period",
    "allowance",
    "late_cancel_fee",
    "no_show_fee",
    "started_at",
    "period_end",
    "cancel_at_period_end",
    "ended_at",
    "paid_by",
    "freezes",
    "payments",
)


def memberships(member: Member) -> list[Row]:
    """Her memberships, the latest first, with the terms each started on, every freeze
    (first and last day, both included) and every period paid (two queries)."""
    paid = Prefetch("payments", queryset=member.membership_payments.order_by("paid_at", "id"))
    rows = member.memberships.prefetch_related(paid).order_by("-started_at", "id")
    return [
        {
            "membership_id": str(membership.pk),
            "plan": membership.plan_name,
            "price": membership.price,
            "currency": membership.currency,
            "billing_period": membership.billing_period,
            "allowance": _allowance(membership.allowance_classes, membership.allowance_period),
            "late_cancel_fee": membership.late_cancel_fee,
            "no_show_fee": membership.no_show_fee,
            "started_at": membership.started_at,
            "period_end": membership.period_end,
            "cancel_at_period_end": membership.cancel_at_period_end,
            "ended_at": membership.ended_at,
            "paid_by": PaymentMethod(membership.payment_method).label,
            "freezes": [
                {"first_day": date.fromisoformat(first), "last_day": date.fromisoformat(last)}
                for first, last in membership.freezes
            ],
            "payments": [
                {
                    "payment_id": str(payment.pk),
                    "kind": payment.get_kind_display(),
                    "period_start": payment.period_start,
                    "period_end": payment.period_end,
                    "price": payment.price,
                    "tax": payment.tax,
                    "tax_rate": payment.tax_rate,
                    "currency": payment.currency,
                    "paid_by": payment.get_payment_method_display(),
                    "reference": payment.reference,
                    "paid_at": payment.paid_at,
                }
                for payment in membership.payments.all()
            ],
        }
        for membership in rows
    ]


def _allowance(classes: int | None, period: str) -> str:
    return "unlimited" if classes is None else f"{classes} a {period}"
