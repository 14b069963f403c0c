"""Fees for late cancellations and no-shows: imposed by handlers on the events of cancelling
and attendance (those use cases know nothing of fees), charged to her saved card in a
delivery of their own, and waived or recorded as paid at the desk by staff.

Imposing locks the booking row, so two deliveries of one event impose one fee (the unique
constraint on booking and kind is the backstop). Charging runs on the slow queue: the card
is called outside any unit of work, with the fee's id as the idempotency key, so a
redelivery never charges twice; the outcome is recorded after, under the fee's row lock.
"""

from dataclasses import dataclass
from datetime import timedelta

from application.claims import membership_cover
from application.event_dispatcher import DeliveryQueue, InMemoryEventDispatcher
from application.ports import Clock
from application.selling_ports import CardOnFile, FeePolicies
from application.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.use_cases import PolicyUseCase, UseCase
from domain.entities import BookingStatus
from domain.events import (
    AttendanceRecorded,
    BookingCancelled,
    FeeImposed,
    FeeWaived,
    LateCancellationRefunded,
)
from domain.exceptions import NoCreditsException, PaymentNotTakenException
from domain.fees import (
    CLASS_CANCELLED,
    NO_FEES,
    NO_SHOW_CORRECTED,
    SYSTEM,
    Fee,
    FeeKind,
    FeeStatus,
    FeeTerms,
)

# The booking's status a fee of each kind still needs when it is imposed: a no-show
# corrected before the delivery ran is no longer one.
STATUS_FOR = {
    FeeKind.LATE_CANCELLATION: BookingStatus.LATE_CANCELLED,
    FeeKind.NO_SHOW: BookingStatus.NO_SHOW,
}


@dataclass(kw_only=True)
class FeeImposingHandler(UseCase):
    """Imposes the fee a late cancellation or a no-show carries, once per booking and kind,
    and waives it when the rules take the reason for it away (a corrected no-show, a class
    the gym cancelled after she cancelled late)."""

    policies: FeePolicies

    def on_cancelled(self, event: BookingCancelled) -> None:
        """A member's own late cancellation (never staff's, nor the gym's with the class)."""
        if event.late and not (event.by_staff or event.with_class):
            self._impose(event.booking_id, FeeKind.LATE_CANCELLATION)

    def on_attendance(self, event: AttendanceRecorded) -> None:
        if event.attended:
            self._waive(event.booking_id, FeeKind.NO_SHOW, NO_SHOW_CORRECTED)
        else:
            self._impose(event.booking_id, FeeKind.NO_SHOW)

    def on_late_cancellation_refunded(self, event: LateCancellationRefunded) -> None:
        self._waive(event.booking_id, FeeKind.LATE_CANCELLATION, CLASS_CANCELLED)

    def _impose(self, booking_id: str, kind: FeeKind) -> None:
        amount = self.policies.for_booking(booking_id).fee_for(kind)
        if amount is None:
            return
        with self.uow() as uow:
            booking = uow.bookings.get_by_id(booking_id, for_update=True)
            # Corrected, or refunded since (the gym cancelled the class): no fee is due.
            if booking.status is not STATUS_FOR[kind] or booking.refunded:
                return
            if _fee(uow, booking_id, kind) is not None:
                return
            fee = Fee.impose(
                booking.member_id, booking_id, booking.class_id, kind, amount, now=self.clock.now()
            )
            uow.fees.add(fee)

    def _waive(self, booking_id: str, kind: FeeKind, reason: str) -> None:
        with self.uow() as uow:
            fee = _fee(uow, booking_id, kind)
            if fee is None or fee.status not in (FeeStatus.OWED, FeeStatus.CHARGED):
                return
            fee.waive(reason, by=SYSTEM, now=self.clock.now())
            uow.fees.save(fee)


def _fee(uow: UnitOfWork, booking_id: str, kind: FeeKind) -> Fee | None:
    return uow.fees.get_for_booking(booking_id, kind, for_update=True)


