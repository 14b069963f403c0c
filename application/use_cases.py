"""Use cases: one transaction each. Load, let the entities decide, save, dispatch the events.

Locking (see README, “Concurrency”): whatever makes a class less available locks the class
row first; spending or refunding a credit locks the member row; cancelling locks the booking.
Order: class, booking, member — several rows of one kind by id. The clock is read after the
first lock, so that the order of events in time is the order in which the locks were granted.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.ports import (
    BookingRepository,
    ClassRepository,
    Clock,
    EventDispatcher,
    MemberRepository,
    Transactions,
    WaitlistRepository,
)
from domain.entities import (
    Booking,
    CreditGrant,
    Entity,
    FitnessClass,
    Member,
    Waitlist,
    WaitlistEntry,
)
from domain.events import DomainEvent
from domain.exceptions import (
    BookingNotFoundException,
    EmailAlreadyRegisteredException,
    OverlappingBookingException,
)
from domain.values import BookingPolicy, Email, WaitlistExitReason

STAFF_CANCELLATION_REASON = "Cancelled by the gym"


def collect_events(entities: Iterable[Entity]) -> list[DomainEvent]:
    """Take the recorded events off the entities, in order (the book's collect-and-clear)."""
    events: list[DomainEvent] = []
    for entity in entities:
        events.extend(entity.get_domain_events())
        entity.clear_domain_events()
    return events


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
    waitlist: WaitlistRepository,
    member_id: str,
    fitness_class: FitnessClass,
    reason: WaitlistExitReason,
    now: datetime,
) -> list[WaitlistEntry]:
    """A member who got a spot stops waiting for classes at the same time (they could never
    be promoted into them)."""
    entries = waitlist.get_overlapping_for_member(member_id, fitness_class)
    for entry in entries:
        entry.leave(reason, now=now)
        waitlist.remove(entry)
    return entries


@dataclass
class BookClassUseCase:
    """A member spends one credit on a spot in a class.

    Staff adding a member (`by_staff=True`) skip the gym's booking limits — the booking
    window, the upcoming-bookings limit and a no-show pause — but never capacity or credit.
    """

    classes: ClassRepository
    members: MemberRepository
    bookings: BookingRepository
    waitlist: WaitlistRepository
    dispatcher: EventDispatcher
    transactions: Transactions
    clock: Clock
    policy: BookingPolicy

    def execute(self, member_id: str, class_id: str, *, by_staff: bool = False) -> Booking:
        with self.transactions.atomic():
            fitness_class = self.classes.get_by_id(class_id, for_update=True)
            member = self.members.get_by_id(member_id, for_update=True)
            now = self.clock.now()
            fitness_class.add_booking(member.id, now=now)
            if not by_staff:
                self._ensure_within_limits(member, fitness_class, now)
            if self.bookings.holds_spot_overlapping(member.id, fitness_class):
                raise OverlappingBookingException()
            grant = member.deduct_credit(now=now)
            booking = Booking.confirm(
                member.id, fitness_class.id, now=now, credit_grant_id=grant.grant_id
            )
            left = self._leave_waitlists(member.id, fitness_class, now)
            self.members.save(member)
            self.bookings.save(booking)
            self.dispatcher.dispatch(collect_events([booking, member, *left]))
        return booking

    def _ensure_within_limits(self, member: Member, fitness_class: FitnessClass, now) -> None:
        self.policy.ensure_booking_open(fitness_class.starts_at, now)
        member.ensure_may_book(now)
        if self.policy.max_upcoming_bookings is not None:
            upcoming = self.bookings.count_upcoming_confirmed(member.id, now)
            self.policy.ensure_under_booking_limit(upcoming)

    def _leave_waitlists(
        self, member_id: str, fitness_class: FitnessClass, now: datetime
    ) -> list[WaitlistEntry]:
        """Booked members wait neither for this class nor for one at the same time."""
        left = leave_overlapping_waitlists(
            self.waitlist, member_id, fitness_class, WaitlistExitReason.BOOKED_ELSEWHERE, now
        )
        waitlist = Waitlist(fitness_class, self.waitlist.get_by_class(fitness_class.id))
        if waitlist.position_of(member_id) is not None:
            entry = waitlist.leave(member_id, now=now, reason=WaitlistExitReason.BOOKED)
            self.waitlist.remove(entry)
            left.append(entry)
        return left


