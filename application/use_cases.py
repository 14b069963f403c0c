"""Use cases: one unit of work each. Load, let the entities decide, save; the unit of work
dispatches the events of whatever was loaded or saved when it commits.

Locking (see README, “Concurrency”): whatever makes a class less available locks the class
row first; spending or refunding a credit locks the member row; cancelling locks the booking.
Order: class, booking, member — several rows of one kind by id. The clock is read after the
first lock, so that the order of events in time is the order in which the locks were granted.
"""

from dataclasses import dataclass
from datetime import datetime

from application.claims import book, claim_first, queue
from application.ports import Clock
from application.security import SecurityLog, record_security_event
from application.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.addresses import registrable_address
from domain.entities import Booking, CreditGrant, FitnessClass, Member, Waitlist
from domain.events import PasswordChanged, PasswordResetRequested, SignUpRequested
from domain.exceptions import (
    BookingNotFoundException,
    ClassFullException,
    DomainException,
    EmailAlreadyRegisteredException,
)
from domain.values import BookingPolicy, Email, WaitlistExitReason

STAFF_CANCELLATION_REASON = "Cancelled by the gym"


@dataclass(kw_only=True)
class UseCase:
    """What every use case holds: a fresh unit of work per call, and the clock."""

    uow: UnitOfWorkFactory
    clock: Clock


@dataclass(kw_only=True)
class PolicyUseCase(UseCase):
    """A use case that applies the gym's booking policy: the chain's defaults, which each
    class's location may override (`policy_for`)."""

    policy: BookingPolicy

    def policy_for(self, fitness_class: FitnessClass) -> BookingPolicy:
        """The policy of the class's location: the one every rule about the class applies."""
        return fitness_class.policy_from(self.policy)


def refund_credit(
    member: Member,
    booking: Booking,
    fitness_class: FitnessClass,
    policy: BookingPolicy,
    now: datetime,
) -> CreditGrant:
    """Every refund is a new grant, expiring after the refund expiry of `policy` (the
    class's location's), for the classes the credit the booking spent was for: a credit of
    a Yoga pack comes back a Yoga credit."""
    return member.add_credits(
        1,
        expiry_days=policy.refund_expiry_days,
        now=now,
        reason=f"Refund: {fitness_class.name}",
        scope=member.scope_of(booking.credit_grant_id),
    )


@dataclass(kw_only=True)
class BookClassUseCase(PolicyUseCase):
    """A member spends one credit on a spot in a class.

    Staff adding a member (`by_staff=True`) skip the gym's booking limits — the booking
    window, the upcoming-bookings limit and a no-show pause — but never capacity or credit.
    A free spot goes to the first eligible waiting member first (see `claim_first`); a member
    refused then keeps the promotions made.
    """

    def execute(
        self,
        member_id: str,
        class_id: str,
        *,
        by_staff: bool = False,
        late_confirmed: bool = False,
    ) -> Booking:
        """`late_confirmed`: the member accepted that a booking inside the cancellation
        window cannot be cancelled for free (without it such a booking is refused)."""
        with self.uow() as uow:
            claimed = claim_first(
                uow, class_id, member_id, self.clock, self.policy, refuse_full=True
            )
            try:
                return book(uow, claimed, by_staff=by_staff, late_confirmed=late_confirmed)
            except DomainException as exc:
                if not claimed.promoted:
                    raise
                refused = _after_promotion(exc)
        raise refused


def _after_promotion(exc: DomainException) -> DomainException:
    """The refusal of a booker whose free spot went to a waiting member first."""
    if isinstance(exc, ClassFullException):
        return ClassFullException(
            "The free spot has gone to a member who was waiting for it. This class is full — "
            "join the waitlist?"
        )
    return exc


@dataclass(frozen=True)
class AddedToClass:
    """What adding a member to a class did: booked them, or queued them because it was full."""

    booking: Booking | None = None
    waitlist_position: int | None = None