@dataclass(kw_only=True)
class FeeCardHandler(UseCase):
    """Charges an imposed fee to her saved card, and refunds a waived one that was charged.

    No card on file leaves the fee owed (the desk takes it); a declined card records
    `FeeChargeFailed` and leaves it owed too. A fee waived while its charge was under way is
    refunded at once."""

    card: CardOnFile

    def charge(self, event: FeeImposed) -> None:
        fee = self._read(event.fee_id)
        if not fee.is_owed:
            return
        try:
            reference = self.card.charge(
                fee.member_id, fee.amount, f"{fee.kind.label} fee", idempotency_key=fee.id
            )
        except PaymentNotTakenException as declined:
            with self.uow() as uow:
                fee = uow.fees.get_by_id(event.fee_id, for_update=True)
                fee.record_charge_failed(str(declined), now=self.clock.now())
                uow.fees.save(fee)
            return
        if reference is None:
            return
        with self.uow() as uow:
            fee = uow.fees.get_by_id(event.fee_id, for_update=True)
            if fee.is_owed:
                fee.record_charge(reference, now=self.clock.now())
                uow.fees.save(fee)
                return
        self.card.refund(reference, fee.amount, idempotency_key=f"{fee.id}:refund")

    def refund(self, event: FeeWaived) -> None:
        if not event.refund_due:
            return
        fee = self._read(event.fee_id)
        if not fee.refund_due:
            return
        reference = self.card.refund(
            fee.charge_reference, fee.amount, idempotency_key=f"{fee.id}:refund"
        )
        with self.uow() as uow:
            fee = uow.fees.get_by_id(event.fee_id, for_update=True)
            if fee.refund_due:
                fee.record_refund(reference, now=self.clock.now())
                uow.fees.save(fee)

    def _read(self, fee_id: str) -> Fee:
        with self.uow() as uow:
            return uow.fees.get_by_id(fee_id)


@dataclass(kw_only=True)
class WaiveFeeUseCase(UseCase):
    """Staff waive a fee, with a reason, within `window` of its imposing (the domain's rule;
    the permission is the admin's). A charged fee is refunded by `FeeCardHandler.refund`."""

    window: timedelta

    def execute(self, fee_id: str, reason: str, *, waived_by: str) -> Fee:
        with self.uow() as uow:
            fee = uow.fees.get_by_id(fee_id, for_update=True)
            fee.waive(reason, by=waived_by, now=self.clock.now(), window=self.window)
            uow.fees.save(fee)
        return fee


@dataclass(kw_only=True)
class RecordFeePaidAtDeskUseCase(UseCase):
    """The member paid an owed fee at the front desk."""

    def execute(self, fee_id: str, *, recorded_by: str) -> Fee:
        with self.uow() as uow:
            fee = uow.fees.get_by_id(fee_id, for_update=True)
            fee.record_paid_at_desk(recorded_by, now=self.clock.now())
            uow.fees.save(fee)
        return fee


@dataclass(frozen=True, kw_only=True)
class NextBookingFees:
    """The fees a booking now would carry, and whether her membership would pay for it (or
    a credit), so the page says whose fees they are."""

    terms: FeeTerms
    by_membership: bool = False


@dataclass(kw_only=True)
class FeeTermsQuery(PolicyUseCase):
    """What a booking's fees would be, for the pages that tell her before she decides."""

    policies: FeePolicies

    def for_booking(self, booking_id: str) -> FeeTerms:
        return self.policies.for_booking(booking_id)

    def for_next_booking(self, member_id: str, class_id: str) -> NextBookingFees:
        """The fees of what would pay for booking the class now: her membership's plan's
        (its terms as they were when it started) when it covers the class, as booking
        decides, else those of the credit she would spend."""
        with self.uow() as uow:
            member = uow.members.get_by_id(member_id)
            fitness_class = uow.classes.get_by_id(class_id)
            cover = membership_cover(uow, member, fitness_class, self.policy_for(fitness_class))
            if cover is not None and cover.pays:
                plan = member.membership.plan
                terms = FeeTerms(late_cancellation=plan.late_cancel_fee, no_show=plan.no_show_fee)
                return NextBookingFees(terms=terms, by_membership=True)
        return NextBookingFees(terms=self.for_next_credit(member_id))

    def for_next_credit(self, member_id: str) -> FeeTerms:
        """The fees of the credit a booking now would spend: the domain picks the grant on
        the loaded member, which is never saved (nothing is spent)."""
        with self.uow() as uow:
            member = uow.members.get_by_id(member_id)
            try:
                grant = member.deduct_credit(now=self.clock.now())
            except NoCreditsException:
                return NO_FEES
        return self.policies.for_grant(grant.grant_id)


def setup_fee_handlers(
    dispatcher: InMemoryEventDispatcher,
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    policies: FeePolicies,
    card: CardOnFile,
) -> None:
    """Imposing and waiving are database work (the fast queue); the card is a network call
    (the slow queue, which only workers run)."""
    imposing = FeeImposingHandler(uow=uow, clock=clock, policies=policies)
    dispatcher.register(BookingCancelled, imposing.on_cancelled)
    dispatcher.register(AttendanceRecorded, imposing.on_attendance)
    dispatcher.register(LateCancellationRefunded, imposing.on_late_cancellation_refunded)
    paying = FeeCardHandler(uow=uow, clock=clock, card=card)
    dispatcher.register(FeeImposed, paying.charge, queue=DeliveryQueue.MAIL)
    dispatcher.register(FeeWaived, paying.refund, queue=DeliveryQueue.MAIL)