@dataclass
class _ReleasesBookings:
    """What cancelling a single booking shares between a member and staff."""

    bookings: BookingRepository
    classes: ClassRepository
    members: MemberRepository
    dispatcher: EventDispatcher
    transactions: Transactions
    clock: Clock
    policy: BookingPolicy

    def _release(self, booking: Booking, fitness_class: FitnessClass, now: datetime) -> Booking:
        """Free the spot, refund when due, save and dispatch."""
        fitness_class.remove_booking(booking.member_id, booking.id, now=now)
        touched: list[Entity] = [booking, fitness_class]
        if booking.refund_due:
            member = self.members.get_by_id(booking.member_id, for_update=True)
            refund_credit(member, fitness_class, self.policy, now)
            self.members.save(member)
            touched.append(member)
        self.bookings.save(booking)
        self.dispatcher.dispatch(collect_events(touched))
        return booking


class CancelBookingUseCase(_ReleasesBookings):
    """The book's use case: a member cancels, the window and late policy apply."""

    def execute(
        self, booking_id: str, reason: str | None = None, *, member_id: str | None = None
    ) -> Booking:
        """Cancel `booking_id`; with `member_id`, only if it is that member's booking."""
        with self.transactions.atomic():
            booking = self.bookings.get_by_id(booking_id, for_update=True)
            now = self.clock.now()
            if member_id is not None and booking.member_id != member_id:
                raise BookingNotFoundException()
            fitness_class = self.classes.get_by_id(booking.class_id)
            booking.cancel(fitness_class.starts_at, reason, now=now, policy=self.policy)
            return self._release(booking, fitness_class, now)


class StaffCancelBookingUseCase(_ReleasesBookings):
    """Staff cancel one booking: no window, always refunded, the reason kept."""

    def execute(self, booking_id: str, reason: str = "") -> Booking:
        with self.transactions.atomic():
            booking = self.bookings.get_by_id(booking_id, for_update=True)
            now = self.clock.now()
            fitness_class = self.classes.get_by_id(booking.class_id)
            booking.cancel_by_staff(
                fitness_class.starts_at, reason.strip() or STAFF_CANCELLATION_REASON, now=now
            )
            return self._release(booking, fitness_class, now)


@dataclass
class CancelClassUseCase:
    """Staff cancel a whole class: every booking refunded, the waitlist cleared."""

    classes: ClassRepository
    bookings: BookingRepository
    members: MemberRepository
    waitlist: WaitlistRepository
    dispatcher: EventDispatcher
    transactions: Transactions
    clock: Clock
    policy: BookingPolicy

    def execute(self, class_id: str, reason: str) -> FitnessClass:
        with self.transactions.atomic():
            fitness_class = self.classes.get_by_id(class_id, for_update=True)
            now = self.clock.now()
            # Members checked in early hold their spot too: they are refunded like the others.
            bookings = self.bookings.get_active_by_class(class_id, for_update=True)
            entries = self.waitlist.get_by_class(class_id)
            fitness_class.cancel(reason, now=now)
            members = self.members.get_by_ids(
                [booking.member_id for booking in bookings], for_update=True
            )
            for booking in bookings:
                booking.cancel_by_staff(
                    fitness_class.starts_at,
                    fitness_class.cancellation_reason,
                    now=now,
                    with_class=True,
                )
                self.bookings.save(booking)
            for member in members:
                refund_credit(member, fitness_class, self.policy, now)
                self.members.save(member)
            for entry in entries:
                entry.leave(WaitlistExitReason.CLASS_CANCELLED, now=now)
                self.waitlist.remove(entry)
            self.classes.save(fitness_class)
            self.dispatcher.dispatch(collect_events([fitness_class, *bookings, *members, *entries]))
        return fitness_class


