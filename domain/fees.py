"""Fees: what a late cancellation or a no-show costs besides the forfeited credit, per the
policy of what paid for the booking (a class pack's product today, a membership's plan next).

A fee is imposed once per booking and kind, owed until it is charged to her saved card, paid
at the desk or waived. Staff may waive a fee only within the waive window after it was
imposed (a charged one is then refunded); a no-show corrected to "attended" waives its fee
whatever the window, since she did come.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from domain.entities.base import Entity
from domain.events import (
    FeeCharged,
    FeeChargeFailed,
    FeeImposed,
    FeePaidAtDesk,
    FeeRefunded,
    FeeWaived,
)
from domain.exceptions import (
    FeeNotPayableException,
    FeeNotWaivableException,
    InvalidFeeException,
)
from domain.sales import Money
from domain.values import describe_duration, new_id

# Who waives a fee the rules waive by themselves (a corrected no-show).
SYSTEM = "system"
NO_SHOW_CORRECTED = "The no-show was corrected: the member attended."
CLASS_CANCELLED = "The gym cancelled the class."


class FeeKind(StrEnum):
    LATE_CANCELLATION = "late_cancellation"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return {"late_cancellation": "Late cancellation", "no_show": "No-show"}[self.value]


class FeeStatus(StrEnum):
    OWED = "owed"
    CHARGED = "charged"
    WAIVED = "waived"
    PAID_AT_DESK = "paid_at_desk"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


@dataclass(frozen=True)
class FeeTerms:
    """The fees a booking's credit carries (None: no fee, only the forfeit)."""

    late_cancellation: Money | None = None
    no_show: Money | None = None

    def __post_init__(self) -> None:
        for fee in (self.late_cancellation, self.no_show):
            if fee is not None and (not isinstance(fee, Money) or fee.amount <= Decimal(0)):
                raise InvalidFeeException()

    def fee_for(self, kind: FeeKind) -> Money | None:
        return self.late_cancellation if kind is FeeKind.LATE_CANCELLATION else self.no_show

    @property
    def consent_note(self) -> str:
        """What the credit she would spend may cost, for the late-booking consent ("" for
        none)."""
        parts = [
            f"a {kind.label.lower()} fee of {fee}"
            for kind in FeeKind
            if (fee := self.fee_for(kind)) is not None
        ]
        if not parts:
            return ""
        return f"The credit you would spend comes from a pack that charges {' and '.join(parts)}."

    @property
    def late_cancellation_warning(self) -> str:
        """What she is told before cancelling late with a fee ("" without one)."""
        fee = self.late_cancellation
        if fee is None:
            return ""
        return (
            f"Cancelling now keeps your credit spent and charges a late-cancellation fee of {fee}."
        )


NO_FEES = FeeTerms()


