"""The ports: what the use cases need from the outside world, as Protocols.

Django adapters implement them in the apps; in-memory twins implement them for the tests.
Repositories raise the domain's `*NotFoundException` for unknown ids. `for_update=True` locks
the row until the transaction ends (see the locking rules in the README).
"""

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from domain.entities import Booking, FitnessClass, Member, WaitlistEntry
from domain.events import DomainEvent
from domain.locations import Closure, OpeningRules
from domain.series import DETAIL_FIELDS, ClassSeries
from domain.values import Email
from domain.waitlist_offers import WaitlistOffer


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware."""
        ...


class OpeningHours(Protocol):
    def rules_at(self, location: str, since: date) -> OpeningRules:
        """The opening rules of the location named `location`: its weekly hours and its
        closures ending on `since` or later (a location unknown, or without hours, is open at
        all times)."""
        ...


class Transactions(Protocol):
    def atomic(self) -> AbstractContextManager[object]:
        """One all-or-nothing transaction (the unit of work's); nested, a savepoint."""
        ...


class EventDispatcher(Protocol):
    def dispatch(self, events: Sequence[DomainEvent]) -> None:
        """Hand the events to their registered handlers."""
        ...


class MemberRepository(Protocol):
    def get_by_id(self, member_id: str, *, for_update: bool = False) -> Member: ...

    def get_contact(self, member_id: str) -> Member:
        """The member without her grants, in one query: enough to tell her something (name,
        e-mail, erased or not), never to spend or count her credits."""
        ...

    def get_by_ids(self, member_ids: list[str], *, for_update: bool = False) -> list[Member]:
        """The members that exist among `member_ids`, in primary-key order (locking order)."""
        ...

    def save(self, member: Member) -> None:
        """Her columns, her grants and her membership (one live membership per member: a
        second is refused with `AlreadyAMemberException`)."""
        ...

    def ids_with_unrecorded_expired_credits(self, now: datetime) -> list[str]:
        """Members holding a grant that expired with credit left, not yet recorded."""
        ...

    def ids_with_lapsed_memberships(self, now: datetime) -> list[str]:
        """Members whose live membership's period ended by `now` (no renewal moved it on)."""
        ...


class ClassRepository(Protocol):
    def get_by_id(self, class_id: str, *, for_update: bool = False) -> FitnessClass: ...

    def save(self, fitness_class: FitnessClass) -> None: ...

    def ever_booked(self, class_id: str) -> bool:
        """Whether the class has any booking, in any status (cancelled ones included)."""
        ...

    def delete(self, fitness_class: FitnessClass) -> None:
        """Delete a class nobody ever booked or waited for (the entity said it may go); a
        series remembers the date of a session deleted so."""
        ...


@dataclass(frozen=True)
class SpotsHeld:
    """A member's bookings as the rules of booking count them."""

    # Confirmed bookings of classes at the same location that have not started (the
    # upcoming-bookings limit is the location's).
    upcoming_confirmed: int
    # Whether she holds a spot (confirmed, or marked attended or no-show) in another live
    # class overlapping the one asked about.
    overlapping: bool


class BookingRepository(Protocol):
    def get_by_id(self, booking_id: str, *, for_update: bool = False) -> Booking: ...

    def get_confirmed_by_class(self, class_id: str, *, for_update: bool = False) -> list[Booking]:
        """Confirmed bookings of a class, by id."""
        ...

    def get_active_by_class(self, class_id: str, *, for_update: bool = False) -> list[Booking]:
        """Bookings holding a spot in a class (confirmed, or marked attended or no-show), by id."""
        ...

    def get_upcoming_by_member(self, member_id: str, now: datetime) -> list[Booking]:
        """The member's bookings holding a spot in classes that have not started (and are not
        cancelled), by id."""
        ...

    def get_forfeited_by_class(self, class_id: str, *, for_update: bool = False) -> list[Booking]:
        """Late-cancelled bookings of a class whose credit has not been refunded, by id (one
        paid by a membership forfeited no credit)."""
        ...

    def spots_held(self, member_id: str, fitness_class: FitnessClass, now: datetime) -> "SpotsHeld":
        """What the member's bookings say about her taking a spot in this class, in one read
        (upcoming ones counted at its location)."""
        ...

    def save(self, booking: Booking) -> None: ...

    def count_paid_by_membership(self, membership_id: str, since: datetime, until: datetime) -> int:
        """The bookings the membership paid for, of classes starting from `since` until
        `until`, that count against its allowance: those holding a spot, and those cancelled
        late (a cancellation in time gives the class back)."""
        ...

    def count_no_shows_since(self, member_id: str, since: datetime, *, location: str) -> int:
        """The member's no-shows for classes at `location` (by name) that started at or after
        `since`."""
        ...

    def ids_due_for_reminder(self, now: datetime, lead: timedelta) -> list[str]:
        """Confirmed, not yet reminded bookings of live classes starting from `now` until
        their location's reminder lead after it (`lead`, the chain's, where the location
        keeps it), in order of start."""
        ...

    def class_ids_to_settle(self, ended_before: datetime) -> list[str]:
        """Classes that ended before `ended_before` and still have confirmed bookings."""
        ...


class WaitlistRepository(Protocol):
    def get_by_class(self, class_id: str) -> list[WaitlistEntry]:
        """The class's waitlist in order of joining (created_at, then id)."""
        ...

    def get_overlapping_for_member(
        self, member_id: str, fitness_class: FitnessClass
    ) -> list[WaitlistEntry]:
        """The member's entries for other classes that overlap this one."""
        ...

    def get_by_class_and_overlapping_for_member(
        self, fitness_class: FitnessClass, member_id: str
    ) -> tuple[list[WaitlistEntry], list[WaitlistEntry]]:
        """`get_by_class` and `get_overlapping_for_member` in one read: what a member booking
        this class may have to leave."""
        ...

    def get_by_member(self, member_id: str) -> list[WaitlistEntry]:
        """Every waitlist entry of the member, in order of joining."""
        ...

    def add(self, entry: WaitlistEntry) -> None: ...

    def save(self, entry: WaitlistEntry) -> None:
        """Store what changed on an entry already waiting (the skips she was told of)."""
        ...

    def remove(self, entry: WaitlistEntry) -> None: ...

    def class_ids_with_room_and_waiting(self, now: datetime) -> list[str]:
        """Upcoming, not cancelled classes with a free spot and somebody waiting."""
        ...

    def class_ids_started_with_waiting(self, now: datetime) -> list[str]:
        """Classes that started at or before `now` with somebody still on their waitlist."""
        ...


class WaitlistOfferRepository(Protocol):
    def add(self, offer: WaitlistOffer) -> None:
        """Store a new offer; a second open one to a member for one class is refused by the
        database."""
        ...

    def get_by_id(self, offer_id: str, *, for_update: bool = False) -> WaitlistOffer:
        """The offer; `OfferNotFoundException` for an unknown id."""
        ...

    def save(self, offer: WaitlistOffer) -> None:
        """Store its answer or expiry."""
        ...

    def ids_run_out(self, now: datetime) -> list[str]:
        """The offers still open whose time ran out by `now`, soonest first."""
        ...


class RegisteredEmails(Protocol):
    """Which e-mail addresses are taken: a new member may not share one with anybody."""

    def is_registered(self, email: Email) -> bool:
        """Whether `email` is already used, compared without regard to case."""
        ...


class PersonalData(Protocol):
    """What is kept about a member outside the entities (her login, her in-app notices, the
    event log's payloads), for erasing her."""

    def erase(self, member: Member) -> None:
        """Delete or scrub it, inside the erasure's transaction. `member` still has her name
        and e-mail, so what mentions them can be found."""
        ...


class ClassSeriesRepository(Protocol):
    def get_by_id(self, series_id: str, *, for_update: bool = False) -> ClassSeries:
        """The series; `SeriesNotFoundException` for an unknown id."""
        ...

    def running_ids(self, today: date) -> list[str]:
        """Ids of the series whose last date (if any) is not before `today`, in id order."""
        ...

    def save(self, series: ClassSeries) -> None: ...

    def name_of(self, series_id: str) -> str:
        """The stored name of the series, even when its other details no longer make one."""
        ...

    def closures_of(self, series_id: str, first: date, last: date) -> tuple[Closure, ...]:
        """The closures of the series' location with a day from `first` to `last`."""
        ...


@dataclass(frozen=True)
class SeriesSession:
    """A session generated from a series, as the series sees it: its details and who is on
    it."""

    class_id: str
    starts_at: datetime
    name: str = ""
    description: str = ""
    instructor: str = ""
    location: str = ""
    capacity: int = 1
    cancelled: bool = False
    confirmed: int = 0  # confirmed bookings
    bookings: int = 0  # booking rows of any status: somebody has (or had) a spot
    waiting: int = 0

    @property
    def has_bookings(self) -> bool:
        """Whether anybody has booked this session (even if they cancelled) or waits for it."""
        return bool(self.bookings or self.waiting)

    def differences_from(self, series: ClassSeries) -> tuple[tuple[str, object, object], ...]:
        """(field, session's value, series' value) for each detail the two differ in."""
        return tuple(
            (name, getattr(self, name), getattr(series, name))
            for name in DETAIL_FIELDS
            if getattr(self, name) != getattr(series, name)
        )


class SeriesSessionRepository(Protocol):
    def starts_of(self, series_id: str) -> list[datetime]:
        """When every session of the series starts, cancelled ones and past ones included."""
        ...

    def scheduled_dates(self, series_id: str) -> list[date]:
        """Every local date the series ever generated a session for (its occurrences), also
        those whose session staff moved to another day or deleted."""
        ...

    def series_of(self, class_id: str) -> str | None:
        """The series the class was generated from; None for a class added on its own."""
        ...

    def upcoming(
        self, series_id: str, after: datetime, *, for_update: bool = False
    ) -> list[SeriesSession]:
        """The series' sessions starting after `after`, in order of start (then id).

        With `for_update` their class rows are locked (in primary-key order) before their
        bookings are counted, so the counts cannot change until the transaction ends.
        """
        ...

    def add(self, series_id: str, session: FitnessClass, *, on: date) -> bool:
        """Store a new session of the series and remember its local date `on` (the
        occurrence). False, and nothing stored, when the series already has a session
        starting at that moment or has had one on that date."""
        ...

    def remove(self, class_id: str) -> bool:
        """Delete a session nobody has booked or waited for, and forget its date (the series
        dropped it); False (and it stays) otherwise."""
        ...


class NoticeKind(StrEnum):
    BOOKING_CONFIRMED = "booking_confirmed"
    BOOKING_CANCELLED = "booking_cancelled"
    PROMOTED_FROM_WAITLIST = "promoted_from_waitlist"
    CLASS_CANCELLED = "class_cancelled"
    CLASS_REMINDER = "class_reminder"
    SKIPPED_ON_WAITLIST = "skipped_on_waitlist"
    FEE_OWED = "fee_owed"
    FEE_CHARGED = "fee_charged"


@dataclass(frozen=True)
class Notice:
    """What a member is told, whatever the channel (e-mail now, in-app later). `booking_id`
    names the booking a notice is about, so that it can be checked when it is delivered."""

    kind: NoticeKind
    member_id: str
    class_id: str
    reason: str | None = None
    refunded: bool = False
    # A promotion: until when cancelling refunds, and whether that is a grace period granted
    # because she was promoted inside the cancellation window.
    refundable_until: datetime | None = None
    grace: bool = False
    booking_id: str | None = None
    # What paid for the booking, read at delivery: her membership, not a credit; and whether
    # a cancellation was late (it still counts against the plan's allowance).
    by_membership: bool = False
    late: bool = False


class NotificationService(Protocol):
    def send(self, notice: Notice, member: Member, fitness_class: FitnessClass) -> None: ...