@dataclass
class JoinWaitlistUseCase:
    """A member queues for a full class; returns their position.

    The booking window and a no-show pause apply as they do to booking (the waitlist is no
    way round them); staff adding a member (`by_staff=True`) skip them.
    """

    classes: ClassRepository
    members: MemberRepository
    waitlist: WaitlistRepository
    dispatcher: EventDispatcher
    transactions: Transactions
    clock: Clock
    policy: BookingPolicy

    def execute(self, member_id: str, class_id: str, *, by_staff: bool = False) -> int:
        with self.transactions.atomic():
            fitness_class = self.classes.get_by_id(class_id, for_update=True)
            now = self.clock.now()
            member = self.members.get_by_id(member_id)
            if not by_staff:
                self.policy.ensure_booking_open(fitness_class.starts_at, now)
                member.ensure_may_book(now)
            waitlist = Waitlist(fitness_class, self.waitlist.get_by_class(class_id))
            entry = waitlist.join(member.id, now=now)
            self.waitlist.add(entry)
            self.dispatcher.dispatch(collect_events([entry]))
            return waitlist.position_of(member.id) or 0


@dataclass
class LeaveWaitlistUseCase:
    """A member stops waiting; everyone behind moves up. No credit is involved."""

    classes: ClassRepository
    waitlist: WaitlistRepository
    dispatcher: EventDispatcher
    transactions: Transactions
    clock: Clock

    def execute(self, member_id: str, class_id: str) -> None:
        with self.transactions.atomic():
            now = self.clock.now()
            # Locked like every waitlist change, so a promotion never books a member who is
            # leaving at the same moment.
            fitness_class = self.classes.get_by_id(class_id, for_update=True)
            waitlist = Waitlist(fitness_class, self.waitlist.get_by_class(class_id))
            entry = waitlist.leave(member_id, now=now)
            self.waitlist.remove(entry)
            self.dispatcher.dispatch(collect_events([entry]))


@dataclass
class AddCreditsUseCase:
    """Staff grant credits (a purchase, a gift); they expire after `expiry_days`."""

    members: MemberRepository
    dispatcher: EventDispatcher
    transactions: Transactions
    clock: Clock

    def execute(
        self, member_id: str, amount: int, expiry_days: int = 30, reason: str = ""
    ) -> CreditGrant:
        with self.transactions.atomic():
            member = self.members.get_by_id(member_id, for_update=True)
            grant = member.add_credits(
                amount, expiry_days=expiry_days, now=self.clock.now(), reason=reason
            )
            self.members.save(member)
            self.dispatcher.dispatch(collect_events([member]))
        return grant


@dataclass
class ChangeClassCapacityUseCase:
    """Resize a class; an increase promotes waitlisted members through the spot event."""

    classes: ClassRepository
    dispatcher: EventDispatcher
    transactions: Transactions
    clock: Clock

    def execute(self, class_id: str, new_capacity: int) -> FitnessClass:
        with self.transactions.atomic():
            fitness_class = self.classes.get_by_id(class_id, for_update=True)
            fitness_class.change_capacity(new_capacity, now=self.clock.now())
            self.classes.save(fitness_class)
            self.dispatcher.dispatch(collect_events([fitness_class]))
        return fitness_class


WELCOME_CREDITS_REASON = "Welcome credits"


class RegisteredEmails(Protocol):
    """Which e-mail addresses are taken: a new member may not share one with anybody."""

    def is_registered(self, email: Email) -> bool:
        """Whether `email` is already used, compared without regard to case."""
        ...


@dataclass
class RegisterMemberUseCase:
    """Somebody joins the gym: a new member, welcomed with the gym's welcome credits.

    The welcome is the gym's configuration, given once to the constructor (the composition
    root reads it from the settings): `welcome_credits` credits (0: none) that expire after
    `welcome_expiry_days` days, like a refund. A taken e-mail address is refused. Creating
    the login that goes with the member is the caller's business, in the same transaction.
    """

    members: MemberRepository
    emails: RegisteredEmails
    dispatcher: EventDispatcher
    transactions: Transactions
    clock: Clock
    welcome_credits: int = 0
    welcome_expiry_days: int = 30

    def execute(self, name: str, email: str) -> Member:
        with self.transactions.atomic():
            now = self.clock.now()
            address = Email(email)
            if self.emails.is_registered(address):
                raise EmailAlreadyRegisteredException()
            member = Member.register(name, address, now=now)
            if self.welcome_credits:
                member.add_credits(
                    self.welcome_credits,
                    expiry_days=self.welcome_expiry_days,
                    now=now,
                    reason=WELCOME_CREDITS_REASON,
                )
            self.members.save(member)
            self.dispatcher.dispatch(collect_events([member]))
        return member


