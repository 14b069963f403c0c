"""Bookings: a spot held in a class, paid with one credit or by a membership, and what became
of it."""

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from domain import exceptions
from domain.entities.base import Entity
from domain.events import (
    AttendanceRecorded,
    BookingCancelled,
    BookingConfirmed,
    LateCancellationRefunded,
    MemberRemindedOfClass,
)
from domain.values import (
    DEFAULT_POLICY,
    BookingPolicy,
    CancellationCost,
    new_id,
)


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    LATE_CANCELLED = "late_cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


# A booking in one of these holds the member's spot in the class (confirmed, or marked at
# check-in): it counts against the capacity, and a member has at most one per class.
SPOT_HOLDING_STATUSES = frozenset(
    {BookingStatus.CONFIRMED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW}
)


# A booking paid by a membership in one of these counts against its allowance: a spot held,
# or given up late (a cancellation in time gives the class back).
ALLOWANCE_STATUSES = SPOT_HOLDING_STATUSES | {BookingStatus.LATE_CANCELLED}


# The front desk may check members in from this long before a class starts.
CHECK_IN_OPENS = timedelta(hours=1)


class Booking(Entity):
    """A member's reservation of a spot in a class."""

    def __init__(
        self,
        booking_id: str,
        member_id: str,
        class_id: str,
        *,
        status: BookingStatus = BookingStatus.CONFIRMED,
        created_at: datetime | None = None,
        cancelled_at: datetime | None = None,
        cancellation_reason: str | None = None,
        credit_grant_id: str | None = None,
        reminded_at: datetime | None = None,
        free_cancellation_until: datetime | None = None,
        refund_grant_id: str | None = None,
        membership_id: str | None = None,
    ) -> None:
        super().__init__()
        self._id = booking_id
        self._member_id = member_id
        self._class_id = class_id
        self._status = status
        self.created_at = created_at
        self.cancelled_at = cancelled_at
        self.cancellation_reason = cancellation_reason
        self.credit_grant_id = credit_grant_id
        self.reminded_at = reminded_at
        # Promoted inside the cancellation window with a grace period: refundable until then.
        self.free_cancellation_until = free_cancellation_until
        self.refund_grant_id = refund_grant_id
        # Paid by this membership instead of a credit: no credit to refund or forfeit.
        self.membership_id = membership_id

    @classmethod
    def confirm(
        cls,
        member_id: str,
        class_id: str,
        *,
        now: datetime,
        credit_grant_id: str | None = None,
        membership_id: str | None = None,
    ) -> "Booking":
        """A new confirmed booking paid with a credit from `credit_grant_id`, or by the
        membership `membership_id`."""
        booking = cls(
            new_id(),
            member_id,
            class_id,
            created_at=now,
            credit_grant_id=credit_grant_id,
            membership_id=membership_id,
        )
        booking._record(
            BookingConfirmed(
                booking_id=booking.id, member_id=member_id, class_id=class_id, occurred_at=now
            )
        )
        return booking

    @property
    def id(self) -> str:
        return self._id

    @property
    def member_id(self) -> str:
        return self._member_id

    @property
    def class_id(self) -> str:
        return self._class_id

    @property
    def status(self) -> BookingStatus:
        return self._status

    @property
    def is_confirmed(self) -> bool:
        return self._status is BookingStatus.CONFIRMED

    @property
    def refund_due(self) -> bool:
        """A cancelled booking is owed its credit back until refunded; a late-cancelled one is
        not (unless the gym then cancels the class: `refund_late_cancellation`). One paid by
        a membership is owed nothing: no credit was spent."""
        return (
            self._status is BookingStatus.CANCELLED
            and not self.refunded
            and self.membership_id is None
        )

    @property
    def refunded(self) -> bool:
        """Whether the credit spent on this booking came back: the ledger's own record (the
        refund grant), which every page and notice reads rather than guessing from the
        status."""
        return self.refund_grant_id is not None

    def record_refund(self, refund_grant_id: str) -> None:
        """Link the grant that gave this booking's credit back; a credit comes back once."""
        if self.refunded:
            raise exceptions.BookingNotCancellableException("This booking was refunded already.")
        self.refund_grant_id = refund_grant_id

    def refund_late_cancellation(self, refund_grant_id: str, *, now: datetime) -> None:
        """The gym cancelled the class this booking was late-cancelled from: the forfeited
        credit comes back (the member paid for a class the gym did not run)."""
        if self._status is not BookingStatus.LATE_CANCELLED:
            raise exceptions.BookingNotCancellableException("Only a late cancellation forfeits.")
        self.record_refund(refund_grant_id)
        self._record(
            LateCancellationRefunded(
                booking_id=self._id,
                member_id=self._member_id,
                class_id=self._class_id,
                refund_grant_id=refund_grant_id,
                occurred_at=now,
            )
        )

    @property
    def attendance_recorded(self) -> bool:
        return self._status in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW)

    def record_attendance(
        self, attended: bool, *, class_start_time: datetime, now: datetime
    ) -> bool:
        """Mark the member as come or not (the front desk may correct its own mark); whether
        the mark changed."""
        if not (self.is_confirmed or self.attendance_recorded):
            raise exceptions.AttendanceNotRecordableException()
        if now < class_start_time - CHECK_IN_OPENS:
            raise exceptions.AttendanceNotOpenException()
        if not attended and now < class_start_time:
            raise exceptions.AttendanceNotOpenException(
                "Nobody is a no-show before the class has started."
            )
        status = BookingStatus.ATTENDED if attended else BookingStatus.NO_SHOW
        if status is self._status:
            return False
        self._status = status
        self._record(
            AttendanceRecorded(
                booking_id=self._id,
                member_id=self._member_id,
                class_id=self._class_id,
                attended=attended,
                occurred_at=now,
            )
        )
        return True

    def mark_reminded(self, *, now: datetime) -> bool:
        """Due a reminder: True the first time only, and only while confirmed."""
        if not self.is_confirmed or self.reminded_at is not None:
            return False
        self.reminded_at = now
        self._record(
            MemberRemindedOfClass(
                booking_id=self._id,
                member_id=self._member_id,
                class_id=self._class_id,
                occurred_at=now,
            )
        )
        return True

    def cancel(
        self,
        class_start_time: datetime,
        reason: str | None = None,
        *,
        now: datetime | None = None,
        policy: BookingPolicy = DEFAULT_POLICY,
    ) -> None:
        """Cancel at the member's request, honouring the cancellation window.

        Inside the window the policy either refuses (the book's rule) or cancels as late,
        without a refund. Without `now` (the book's call) the current UTC time is read here,
        and a naive `class_start_time` is taken as local time.
        """
        if now is None:
            now = datetime.now(UTC)
            if class_start_time.tzinfo is None:
                class_start_time = class_start_time.astimezone(UTC)
        self._ensure_cancellable(class_start_time, now)
        terms = policy.cancellation_terms(
            class_start_time, now, free_until=self.free_cancellation_until
        )
        if not terms.allowed:
            raise exceptions.BookingNotCancellableException(terms.refusal)
        late = terms.cost is CancellationCost.FORFEITED
        self._cancel(reason, now=now, late=late, by_staff=False, with_class=False)

    def cancel_by_staff(
        self, class_start_time: datetime, reason: str, *, now: datetime, with_class: bool = False
    ) -> None:
        """Staff cancel: no cancellation window, always refunded — also a booking checked in
        early, since the class has not started."""
        self._ensure_cancellable(class_start_time, now, checked_in_too=True)
        self._cancel(reason, now=now, late=False, by_staff=True, with_class=with_class)

    def _ensure_cancellable(
        self, class_start_time: datetime, now: datetime, *, checked_in_too: bool = False
    ) -> None:
        if not (self.is_confirmed or (checked_in_too and self.attendance_recorded)):
            raise exceptions.BookingNotCancellableException("This booking is already cancelled.")
        if now >= class_start_time:
            raise exceptions.ClassAlreadyStartedException()

    def _cancel(
        self, reason: str | None, *, now: datetime, late: bool, by_staff: bool, with_class: bool
    ) -> None:
        self._status = BookingStatus.LATE_CANCELLED if late else BookingStatus.CANCELLED
        self.cancelled_at = now
        self.cancellation_reason = reason
        self._record(
            BookingCancelled(
                booking_id=self._id,
                member_id=self._member_id,
                class_id=self._class_id,
                reason=reason,
                late=late,
                refunded=self.refund_due,
                by_staff=by_staff,
                with_class=with_class,
                occurred_at=now,
            )
        )