@dataclass(kw_only=True)
class AddMemberToClassUseCase(PolicyUseCase):
    """Staff add a member to a class, or to its waitlist when it is full, in one transaction.

    As staff they skip the gym's booking limits; a spot (or a place in the queue) and a credit
    are still needed. Waiting members with a claim on a free spot are promoted first.
    """

    def execute(self, member_id: str, class_id: str) -> AddedToClass:
        with self.uow() as uow:
            claimed = claim_first(uow, class_id, member_id, self.clock, self.policy)
            fitness_class, member, now = claimed.fitness_class, claimed.member, claimed.now
            if fitness_class.is_full():
                return AddedToClass(
                    waitlist_position=queue(
                        uow, fitness_class, member, now, policy=claimed.policy, by_staff=True
                    )
                )
            return AddedToClass(booking=book(uow, claimed, by_staff=True))


@dataclass(kw_only=True)
class _ReleasesBookings(PolicyUseCase):
    """What cancelling a single booking shares between a member and staff."""

    def _release(
        self, uow: UnitOfWork, booking: Booking, fitness_class: FitnessClass, now: datetime
    ) -> Booking:
        """Free the spot, refund when due, save."""
        fitness_class.remove_booking(booking.member_id, booking.id, now=now)
        if booking.refund_due:
            member = uow.members.get_by_id(booking.member_id, for_update=True)
            policy = self.policy_for(fitness_class)
            booking.record_refund(
                refund_credit(member, booking, fitness_class, policy, now).grant_id
            )
            uow.members.save(member)
        uow.bookings.save(booking)
        return booking


class CancelBookingUseCase(_ReleasesBookings):
    """The book's use case: a member cancels, the window and late policy apply."""

    def execute(
        self, booking_id: str, reason: str | None = None, *, member_id: str | None = None
    ) -> Booking:
        """Cancel `booking_id`; with `member_id`, only if it is that member's booking."""
        with self.uow() as uow:
            booking = uow.bookings.get_by_id(booking_id, for_update=True)
            now = self.clock.now()
            if member_id is not None and booking.member_id != member_id:
                raise BookingNotFoundException()
            fitness_class = uow.classes.get_by_id(booking.class_id)
            policy = self.policy_for(fitness_class)
            booking.cancel(fitness_class.starts_at, reason, now=now, policy=policy)
            return self._release(uow, booking, fitness_class, now)


class StaffCancelBookingUseCase(_ReleasesBookings):
    """Staff cancel one booking: no window, always refunded, the reason kept."""

    def execute(self, booking_id: str, reason: str = "") -> Booking:
        with self.uow() as uow:
            booking = uow.bookings.get_by_id(booking_id, for_update=True)
            now = self.clock.now()
            fitness_class = uow.classes.get_by_id(booking.class_id)
            booking.cancel_by_staff(
                fitness_class.starts_at, reason.strip() or STAFF_CANCELLATION_REASON, now=now
            )
            return self._release(uow, booking, fitness_class, now)


