"""What members are told, and whether it is still true when it is delivered.

A notice is delivered some time after the event that caused it — at once, or after a worker's
poll, a retry, a crash. By then the booking may be cancelled, the class cancelled or started.
So the notification handler reads the booking and class as they are *now*, words the notice
from that (a refund is said only when the ledger has one), and when the notice is no longer
true it is not sent: the delivery is recorded as superseded, with the reason.

When each kind of notice is still true (`STILL_TRUE`, the one place this is decided):

- booking confirmed, promoted from the waitlist, reminder: while the booking holds its spot —
  neither it nor the class has been cancelled, the class has not started, the member has not
  been checked in;
- booking cancelled: always (a cancellation is final), except a late cancellation whose
  forfeited credit has since been refunded because the gym cancelled the class (the refund's
  own notice tells her that);
- class cancelled: always (a cancelled class stays cancelled);
- skipped on the waitlist: while the class is still ahead (not cancelled, not started);
- fee owed, fee charged: while the reason for the fee stands — the no-show has not been
  corrected to "attended", the late cancellation has not been refunded because the gym
  cancelled the class (either waives the fee);
- any notice to a member whose data has been erased: never;
- any notice whose member, class or booking has been deleted since: never.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from application.event_dispatcher import DeliverySuperseded
from application.ports import (
    BookingRepository,
    ClassRepository,
    Clock,
    MemberRepository,
    Notice,
    NoticeKind,
    NotificationService,
)
from domain.eligibility import PROMOTION_NEEDS, Hindrance
from domain.entities import Booking, BookingStatus, FitnessClass
from domain.events import (
    BookingCancelled,
    BookingConfirmed,
    DomainEvent,
    FeeCharged,
    FeeImposed,
    LateCancellationRefunded,
    MemberLeftWaitlist,
    MemberPromotedFromWaitlist,
    MemberRemindedOfClass,
    MemberSkippedOnWaitlist,
)
from domain.exceptions import NotFoundException
from domain.fees import FeeKind
from domain.values import WaitlistExitReason


def notice_for(event: DomainEvent) -> Notice | None:
    """What, if anything, the member concerned by `event` should be told. Whether a credit
    was refunded is left to the delivery, which reads it from the ledger."""
    match event:
        case BookingConfirmed():
            kind = NoticeKind.BOOKING_CONFIRMED
        case BookingCancelled(with_class=True) | LateCancellationRefunded():
            kind = NoticeKind.CLASS_CANCELLED
        case BookingCancelled():
            return Notice(
                NoticeKind.BOOKING_CANCELLED,
                event.member_id,
                event.class_id,
                event.reason,
                booking_id=event.booking_id,
            )
        case MemberPromotedFromWaitlist():
            return Notice(
                NoticeKind.PROMOTED_FROM_WAITLIST,
                event.member_id,
                event.class_id,
                booking_id=event.booking_id,
                refundable_until=event.refundable_until,
                grace=event.grace,
            )
        case MemberSkippedOnWaitlist():
            needs = PROMOTION_NEEDS.get(Hindrance(event.reason), "")
            return Notice(NoticeKind.SKIPPED_ON_WAITLIST, event.member_id, event.class_id, needs)
        case MemberRemindedOfClass():
            kind = NoticeKind.CLASS_REMINDER
        case MemberLeftWaitlist(reason=WaitlistExitReason.CLASS_CANCELLED):
            return Notice(NoticeKind.CLASS_CANCELLED, event.member_id, event.class_id)
        case FeeImposed():
            fee = f"{FeeKind(event.kind).label.lower()} fee of {event.amount} {event.currency}"
            kind = NoticeKind.FEE_OWED
            return Notice(kind, event.member_id, event.class_id, fee, booking_id=event.booking_id)
        case FeeCharged():
            fee = f"{event.amount} {event.currency}"
            kind = NoticeKind.FEE_CHARGED
            return Notice(kind, event.member_id, event.class_id, fee, booking_id=event.booking_id)
        case _:
            return None
    return Notice(kind, event.member_id, event.class_id, booking_id=event.booking_id)


@dataclass(frozen=True)
class NoticeState:
    """What a notice is checked against when it is delivered."""

    fitness_class: FitnessClass
    booking: Booking | None
    now: datetime


def _spot_still_held(state: NoticeState) -> str | None:
    booking, fitness_class = state.booking, state.fitness_class
    if fitness_class.is_cancelled:
        return "the class has been cancelled since"
    if booking is None or booking.status in (
        BookingStatus.CANCELLED,
        BookingStatus.LATE_CANCELLED,
    ):
        return "the booking has been cancelled since"
    if fitness_class.has_started(state.now):
        return "the class has started"
    if not booking.is_confirmed:
        return "the member has been checked in already"
    return None


def _cancellation_stands(state: NoticeState) -> str | None:
    booking = state.booking
    if booking is not None and booking.status is BookingStatus.LATE_CANCELLED and booking.refunded:
        return "the forfeited credit has been refunded since: the gym cancelled the class"
    return None


def _class_still_ahead(state: NoticeState) -> str | None:
    if state.fitness_class.is_cancelled:
        return "the class has been cancelled since"
    if state.fitness_class.has_started(state.now):
        return "the class has started"
    return None


def _fee_still_due(state: NoticeState) -> str | None:
    booking = state.booking
    if booking is None:
        return "the booking is no longer there"
    if booking.status is BookingStatus.ATTENDED:
        return "the no-show was corrected since: the fee is waived"
    if booking.refunded:
        return "the gym cancelled the class since: the fee is waived"
    return None


def _always(state: NoticeState) -> str | None:
    return None


# Why a notice of each kind is no longer true at delivery (None: it is still true). Every
# kind must have its rule: a kind without one fails its delivery rather than going unchecked.
STILL_TRUE: dict[NoticeKind, Callable[[NoticeState], str | None]] = {
    NoticeKind.BOOKING_CONFIRMED: _spot_still_held,
    NoticeKind.PROMOTED_FROM_WAITLIST: _spot_still_held,
    NoticeKind.CLASS_REMINDER: _spot_still_held,
    NoticeKind.BOOKING_CANCELLED: _cancellation_stands,
    NoticeKind.CLASS_CANCELLED: _always,
    NoticeKind.SKIPPED_ON_WAITLIST: _class_still_ahead,
    NoticeKind.FEE_OWED: _fee_still_due,
    NoticeKind.FEE_CHARGED: _fee_still_due,
}


class NoticeSuperseded(DeliverySuperseded):
    """The notice stopped being true before it could be delivered: it is not sent."""


def as_delivered(notice: Notice, state: NoticeState) -> Notice:
    """The notice worded from the current state, or `NoticeSuperseded` when it is no longer
    true. A refund is said exactly when the ledger links one to the booking; a cancelled
    class's reason is the class's own (waiting members' events carry none)."""
    why_not = STILL_TRUE[notice.kind](state)
    if why_not is not None:
        raise NoticeSuperseded(why_not)
    booking = state.booking
    reason = notice.reason
    if notice.kind is NoticeKind.CLASS_CANCELLED:
        reason = state.fitness_class.cancellation_reason
    return replace(
        notice,
        refunded=booking is not None and booking.refunded,
        reason=reason,
        by_membership=booking is not None and booking.membership_id is not None,
        late=booking is not None and booking.status is BookingStatus.LATE_CANCELLED,
    )


@dataclass(kw_only=True)
class NotificationHandler:
    """Tells the member concerned: booking confirmed, cancelled, promoted, class cancelled,
    reminded — if it is still true when delivered."""

    members: MemberRepository
    classes: ClassRepository
    bookings: BookingRepository
    clock: Clock
    notifications: NotificationService

    def handle(self, event: DomainEvent) -> None:
        notice = notice_for(event)
        if notice is None:
            return
        try:
            fitness_class = self.classes.get_by_id(notice.class_id)
            booking = self.bookings.get_by_id(notice.booking_id) if notice.booking_id else None
            member = self.members.get_contact(notice.member_id)
        except NotFoundException as gone:
            # Deleted since (a member erased, a class removed): nobody left to tell it to.
            raise NoticeSuperseded(f"no longer there: {gone.message}") from gone
        if member.is_erased:
            raise NoticeSuperseded("the member's data has been erased")
        notice = as_delivered(notice, NoticeState(fitness_class, booking, self.clock.now()))
        self.notifications.send(notice, member, fitness_class)


NOTIFIED_EVENTS = (
    BookingConfirmed,
    BookingCancelled,
    LateCancellationRefunded,
    MemberPromotedFromWaitlist,
    MemberLeftWaitlist,
    MemberRemindedOfClass,
    MemberSkippedOnWaitlist,
    FeeImposed,
    FeeCharged,
)
