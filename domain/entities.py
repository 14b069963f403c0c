"""Entities: they enforce the rules and record what happened as domain events.

Time is never read here: every rule that depends on it takes `now` (an aware datetime).
The one exception is the edge the book calls directly: `Booking.cancel` without `now=`.
"""

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from domain import exceptions
from domain.events import (
    AttendanceRecorded,
    BookingCancelled,
    BookingConfirmed,
    ClassCancelled,
    ClassCapacityChanged,
    ClassDeleted,
    ClassDetailsChanged,
    ClassRescheduled,
    ClassScheduled,
    ClassSpotBecameAvailable,
    CreditsAdded,
    CreditsExpired,
    DomainEvent,
    LateCancellationRefunded,
    MemberBookingsPaused,
    MemberBookingsResumed,
    MemberErased,
    MemberJoinedWaitlist,
    MemberLeftWaitlist,
    MemberPromotedFromWaitlist,
    MemberRegistered,
    MemberRemindedOfClass,
    MemberSkippedOnWaitlist,
)
from domain.values import (
    DEFAULT_POLICY,
    BookingPolicy,
    CancellationCost,
    Email,
    WaitlistExitReason,
    new_id,
)

# Every recorded event takes the next number, so events collected from several entities can
# be put back in the order in which they happened.
_recording_order = itertools.count()


class Entity:
    """Collects the domain events an entity records until the use case dispatches them."""

    def __init__(self) -> None:
        self._domain_events: list[tuple[int, DomainEvent]] = []

    def _record(self, event: DomainEvent) -> None:
        self._domain_events.append((next(_recording_order), event))

    def get_domain_events(self) -> list[DomainEvent]:
        """All events recorded since the last clear (a copy)."""
        return [event for _, event in self._domain_events]

    def clear_domain_events(self) -> None:
        self._domain_events.clear()

    def take_domain_events(self) -> list[tuple[int, DomainEvent]]:
        """The recorded events with their places in the order of recording, then clear."""
        taken, self._domain_events = self._domain_events, []
        return taken


# --- Members and credits -------------------------------------------------------------------


@dataclass
class CreditGrant:
    """Credits granted at once, spendable until they expire."""

    grant_id: str
    amount: int
    remaining: int
    granted_at: datetime
    expires_at: datetime
    reason: str = ""
    expiry_recorded: bool = False

    def is_spendable(self, now: datetime) -> bool:
        return self.remaining > 0 and now < self.expires_at

    def has_unrecorded_expiry(self, now: datetime) -> bool:
        return self.remaining > 0 and now >= self.expires_at and not self.expiry_recorded


# What an erased member is called instead of her name.
ERASED_MEMBER_NAME = "Erased member"