@dataclass(kw_only=True)
class CancelClassUseCase(PolicyUseCase):
    """Staff cancel a whole class: every booking refunded, the waitlist cleared.

    A member who had cancelled late, and forfeited her credit, is refunded too: the forfeit
    pays for a spot given up at short notice in a class the gym runs; when the gym does not
    run it, keeping her credit would charge her for the gym's own cancellation. Every refund
    is linked to its booking, so the ledger says which booking each refund repaid.
    """

    def execute(self, class_id: str, reason: str) -> FitnessClass:
        with self.uow() as uow:
            fitness_class = uow.classes.get_by_id(class_id, for_update=True)
            now = self.clock.now()
            # Members checked in early hold their spot too: they are refunded like the others.
            bookings = uow.bookings.get_active_by_class(class_id, for_update=True)
            forfeited = uow.bookings.get_forfeited_by_class(class_id, for_update=True)
            entries = uow.waitlist.get_by_class(class_id)
            fitness_class.cancel(reason, now=now)
            policy = self.policy_for(fitness_class)
            members = {
                member.id: member
                for member in uow.members.get_by_ids(
                    sorted({b.member_id for b in [*bookings, *forfeited]}), for_update=True
                )
            }
            for booking in bookings:
                booking.cancel_by_staff(
                    fitness_class.starts_at,
                    fitness_class.cancellation_reason,
                    now=now,
                    with_class=True,
                )
                if booking.refund_due:  # a membership's booking spent no credit
                    member = members[booking.member_id]
                    grant = refund_credit(member, booking, fitness_class, policy, now)
                    booking.record_refund(grant.grant_id)
                uow.bookings.save(booking)
            for booking in forfeited:
                grant = refund_credit(
                    members[booking.member_id], booking, fitness_class, policy, now
                )
                booking.refund_late_cancellation(grant.grant_id, now=now)
                uow.bookings.save(booking)
            for member in members.values():
                uow.members.save(member)
            for entry in entries:
                entry.leave(WaitlistExitReason.CLASS_CANCELLED, now=now)
                uow.waitlist.remove(entry)
            uow.classes.save(fitness_class)
        return fitness_class


@dataclass(kw_only=True)
class JoinWaitlistUseCase(PolicyUseCase):
    """A member queues for a full class; returns their position.

    The booking window and a no-show pause apply as they do to booking (the waitlist is no
    way round them); staff adding a member (`by_staff=True`) skip them.
    """

    def execute(self, member_id: str, class_id: str, *, by_staff: bool = False) -> int:
        with self.uow() as uow:
            fitness_class = uow.classes.get_by_id(class_id, for_update=True)
            now = self.clock.now()
            member = uow.members.get_by_id(member_id)
            policy = self.policy_for(fitness_class)
            return queue(uow, fitness_class, member, now, policy=policy, by_staff=by_staff)


@dataclass(kw_only=True)
class LeaveWaitlistUseCase(UseCase):
    """A member stops waiting; everyone behind moves up. No credit is involved."""

    def execute(self, member_id: str, class_id: str) -> None:
        with self.uow() as uow:
            now = self.clock.now()
            # Locked like every waitlist change, so a promotion never books a member who is
            # leaving at the same moment.
            fitness_class = uow.classes.get_by_id(class_id, for_update=True)
            waitlist = Waitlist(fitness_class, uow.waitlist.get_by_class(class_id))
            uow.waitlist.remove(waitlist.leave(member_id, now=now))


@dataclass(kw_only=True)
class CloseWaitlistUseCase(UseCase):
    """A class has started: whoever still waits for it leaves the list, each with an event
    (`MemberLeftWaitlist`, reason "class started"). Nothing to do the second time."""

    def execute(self, class_id: str) -> int:
        """Returns how many entries were closed."""
        with self.uow() as uow:
            fitness_class = uow.classes.get_by_id(class_id, for_update=True)
            now = self.clock.now()
            if not fitness_class.has_started(now):
                return 0
            entries = uow.waitlist.get_by_class(class_id)
            for entry in entries:
                entry.leave(WaitlistExitReason.CLASS_STARTED, now=now)
                uow.waitlist.remove(entry)
        return len(entries)


@dataclass(kw_only=True)
class AddCreditsUseCase(UseCase):
    """Staff grant credits (a purchase, a gift); they expire after `expiry_days`."""

    def execute(
        self, member_id: str, amount: int, expiry_days: int = 30, reason: str = ""
    ) -> CreditGrant:
        with self.uow() as uow:
            member = uow.members.get_by_id(member_id, for_update=True)
            grant = member.add_credits(
                amount, expiry_days=expiry_days, now=self.clock.now(), reason=reason
            )
            uow.members.save(member)
        return grant


@dataclass(kw_only=True)
class ChangeClassCapacityUseCase(UseCase):
    """Resize a class; an increase promotes waitlisted members through the spot event."""

    def execute(self, class_id: str, new_capacity: int) -> FitnessClass:
        with self.uow() as uow:
            fitness_class = uow.classes.get_by_id(class_id, for_update=True)
            fitness_class.change_capacity(new_capacity, now=self.clock.now())
            uow.classes.save(fitness_class)
        return fitness_class


