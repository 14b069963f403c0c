"""The ORM adapters of the fee ports: the fees themselves, the fee policy of what paid for a
booking (a class pack's credit or a membership), and the saved card of a site without online
payment, where there is none."""

import uuid

from bookings.models import Booking
from domain.exceptions import FeeNotFoundException
from domain.fees import NO_FEES, Fee, FeeKind, FeeStatus, FeeTerms
from domain.sales import Money
from sales.models import Fee as FeeRow
from sales.models import Product


def to_fee(row: FeeRow) -> Fee:
    return Fee(
        str(row.id),
        str(row.member_id),
        str(row.booking_id),
        str(row.fitness_class_id),
        FeeKind(row.kind),
        Money(row.amount, row.currency),
        imposed_at=row.imposed_at,
        status=FeeStatus(row.status),
        charge_reference=row.charge_reference,
        refund_reference=row.refund_reference,
        settled_at=row.settled_at,
        settled_by=row.settled_by,
        reason=row.reason,
    )


def _parse_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class DjangoFeeRepository:
    def get_by_id(self, fee_id: str, *, for_update: bool = False) -> Fee:
        key = _parse_id(fee_id)
        rows = FeeRow.objects.select_for_update() if for_update else FeeRow.objects
        row = rows.filter(pk=key).first() if key else None
        if row is None:
            raise FeeNotFoundException()
        return to_fee(row)

    def get_for_booking(
        self, booking_id: str, kind: FeeKind, *, for_update: bool = False
    ) -> Fee | None:
        rows = FeeRow.objects.select_for_update() if for_update else FeeRow.objects
        row = rows.filter(booking_id=booking_id, kind=kind.value).first()
        return None if row is None else to_fee(row)

    def add(self, fee: Fee) -> None:
        """A second fee of one booking and kind breaks `sales_one_fee_per_booking`: the
        delivery fails and its retry finds the fee there."""
        FeeRow.objects.create(
            id=fee.id,
            member_id=fee.member_id,
            booking_id=fee.booking_id,
            fitness_class_id=fee.class_id,
            kind=fee.kind.value,
            amount=fee.amount.amount,
            currency=fee.amount.currency,
            status=fee.status.value,
            imposed_at=fee.imposed_at,
        )

    def save(self, fee: Fee) -> None:
        FeeRow.objects.filter(pk=fee.id).update(
            status=fee.status.value,
            charge_reference=fee.charge_reference,
            refund_reference=fee.refund_reference,
            settled_at=fee.settled_at,
            settled_by=fee.settled_by,
            reason=fee.reason,
        )


def fee_terms_of(late_cancel_fee, no_show_fee, currency: str) -> FeeTerms:
    """A product's fees as the domain keeps them (an empty field: no fee)."""
    return FeeTerms(
        late_cancellation=Money(late_cancel_fee, currency) if late_cancel_fee else None,
        no_show=Money(no_show_fee, currency) if no_show_fee else None,
    )


class SalesFeePolicies:
    """The fees of what paid for a booking: a credit of a sold pack has the pack's fees, a
    membership its plan's (as they were when it started); anything else (a gift, a welcome
    or refunded credit) has none. One query."""

    def for_booking(self, booking_id: str) -> FeeTerms:
        key = _parse_id(booking_id)
        row = (
            Booking.objects.filter(pk=key)
            .values(
                "credit_grant__purchase__product__late_cancel_fee",
                "credit_grant__purchase__product__no_show_fee",
                "credit_grant__purchase__product__currency",
                "membership__late_cancel_fee",
                "membership__no_show_fee",
                "membership__currency",
            )
            .first()
            if key
            else None
        )
        if row is None:
            return NO_FEES
        for paid_by in ("credit_grant__purchase__product__", "membership__"):
            if row[f"{paid_by}currency"]:
                return fee_terms_of(*(row[f"{paid_by}{field}"] for field in FEE_FIELDS))
        return NO_FEES

    def for_grant(self, grant_id: str) -> FeeTerms:
        row = (
            Product.objects.filter(purchases__credit_grant__pk=grant_id).values(*FEE_FIELDS).first()
        )
        return NO_FEES if row is None else fee_terms_of(**row)


FEE_FIELDS = ("late_cancel_fee", "no_show_fee", "currency")


class NoCardOnFile:
    """Until online payment saves cards, nobody has one: every fee stays owed for the desk."""

    def charge(
        self, member_id: str, amount: Money, description: str, idempotency_key: str
    ) -> str | None:
        return None

    def refund(self, reference: str, amount: Money, idempotency_key: str) -> str:
        raise LookupError(f"No card payment {reference} was taken, so none can be refunded.")