class Member(Entity):
    """A gym member and the credits they hold."""

    def __init__(
        self,
        member_id: str,
        name: str,
        email: Email | str,
        grants: Iterable[CreditGrant] = (),
        *,
        bookings_paused_until: datetime | None = None,
        erased_at: datetime | None = None,
    ) -> None:
        super().__init__()
        self._id = member_id
        self._name = name
        self._email = email if isinstance(email, Email) else Email(email)
        self._grants = list(grants)
        self.bookings_paused_until = bookings_paused_until
        self.erased_at = erased_at

    @classmethod
    def register(cls, name: str, email: Email | str, *, now: datetime) -> "Member":
        """A new member; a name is required, the e-mail must be valid."""
        if not name.strip():
            raise exceptions.InvalidMemberException()
        member = cls(new_id(), name.strip(), email)
        member._record(MemberRegistered(member_id=member.id, occurred_at=now))
        return member

    @property
    def id(self) -> str:
        return self._id

    @property
    def name(self) -> str:
        return self._name

    @property
    def email(self) -> Email:
        return self._email

    @property
    def grants(self) -> tuple[CreditGrant, ...]:
        return tuple(self._grants)

    def credits_at(self, now: datetime) -> int:
        """Credits that can be spent at `now` (expired ones cannot)."""
        return sum(grant.remaining for grant in self._grants if grant.is_spendable(now))

    def add_credits(
        self, amount: int, expiry_days: int = 30, *, now: datetime, reason: str = ""
    ) -> CreditGrant:
        """Grant `amount` credits that expire `expiry_days` from `now`."""
        if not _is_positive_int(amount, MAX_CREDITS_PER_GRANT) or not _is_positive_int(
            expiry_days, MAX_CREDIT_EXPIRY_DAYS
        ):
            raise exceptions.InvalidCreditAmountException()
        grant = CreditGrant(
            grant_id=new_id(),
            amount=amount,
            remaining=amount,
            granted_at=now,
            expires_at=now + timedelta(days=expiry_days),
            reason=reason,
        )
        self._grants.append(grant)
        self._record(
            CreditsAdded(
                member_id=self._id,
                grant_id=grant.grant_id,
                amount=amount,
                expires_at=grant.expires_at,
                reason=reason,
                occurred_at=now,
            )
        )
        return grant

    def record_expired_credits(self, *, now: datetime) -> list[CreditGrant]:
        """Note every grant whose unspent credits have expired (once per grant)."""
        expired = [grant for grant in self._grants if grant.has_unrecorded_expiry(now)]
        for grant in expired:
            grant.expiry_recorded = True
            self._record(
                CreditsExpired(
                    member_id=self._id,
                    grant_id=grant.grant_id,
                    amount=grant.remaining,
                    occurred_at=now,
                )
            )
        return expired

    def may_book(self, now: datetime) -> bool:
        return self.bookings_paused_until is None or now >= self.bookings_paused_until

    def ensure_may_book(self, now: datetime) -> None:
        if not self.may_book(now):
            raise exceptions.BookingsPausedException()

    def pause_bookings(self, *, until: datetime, no_shows: int, now: datetime) -> None:
        """Too many no-shows: no booking (nor promotion) until `until`."""
        self.bookings_paused_until = until
        self._record(
            MemberBookingsPaused(
                member_id=self._id, until=until, no_shows=no_shows, occurred_at=now
            )
        )

    def reconsider_pause(self, *, no_shows: int, limit: int, now: datetime) -> bool:
        """A no-show was corrected: lift the pause when the member's no-shows (counted over
        the period that paused her) no longer reach the `limit`; whether it was lifted."""
        if self.may_book(now) or no_shows >= limit:
            return False
        self.bookings_paused_until = None
        self._record(
            MemberBookingsResumed(
                member_id=self._id, reason=NO_SHOW_CORRECTED_REASON, occurred_at=now
            )
        )
        return True

    def resume_bookings(self, *, now: datetime) -> None:
        """Staff lift a pause early; nothing happens when there is none."""
        if self.may_book(now):
            return
        self.bookings_paused_until = None
        self._record(MemberBookingsResumed(member_id=self._id, occurred_at=now))

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    def erase(self, *, now: datetime) -> bool:
        """Replace the name and e-mail with placeholders (the address stays unique, under a
        reserved domain that mail never reaches); her id and ledger stay. False, and nothing
        recorded, when she was erased already."""
        if self.is_erased:
            return False
        self._name = ERASED_MEMBER_NAME
        self._email = Email(f"erased-{self._id}@erased.invalid")
        self.bookings_paused_until = None
        self.erased_at = now
        self._record(MemberErased(member_id=self._id, occurred_at=now))
        return True

    def deduct_credit(self, *, now: datetime) -> CreditGrant:
        """Spend one credit from the grant that expires soonest; return that grant."""
        spendable = [grant for grant in self._grants if grant.is_spendable(now)]
        if not spendable:
            raise exceptions.NoCreditsException()
        grant = min(spendable, key=lambda g: (g.expires_at, g.granted_at, g.grant_id))
        grant.remaining -= 1
        return grant


NO_SHOW_CORRECTED_REASON = "a no-show was corrected"