class Fee(Entity):
    """A fee a member owes (or owed) for one booking."""

    def __init__(
        self,
        fee_id: str,
        member_id: str,
        booking_id: str,
        class_id: str,
        kind: FeeKind,
        amount: Money,
        *,
        imposed_at: datetime,
        status: FeeStatus = FeeStatus.OWED,
        charge_reference: str = "",
        refund_reference: str = "",
        settled_at: datetime | None = None,
        settled_by: str = "",
        reason: str = "",
    ) -> None:
        super().__init__()
        if not isinstance(amount, Money) or amount.amount <= Decimal(0):
            raise InvalidFeeException()
        self.id = fee_id
        self.member_id = member_id
        self.booking_id = booking_id
        self.class_id = class_id
        self.kind = FeeKind(kind)
        self.amount = amount
        self.imposed_at = imposed_at
        self.status = FeeStatus(status)
        self.charge_reference = charge_reference
        self.refund_reference = refund_reference
        self.settled_at = settled_at
        self.settled_by = settled_by
        self.reason = reason

    @classmethod
    def impose(
        cls,
        member_id: str,
        booking_id: str,
        class_id: str,
        kind: FeeKind,
        amount: Money,
        *,
        now: datetime,
    ) -> "Fee":
        fee = cls(new_id(), member_id, booking_id, class_id, kind, amount, imposed_at=now)
        fee._record(
            FeeImposed(
                fee_id=fee.id,
                member_id=member_id,
                booking_id=booking_id,
                class_id=class_id,
                kind=fee.kind.value,
                amount=str(amount.amount),
                currency=amount.currency,
                occurred_at=now,
            )
        )
        return fee

    @property
    def is_owed(self) -> bool:
        return self.status is FeeStatus.OWED

    @property
    def refund_due(self) -> bool:
        """Waived after it was charged, and not refunded yet."""
        return (
            self.status is FeeStatus.WAIVED
            and bool(self.charge_reference)
            and not self.refund_reference
        )

    def record_charge(self, reference: str, *, now: datetime) -> None:
        """Charged to her card; only an owed fee is (a waived one stays waived)."""
        if not self.is_owed:
            raise FeeNotPayableException("Only an owed fee can be charged.")
        self.status = FeeStatus.CHARGED
        self.charge_reference = reference
        self.settled_at = now
        self._record(
            FeeCharged(
                fee_id=self.id,
                member_id=self.member_id,
                booking_id=self.booking_id,
                class_id=self.class_id,
                amount=str(self.amount.amount),
                currency=self.amount.currency,
                reference=reference,
                occurred_at=now,
            )
        )

    def record_charge_failed(self, error: str, *, now: datetime) -> None:
        """Her card declined: the fee stays owed (the desk can take it)."""
        self._record(
            FeeChargeFailed(fee_id=self.id, member_id=self.member_id, error=error, occurred_at=now)
        )

    def record_paid_at_desk(self, recorded_by: str, *, now: datetime) -> None:
        if not self.is_owed:
            raise FeeNotPayableException()
        self.status = FeeStatus.PAID_AT_DESK
        self.settled_at = now
        self.settled_by = recorded_by
        self._record(
            FeePaidAtDesk(
                fee_id=self.id,
                member_id=self.member_id,
                amount=str(self.amount.amount),
                currency=self.amount.currency,
                recorded_by=recorded_by,
                occurred_at=now,
            )
        )

    def waive(
        self, reason: str, *, by: str, now: datetime, window: timedelta | None = None
    ) -> None:
        """Waive an owed or charged fee (a charged one is then refunded: `refund_due`).

        Staff give a reason and the waive `window`, within which they may do so after the
        fee was imposed; the rules' own waivers (`window` None) have no window."""
        reason = reason.strip()
        if not reason:
            raise FeeNotWaivableException("Give the reason for waiving the fee.")
        if self.status not in (FeeStatus.OWED, FeeStatus.CHARGED):
            raise FeeNotWaivableException(
                f"This fee was {self.status.label.lower()} already, so it cannot be waived."
            )
        if window is not None and now > self.imposed_at + window:
            raise FeeNotWaivableException(
                f"A fee can be waived within {describe_duration(window)} of being imposed; "
                "this one is older."
            )
        self.status = FeeStatus.WAIVED
        self.settled_at = now
        self.settled_by = by
        self.reason = reason
        self._record(
            FeeWaived(
                fee_id=self.id,
                member_id=self.member_id,
                amount=str(self.amount.amount),
                currency=self.amount.currency,
                waived_by=by,
                reason=reason,
                refund_due=self.refund_due,
                occurred_at=now,
            )
        )

    def record_refund(self, reference: str, *, now: datetime) -> None:
        """The charge of a waived fee came back to her card; once."""
        if not self.refund_due:
            raise FeeNotWaivableException("This fee has no charge to refund.")
        self.refund_reference = reference
        self._record(
            FeeRefunded(
                fee_id=self.id,
                member_id=self.member_id,
                amount=str(self.amount.amount),
                currency=self.amount.currency,
                reference=reference,
                occurred_at=now,
            )
        )