WELCOME_CREDITS_REASON = "Welcome credits"


@dataclass(kw_only=True)
class RegisterMemberUseCase(UseCase):
    """Somebody joins the gym: a new member, welcomed with the gym's welcome credits.

    The welcome is the gym's configuration, given once to the constructor (the bootstrap
    reads it from the settings): `welcome_credits` credits (0: none) that expire after
    `welcome_expiry_days` days, like a refund. The address is normalised, and a taken or
    look-alike one refused (domain/addresses.py). Creating
    the login that goes with the member is the caller's business, in the same transaction.
    """

    welcome_credits: int = 0
    welcome_expiry_days: int = 30

    def execute(self, name: str, email: str) -> Member:
        with self.uow() as uow:
            now = self.clock.now()
            address = Email(registrable_address(email))
            if uow.emails.is_registered(address):
                raise EmailAlreadyRegisteredException()
            member = Member.register(name, address, now=now)
            if self.welcome_credits:
                member.add_credits(
                    self.welcome_credits,
                    expiry_days=self.welcome_expiry_days,
                    now=now,
                    reason=WELCOME_CREDITS_REASON,
                )
            uow.members.save(member)
        return member


@dataclass(kw_only=True)
class ExpireCreditsUseCase(UseCase):
    """Record every grant that expired with credit left, once (one transaction per member)."""

    def execute(self, member_id: str) -> int:
        """Returns how many grants of the member were recorded as expired."""
        with self.uow() as uow:
            member = uow.members.get_by_id(member_id, for_update=True)
            expired = member.record_expired_credits(now=self.clock.now())
            uow.members.save(member)
        return len(expired)


@dataclass(kw_only=True)
class RemindMemberUseCase(UseCase):
    """Note that a booked member is due a reminder; the notification handlers send it."""

    def execute(self, booking_id: str) -> bool:
        """False when the booking was reminded already (or is no longer confirmed)."""
        with self.uow() as uow:
            booking = uow.bookings.get_by_id(booking_id, for_update=True)
            if not booking.mark_reminded(now=self.clock.now()):
                return False
            uow.bookings.save(booking)
        return True


@dataclass(kw_only=True)
class RequestPasswordResetUseCase(UseCase):
    """Somebody asks for a password reset link: recorded, and mailed by the mail workers (the
    request never waits on the mail server). Whether the address has a login is the mailer's
    business, so the answer never tells."""

    def execute(self, email: str, *, site: str, secure: bool) -> None:
        with self.uow() as uow:
            uow.record(
                PasswordResetRequested(
                    email=email.strip(), site=site, secure=secure, occurred_at=self.clock.now()
                )
            )


@dataclass(kw_only=True)
class RequestSignUpUseCase(UseCase):
    """Somebody asked for an account: recorded, and the mail workers send the confirmation
    link (or, to an address with an account, a note saying so). Nothing is created until the
    link is followed, so the answer is the same whether or not the address is registered."""

    def execute(self, pending_id: str, email: str, *, site: str, secure: bool) -> None:
        with self.uow() as uow:
            uow.record(
                SignUpRequested(
                    pending_id=str(pending_id),
                    email=email,
                    site=site,
                    secure=secure,
                    occurred_at=self.clock.now(),
                )
            )


@dataclass(kw_only=True)
class RecordPasswordChangeUseCase(UseCase):
    """A login's password was changed: recorded in the security log, and its owner told by
    the mail workers."""

    log: SecurityLog

    def execute(self, user_id: str, *, site: str, secure: bool, by_reset: bool) -> None:
        record_security_event(
            self.uow,
            self.log,
            PasswordChanged(
                user_id=str(user_id),
                site=site,
                secure=secure,
                by_reset=by_reset,
                occurred_at=self.clock.now(),
            ),
        )