# Sanity limits: beyond them a number is a typo, not a gym's wish.
MAX_CREDITS_PER_GRANT = 1000
MAX_CREDIT_EXPIRY_DAYS = 3650
# The one definition of a capacity, for a class and for a series alike (forms show this rule).
MAX_CAPACITY = 1000
CAPACITY_RULE = f"The capacity must be a whole number from 1 to {MAX_CAPACITY}."


def is_valid_capacity(capacity: object) -> bool:
    return _is_positive_int(capacity, MAX_CAPACITY)


def ensure_valid_capacity(capacity: object) -> None:
    """Refuse a capacity that is not a whole number from 1 to `MAX_CAPACITY`."""
    if not is_valid_capacity(capacity):
        raise exceptions.InvalidClassException(CAPACITY_RULE)


def _is_positive_int(value: object, at_most: int | None = None) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value > 0
        and (at_most is None or value <= at_most)
    )


# --- Classes ---------------------------------------------------------------------------------

# What describes a class besides its time and capacity (`FitnessClass.change_details`).
DETAIL_NAMES = ("name", "description", "instructor", "location")


class FitnessClass(Entity):
    """One scheduled session of a class, with its capacity and the members booked on it."""

    def __init__(
        self,
        class_id: str,
        name: str,
        capacity: int,
        *,
        starts_at: datetime,
        duration: timedelta = timedelta(hours=1),
        description: str = "",
        instructor: str = "",
        location: str = "",
        booked_member_ids: Iterable[str] = (),
        cancelled_at: datetime | None = None,
        cancellation_reason: str = "",
    ) -> None:
        super().__init__()
        if not name or duration <= timedelta(0):
            raise exceptions.InvalidClassException()
        ensure_valid_capacity(capacity)
        self._id = class_id
        self._name = name
        self._capacity = capacity
        self.starts_at = starts_at
        self.duration = duration
        self.description = description
        self.instructor = instructor
        self.location = location
        self._bookings = list(booked_member_ids)
        self._cancelled_at = cancelled_at
        self._cancellation_reason = cancellation_reason

    @classmethod
    def schedule(
        cls,
        name: str,
        capacity: int,
        *,
        starts_at: datetime,
        duration: timedelta,
        now: datetime,
        description: str = "",
        instructor: str = "",
        location: str = "",
    ) -> "FitnessClass":
        """A class staff add to the schedule on its own (a series' sessions come from
        `ClassSeries.new_session`); records `ClassScheduled`."""
        fitness_class = cls(
            new_id(),
            name.strip(),
            capacity,
            starts_at=starts_at,
            duration=duration,
            description=description,
            instructor=instructor,
            location=location,
        )
        fitness_class._record(
            ClassScheduled(
                class_id=fitness_class.id, series_id=None, starts_at=starts_at, occurred_at=now
            )
        )
        return fitness_class

    @property
    def id(self) -> str:
        return self._id

    @property
    def name(self) -> str:
        return self._name

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + self.duration

    @property
    def booked_member_ids(self) -> frozenset[str]:
        return frozenset(self._bookings)

    @property
    def spots_taken(self) -> int:
        """Bookings holding a spot: confirmed, or already marked attended or no-show."""
        return len(self._bookings)

    @property
    def spots_left(self) -> int:
        return max(self._capacity - len(self._bookings), 0)

    @property
    def is_cancelled(self) -> bool:
        return self._cancelled_at is not None

    @property
    def cancelled_at(self) -> datetime | None:
        return self._cancelled_at

    @property
    def cancellation_reason(self) -> str:
        return self._cancellation_reason

    def is_full(self) -> bool:
        return len(self._bookings) >= self._capacity

    def is_booked_by(self, member_id: str) -> bool:
        return member_id in self._bookings

    def has_started(self, now: datetime) -> bool:
        return now >= self.starts_at

    def overlaps(self, starts_at: datetime, ends_at: datetime) -> bool:
        """Whether this class shares any moment with the period [starts_at, ends_at)."""
        return self.starts_at < ends_at and starts_at < self.ends_at

    def accepts_promotions(self, now: datetime, cutoff: timedelta) -> bool:
        """Waitlisted members are promoted only until `cutoff` before the start."""
        return not self.is_cancelled and now < self.starts_at - cutoff

    def ensure_open(self, now: datetime) -> None:
        """Refuse any change of bookings or waitlist once cancelled or started."""
        if self.is_cancelled:
            raise exceptions.ClassCancelledException()
        if self.has_started(now):
            raise exceptions.ClassAlreadyStartedException()

    def ensure_room_for(self, member_id: str, *, now: datetime) -> None:
        """Refuse, before anything changes, a booking this class cannot take now."""
        self.ensure_open(now)
        if member_id in self._bookings:
            raise exceptions.AlreadyBookedException()
        if self.is_full():
            raise exceptions.ClassFullException()

    def add_booking(self, member_id: str, *, now: datetime) -> None:
        """Take one spot for `member_id`."""
        self.ensure_room_for(member_id, now=now)
        self._bookings.append(member_id)

    def remove_booking(
        self, member_id: str, cancelled_booking_id: str | None = None, *, now: datetime
    ) -> None:
        """Free the spot of `member_id`; the freed spot is announced."""
        self.ensure_open(now)
        if member_id not in self._bookings:
            raise exceptions.BookingNotFoundException()
        self._bookings.remove(member_id)
        self._record(
            ClassSpotBecameAvailable(
                class_id=self._id, previous_booking_id=cancelled_booking_id, occurred_at=now
            )
        )

    def change_capacity(self, new_capacity: int, *, now: datetime) -> None:
        """Resize the class; never below the confirmed bookings. An increase frees spots."""
        self.ensure_open(now)
        ensure_valid_capacity(new_capacity)
        booked = len(self._bookings)
        if new_capacity < booked:
            # A capacity is at least 1, so this is only reached with 2 or more booked.
            raise exceptions.CapacityBelowBookingsException(
                f"The capacity cannot go below {booked}: {booked} members are booked."
            )
        old_capacity, self._capacity = self._capacity, new_capacity
        if new_capacity == old_capacity:
            return
        self._record(
            ClassCapacityChanged(
                class_id=self._id,
                old_capacity=old_capacity,
                new_capacity=new_capacity,
                occurred_at=now,
            )
        )
        if new_capacity > old_capacity and not self.is_full():
            self._record(ClassSpotBecameAvailable(class_id=self._id, occurred_at=now))

    def reschedule(
        self, starts_at: datetime, duration: timedelta, *, now: datetime, waiting: int = 0
    ) -> bool:
        """Move the class to another time; whether it moved (`waiting`: how many members wait
        for it, the waitlist being no part of the class).

        Only a class nobody holds a spot in or waits for moves. Members chose and paid for
        this time: moving it would keep them booked at a time they never chose, with no
        refund if they cannot come (the cancellation window may already be closed), and could
        put them on two classes at once, which booking never allows. So a booked class keeps
        its time: it is cancelled ("Cancel this class…" refunds and tells every member) and
        another is scheduled. A class that has started or is cancelled never moves, nor does
        one into the past.
        """
        if starts_at == self.starts_at and duration == self.duration:
            return False
        self.ensure_open(now)
        if duration <= timedelta(0):
            raise exceptions.InvalidClassException("A class must end after it starts.")
        if starts_at <= now:
            raise exceptions.InvalidClassException("A class cannot be moved into the past.")
        if self._bookings or waiting:
            raise exceptions.ClassHasMembersException(
                "Members are booked on this class or waiting for it, so it keeps its time: "
                "cancel it with “Cancel this class…” (every booking is refunded and everyone "
                "is told) and add the class at its new time."
            )
        old_starts_at, old_ends_at = self.starts_at, self.ends_at
        self.starts_at, self.duration = starts_at, duration
        self._record(
            ClassRescheduled(
                class_id=self._id,
                old_starts_at=old_starts_at,
                old_ends_at=old_ends_at,
                starts_at=self.starts_at,
                ends_at=self.ends_at,
                occurred_at=now,
            )
        )
        return True

    def change_details(self, *, now: datetime, **details: str) -> tuple[str, ...]:
        """Rename the class, or change its description, instructor or location (relocate
        it); the names of the fields that changed. Booked members keep their spots: these
        describe the class, they do not change when it is."""
        unknown = details.keys() - set(DETAIL_NAMES)
        if unknown:
            raise TypeError(f"not a detail of a class: {', '.join(sorted(unknown))}")
        given = {name: (value or "").strip() for name, value in details.items()}
        if "name" in given and not given["name"]:
            raise exceptions.InvalidClassException("Give the class a name.")
        changed = tuple(
            name for name in DETAIL_NAMES if name in given and given[name] != getattr(self, name)
        )
        if not changed:
            return ()
        for name in changed:
            setattr(self, "_name" if name == "name" else name, given[name])
        self._record(
            ClassDetailsChanged(
                class_id=self._id,
                changed=", ".join(changed),
                name=self._name,
                description=self.description,
                instructor=self.instructor,
                location=self.location,
                occurred_at=now,
            )
        )
        return changed

    def delete(
        self, *, now: datetime, waiting: int, ever_booked: bool, series_id: str | None = None
    ) -> None:
        """Staff take a class off the schedule for good: only one added by mistake, that
        nobody holds a spot in, waits for or ever booked. Deleting any other would drop its
        members' bookings and the credits they spent without a word: it is cancelled
        instead ("Cancel this class…" refunds and tells them) and stays as the record."""
        if self._bookings or waiting:
            raise exceptions.ClassHasMembersException(
                "Members are booked on this class or waiting for it, so it cannot be deleted: "
                "cancel it with “Cancel this class…”, which refunds every booking and tells "
                "everyone."
            )
        if ever_booked:
            raise exceptions.ClassHasMembersException(
                "Members have booked this class before (their cancelled bookings and the "
                "credits spent on them are its history), so it is kept: cancel it with "
                "“Cancel this class…” instead."
            )
        self._record(
            ClassDeleted(
                class_id=self._id,
                name=self._name,
                starts_at=self.starts_at,
                series_id=series_id,
                occurred_at=now,
            )
        )

    def cancel(self, reason: str, *, now: datetime) -> None:
        """Cancel the whole class; its bookings are released without freeing spots."""
        self.ensure_open(now)
        if not reason.strip():
            raise exceptions.InvalidClassException("Say why the class is cancelled.")
        self._cancelled_at = now
        self._cancellation_reason = reason.strip()
        self._bookings.clear()
        self._record(
            ClassCancelled(class_id=self._id, reason=self._cancellation_reason, occurred_at=now)
        )