@dataclass
class _RecordsAttendance:
    """What marking attendance shares between the front desk and the end-of-class settling."""

    bookings: BookingRepository
    classes: ClassRepository
    members: MemberRepository
    dispatcher: EventDispatcher
    transactions: Transactions
    clock: Clock
    policy: BookingPolicy

    def _mark(
        self,
        bookings: list[Booking],
        fitness_class: FitnessClass | None,
        attended: bool,
        now: datetime,
    ) -> None:
        """Mark each (locked) booking; enough new no-shows pause the member's booking."""
        touched: list[Entity] = []
        for booking in bookings:
            held_in = fitness_class or self.classes.get_by_id(booking.class_id)
            if booking.record_attendance(attended, class_start_time=held_in.starts_at, now=now):
                self.bookings.save(booking)
                touched.append(booking)
        if not attended and self.policy.no_show_limit:
            touched += self._pause_over_the_limit({b.member_id for b in touched}, now)
        self.dispatcher.dispatch(collect_events(touched))

    def _pause_over_the_limit(self, member_ids: set[str], now: datetime) -> list[Entity]:
        """Pause the members whose no-shows reached the limit (locked in key order)."""
        since = now - self.policy.no_show_period
        counts = {m: self.bookings.count_no_shows_since(m, since) for m in member_ids}
        over = [m for m, count in counts.items() if count >= self.policy.no_show_limit]
        paused = self.members.get_by_ids(over, for_update=True)
        for member in paused:
            until = now + self.policy.no_show_pause
            member.pause_bookings(until=until, no_shows=counts[member.id], now=now)
            self.members.save(member)
        return list(paused)


class RecordAttendanceUseCase(_RecordsAttendance):
    """The front desk marks bookings attended or no-show (one or many at once)."""

    def execute(self, booking_ids: Iterable[str], attended: bool) -> int:
        """Returns how many bookings were marked."""
        with self.transactions.atomic():
            ids = sorted(set(booking_ids))
            bookings = [self.bookings.get_by_id(booking_id, for_update=True) for booking_id in ids]
            self._mark(bookings, None, attended, self.clock.now())
        return len(bookings)


class SettleClassUseCase(_RecordsAttendance):
    """After a class, bookings nobody marked get the gym's default outcome."""

    def execute(self, class_id: str, *, unmarked_attended: bool) -> int:
        """Returns how many bookings were settled (0 when already settled or not yet over)."""
        with self.transactions.atomic():
            fitness_class = self.classes.get_by_id(class_id)
            unmarked = self.bookings.get_confirmed_by_class(class_id, for_update=True)
            now = self.clock.now()
            if now < fitness_class.ends_at:
                return 0  # outcomes are only settled once the class is over
            self._mark(unmarked, fitness_class, unmarked_attended, now)
        return len(unmarked)


@dataclass
class ResumeBookingsUseCase:
    """Staff lift a member's no-show pause."""

    members: MemberRepository
    dispatcher: EventDispatcher
    transactions: Transactions
    clock: Clock

    def execute(self, member_id: str) -> None:
        with self.transactions.atomic():
            member = self.members.get_by_id(member_id, for_update=True)
            member.resume_bookings(now=self.clock.now())
            self.members.save(member)
            self.dispatcher.dispatch(collect_events([member]))


@dataclass
class ExpireCreditsUseCase:
    """Record every grant that expired with credit left, once (one transaction per member)."""

    members: MemberRepository
    dispatcher: EventDispatcher
    transactions: Transactions
    clock: Clock

    def execute(self, member_id: str) -> int:
        """Returns how many grants of the member were recorded as expired."""
        with self.transactions.atomic():
            member = self.members.get_by_id(member_id, for_update=True)
            expired = member.record_expired_credits(now=self.clock.now())
            self.members.save(member)
            self.dispatcher.dispatch(collect_events([member]))
        return len(expired)


@dataclass
class RemindMemberUseCase:
    """Note that a booked member is due a reminder; the notification handlers send it."""

    bookings: BookingRepository
    dispatcher: EventDispatcher
    transactions: Transactions
    clock: Clock

    def execute(self, booking_id: str) -> bool:
        """False when the booking was reminded already (or is no longer confirmed)."""
        with self.transactions.atomic():
            booking = self.bookings.get_by_id(booking_id, for_update=True)
            if not booking.mark_reminded(now=self.clock.now()):
                return False
            self.bookings.save(booking)
            self.dispatcher.dispatch(collect_events([booking]))
        return True
