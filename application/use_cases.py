"""Use cases: one unit of work each. Load, let the entities decide, save; the unit of work
dispatches the events of whatever was loaded or saved when it commits.

Locking (see README, “Concurrency”): whatever makes a class less available locks the class
row first; spending or refunding a credit locks the member row; cancelling locks the booking.
Order: class, booking, member — several rows of one kind by id. The clock is read after the
first lock, so that the order of events in time is the order in which the locks were granted.
"""

from dataclasses import dataclass
from datetime import datetime

from application.ports import Clock
from application.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.entities import Booking, CreditGrant, FitnessClass, Member, Waitlist
from domain.events import PasswordChanged, PasswordResetRequested
from domain.exceptions import (
    BookingNotFoundException,
    EmailAlreadyRegisteredException,
    OverlappingBookingException,
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
    """A use case that applies the gym's booking policy."""

    policy: BookingPolicy


def refund_credit(
    member: Member, fitness_class: FitnessClass, policy: BookingPolicy, now: datetime
) -> CreditGrant:
    """Every refund is a new grant, expiring after the policy's refund expiry."""
    return member.add_credits(
        1,
        expiry_days=policy.refund_expiry_days,
        now=now,
        reason=f"Refund: {fitness_class.name}",
    )


def leave_overlapping_waitlists(
    uow: UnitOfWork,
    member_id: str,
    fitness_class: FitnessClass,
    reason: WaitlistExitReason,
    now: datetime,
) -> None:
    """A member who got a spot stops waiting for classes at the same time (they could never
    be promoted into them)."""
    for entry in uow.waitlist.get_overlapping_for_member(member_id, fitness_class):
        entry.leave(reason, now=now)
        uow.waitlist.remove(entry)


def book(
    uow: UnitOfWork,
    fitness_class: FitnessClass,
    member: Member,
    now: datetime,
    *,
    limits: BookingPolicy | None,
) -> Booking:
    """Book a member on a class, both locked: a spot and a credit, always; the gym's booking
    limits of `limits` (None: staff adding a member skip them). The member stops waiting for
    this class and for any at the same time."""
    fitness_class.add_booking(member.id, now=now)
    if limits is not None:
        limits.ensure_booking_open(fitness_class.starts_at, now)
        member.ensure_may_book(now)
        if limits.max_upcoming_bookings is not None:
            limits.ensure_under_booking_limit(uow.bookings.count_upcoming_confirmed(member.id, now))
    if uow.bookings.holds_spot_overlapping(member.id, fitness_class):
        raise OverlappingBookingException()
    grant = member.deduct_credit(now=now)
    booking = Booking.confirm(member.id, fitness_class.id, now=now, credit_grant_id=grant.grant_id)
    uow.members.save(member)
    uow.bookings.save(booking)
    leave_overlapping_waitlists(
        uow, member.id, fitness_class, WaitlistExitReason.BOOKED_ELSEWHERE, now
    )
    waitlist = Waitlist(fitness_class, uow.waitlist.get_by_class(fitness_class.id))
    if waitlist.position_of(member.id) is not None:
        uow.waitlist.remove(waitlist.leave(member.id, now=now, reason=WaitlistExitReason.BOOKED))
    return booking


def queue(
    uow: UnitOfWork,
    fitness_class: FitnessClass,
    member: Member,
    now: datetime,
    *,
    limits: BookingPolicy | None,
) -> int:
    """Put a member on a locked class's waitlist; returns their position. The booking window
    and a no-show pause of `limits` apply as they do to booking (None: staff skip them)."""
    if limits is not None:
        limits.ensure_booking_open(fitness_class.starts_at, now)
        member.ensure_may_book(now)
    waitlist = Waitlist(fitness_class, uow.waitlist.get_by_class(fitness_class.id))
    uow.waitlist.add(waitlist.join(member.id, now=now))
    return waitlist.position_of(member.id) or 0


@dataclass(kw_only=True)
class BookClassUseCase(PolicyUseCase):
    """A member spends one credit on a spot in a class.

    Staff adding a member (`by_staff=True`) skip the gym's booking limits — the booking
    window, the upcoming-bookings limit and a no-show pause — but never capacity or credit.
    """

    def execute(self, member_id: str, class_id: str, *, by_staff: bool = False) -> Booking:
        with self.uow() as uow:
            fitness_class = uow.classes.get_by_id(class_id, for_update=True)
            member = uow.members.get_by_id(member_id, for_update=True)
            now = self.clock.now()
            return book(uow, fitness_class, member, now, limits=None if by_staff else self.policy)


@dataclass(frozen=True)
class AddedToClass:
    """What adding a member to a class did: booked them, or queued them because it was full."""

    booking: Booking | None = None
    waitlist_position: int | None = None


@dataclass(kw_only=True)
class AddMemberToClassUseCase(UseCase):
    """Staff add a member to a class, or to its waitlist when it is full, in one transaction.

    As staff they skip the gym's booking limits; a spot (or a place in the queue) and a credit
    are still needed.
    """

    def execute(self, member_id: str, class_id: str) -> AddedToClass:
        with self.uow() as uow:
            fitness_class = uow.classes.get_by_id(class_id, for_update=True)
            full = fitness_class.is_full()
            member = uow.members.get_by_id(member_id, for_update=not full)
            now = self.clock.now()
            if full:
                return AddedToClass(
                    waitlist_position=queue(uow, fitness_class, member, now, limits=None)
                )
            return AddedToClass(booking=book(uow, fitness_class, member, now, limits=None))


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
            refund_credit(member, fitness_class, self.policy, now)
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
            booking.cancel(fitness_class.starts_at, reason, now=now, policy=self.policy)
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
    """Staff cancel a whole class: every booking refunded, the waitlist cleared."""

    def execute(self, class_id: str, reason: str) -> FitnessClass:
        with self.uow() as uow:
            fitness_class = uow.classes.get_by_id(class_id, for_update=True)
            now = self.clock.now()
            # Members checked in early hold their spot too: they are refunded like the others.
            bookings = uow.bookings.get_active_by_class(class_id, for_update=True)
            entries = uow.waitlist.get_by_class(class_id)
            fitness_class.cancel(reason, now=now)
            members = uow.members.get_by_ids(
                [booking.member_id for booking in bookings], for_update=True
            )
            for booking in bookings:
                booking.cancel_by_staff(
                    fitness_class.starts_at,
                    fitness_class.cancellation_reason,
                    now=now,
                    with_class=True,
                )
                uow.bookings.save(booking)
            for member in members:
                refund_credit(member, fitness_class, self.policy, now)
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
            return queue(uow, fitness_class, member, now, limits=None if by_staff else self.policy)


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
    `welcome_expiry_days` days, like a refund. A taken e-mail address is refused. Creating
    the login that goes with the member is the caller's business, in the same transaction.
    """

    welcome_credits: int = 0
    welcome_expiry_days: int = 30

    def execute(self, name: str, email: str) -> Member:
        with self.uow() as uow:
            now = self.clock.now()
            address = Email(email)
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
class RecordPasswordChangeUseCase(UseCase):
    """A login's password was changed: recorded, and its owner told by the mail workers."""

    def execute(self, user_id: str, *, site: str, secure: bool, by_reset: bool) -> None:
        with self.uow() as uow:
            uow.record(
                PasswordChanged(
                    user_id=str(user_id),
                    site=site,
                    secure=secure,
                    by_reset=by_reset,
                    occurred_at=self.clock.now(),
                )
            )