# --- Bookings --------------------------------------------------------------------------------


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

    @classmethod
    def confirm(
        cls, member_id: str, class_id: str, *, now: datetime, credit_grant_id: str
    ) -> "Booking":
        """A new confirmed booking paid with a credit from `credit_grant_id`."""
        booking = cls(
            new_id(), member_id, class_id, created_at=now, credit_grant_id=credit_grant_id
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
        not (unless the gym then cancels the class: `refund_late_cancellation`)."""
        return self._status is BookingStatus.CANCELLED and not self.refunded

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


# --- Waitlist --------------------------------------------------------------------------------


class WaitlistEntry(Entity):
    """A member waiting for a spot in a full class."""

    def __init__(
        self,
        entry_id: str,
        member_id: str,
        class_id: str,
        created_at: datetime,
        *,
        skips_told: Iterable[str] = (),
    ) -> None:
        super().__init__()
        self._id = entry_id
        self._member_id = member_id
        self._class_id = class_id
        self.created_at = created_at
        # The reasons she was skipped for and told about, so each is told once.
        self.skips_told = frozenset(skips_told)

    @classmethod
    def join(
        cls, member_id: str, class_id: str, *, now: datetime, position: int
    ) -> "WaitlistEntry":
        """A new entry at `position` in the queue."""
        entry = cls(new_id(), member_id, class_id, created_at=now)
        entry._record(
            MemberJoinedWaitlist(
                waitlist_entry_id=entry.id,
                member_id=member_id,
                class_id=class_id,
                position=position,
                occurred_at=now,
            )
        )
        return entry

    @property
    def id(self) -> str:
        return self._id

    @property
    def member_id(self) -> str:
        return self._member_id

    @property
    def class_id(self) -> str:
        return self._class_id

    def leave(self, reason: WaitlistExitReason, *, now: datetime) -> None:
        """Record that the member is no longer waiting (the repository removes the entry)."""
        self._record(
            MemberLeftWaitlist(
                waitlist_entry_id=self._id,
                member_id=self._member_id,
                class_id=self._class_id,
                reason=str(reason),
                occurred_at=now,
            )
        )

    def skip(self, reason: str, *, now: datetime) -> bool:
        """A free spot passed her by for `reason`; she keeps her place. True (and recorded)
        the first time for this reason only."""
        if reason in self.skips_told:
            return False
        self.skips_told = self.skips_told | {str(reason)}
        self._record(
            MemberSkippedOnWaitlist(
                member_id=self._member_id,
                class_id=self._class_id,
                waitlist_entry_id=self._id,
                reason=str(reason),
                occurred_at=now,
            )
        )
        return True

    def promote(
        self,
        *,
        now: datetime,
        credit_grant_id: str,
        refundable_until: datetime | None = None,
        grace: bool = False,
    ) -> Booking:
        """The member got a spot: a confirmed booking paid from `credit_grant_id`, which she
        may cancel with a refund until `refundable_until`; with `grace` (promoted inside the
        cancellation window) that holds whatever the window.

        Only `MemberPromotedFromWaitlist` is recorded (not also `BookingConfirmed`), so each
        fact is told once and the member hears “you're in” once.
        """
        booking = Booking(
            new_id(),
            self._member_id,
            self._class_id,
            created_at=now,
            credit_grant_id=credit_grant_id,
            free_cancellation_until=refundable_until if grace else None,
        )
        self._record(
            MemberPromotedFromWaitlist(
                member_id=self._member_id,
                class_id=self._class_id,
                booking_id=booking.id,
                waitlist_entry_id=self._id,
                refundable_until=refundable_until,
                grace=grace,
                occurred_at=now,
            )
        )
        return booking


class Waitlist:
    """The queue of one class, in order of joining (created_at, then id)."""

    def __init__(self, fitness_class: FitnessClass, entries: Iterable[WaitlistEntry]) -> None:
        self._class = fitness_class
        self._entries = sorted(entries, key=lambda e: (e.created_at, e.id))

    @property
    def entries(self) -> tuple[WaitlistEntry, ...]:
        return tuple(self._entries)

    def position_of(self, member_id: str) -> int | None:
        """1-based position of `member_id`, or None when not waiting."""
        for position, entry in enumerate(self._entries, start=1):
            if entry.member_id == member_id:
                return position
        return None

    def join(self, member_id: str, *, now: datetime) -> WaitlistEntry:
        """Queue `member_id`; only a full class has a waitlist."""
        self._class.ensure_open(now)
        if self._class.is_booked_by(member_id):
            raise exceptions.AlreadyBookedException()
        if self.position_of(member_id) is not None:
            raise exceptions.AlreadyOnWaitlistException()
        if not self._class.is_full():
            raise exceptions.WaitlistNotNeededException()
        entry = WaitlistEntry.join(
            member_id, self._class.id, now=now, position=len(self._entries) + 1
        )
        self._entries.append(entry)
        return entry

    def leave(
        self,
        member_id: str,
        *,
        now: datetime,
        reason: WaitlistExitReason = WaitlistExitReason.LEFT,
    ) -> WaitlistEntry:
        """Take `member_id` off the queue; everyone behind moves up one place."""
        self._class.ensure_open(now)
        entry = next((e for e in self._entries if e.member_id == member_id), None)
        if entry is None:
            raise exceptions.WaitlistEntryNotFoundException()
        self._entries.remove(entry)
        entry.leave(reason, now=now)
        return entry
