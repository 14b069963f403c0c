"""In-memory twins of the repository ports in application/ports.py.

They behave like the ORM adapters over their tables: they keep deep copies (an entity never
shares state with storage), never keep recorded events, raise the domain's
`*NotFoundException` for unknown ids and refuse what the database's constraints refuse. Each
can `snapshot` and `restore` itself, for `FakeTransactions`."""

import copy
from datetime import date, datetime, timedelta

from application.ports import SeriesSession, SpotsHeld
from domain.entities import (
    ALLOWANCE_STATUSES,
    SPOT_HOLDING_STATUSES,
    Booking,
    BookingStatus,
    Entity,
    FitnessClass,
    Member,
    WaitlistEntry,
)
from domain.exceptions import (
    AlreadyBookedException,
    AlreadyOnWaitlistException,
    BookingNotFoundException,
    ClassNotFoundException,
    MemberNotFoundException,
    NotFoundException,
    OfferNotFoundException,
    WaitlistEntryNotFoundException,
)
from domain.locations import Closure
from domain.series import ClassSeries, SeriesNotFoundException
from domain.values import NO_LOCATION_RULES, Email, LocationRules
from domain.waitlist_offers import OfferState, WaitlistOffer


class ConstraintViolation(Exception):
    """What the database would refuse: a broken constraint or a failed write."""


class _Table:
    """Rows by id, stored as deep copies; `snapshot`/`restore` serve FakeTransactions."""

    not_found: type[NotFoundException] = NotFoundException

    def __init__(self) -> None:
        self._rows: dict[str, Entity] = {}
        self.refuse_writes = False  # set to True to have every write fail, as a sick database

    def _write(self, row_id: str, entity: Entity) -> None:
        if self.refuse_writes:
            raise ConstraintViolation(f"the database refused to write {row_id}")
        stored = copy.deepcopy(entity)
        stored.clear_domain_events()  # events are dispatched, never stored
        self._rows[row_id] = stored

    def _delete(self, row_id: str) -> None:
        if self.refuse_writes:
            raise ConstraintViolation(f"the database refused to delete {row_id}")
        self._rows.pop(row_id, None)

    def _read(self, row_id: str) -> Entity:
        if row_id not in self._rows:
            raise self.not_found()
        return copy.deepcopy(self._rows[row_id])

    def all(self) -> list:
        return [copy.deepcopy(row) for _, row in sorted(self._rows.items())]

    def snapshot(self) -> dict[str, Entity]:
        return copy.deepcopy(self._rows)

    def restore(self, snapshot: dict[str, Entity]) -> None:
        self._rows = copy.deepcopy(snapshot)


class InMemoryMemberRepository(_Table):
    not_found = MemberNotFoundException

    def get_by_id(self, member_id: str, *, for_update: bool = False) -> Member:
        return self._read(member_id)

    def get_contact(self, member_id: str) -> Member:
        return self._read(member_id)

    def get_by_ids(self, member_ids: list[str], *, for_update: bool = False) -> list[Member]:
        return [self._read(member_id) for member_id in sorted(set(member_ids) & self._rows.keys())]

    def ids_with_unrecorded_expired_credits(self, now: datetime) -> list[str]:
        return [m.id for m in self.all() if any(g.has_unrecorded_expiry(now) for g in m.grants)]

    def ids_with_lapsed_memberships(self, now: datetime) -> list[str]:
        return [m.id for m in self.all() if m.membership and m.membership.has_lapsed(now)]

    def _read(self, row_id: str) -> Member:
        """As the ORM loads her: with her live membership only."""
        member = super()._read(row_id)
        if member.membership is not None and not member.membership.is_live:
            member.membership = None
        return member

    def save(self, member: Member) -> None:
        if any(not 0 <= grant.remaining <= grant.amount for grant in member.grants):
            raise ConstraintViolation("a credit grant's remaining credit is out of range")
        self._write(member.id, member)


class InMemoryBookingRepository(_Table):
    """Bookings; needs the class repository (`classes`) to tell which classes overlap."""

    not_found = BookingNotFoundException

    def __init__(self) -> None:
        super().__init__()
        self.classes: InMemoryClassRepository | None = None  # set once both exist

    def get_by_id(self, booking_id: str, *, for_update: bool = False) -> Booking:
        return self._read(booking_id)

    def get_confirmed_by_class(self, class_id: str, *, for_update: bool = False) -> list[Booking]:
        return [b for b in self.all() if b.class_id == class_id and b.is_confirmed]

    def get_active_by_class(self, class_id: str, *, for_update: bool = False) -> list[Booking]:
        return [
            b for b in self.all() if b.class_id == class_id and b.status in SPOT_HOLDING_STATUSES
        ]

    def get_upcoming_by_member(self, member_id: str, now: datetime) -> list[Booking]:
        return [
            b
            for b in self.all()
            if b.member_id == member_id
            and b.status in SPOT_HOLDING_STATUSES
            and not (fitness_class := self._class_of(b)).is_cancelled
            and fitness_class.starts_at > now
        ]

    def get_forfeited_by_class(self, class_id: str, *, for_update: bool = False) -> list[Booking]:
        return [
            b
            for b in self.all()
            if b.class_id == class_id
            and b.status is BookingStatus.LATE_CANCELLED
            and not b.refunded
            and b.membership_id is None
        ]

    def count_paid_by_membership(self, membership_id: str, since: datetime, until: datetime) -> int:
        return sum(
            1
            for b in self.all()
            if b.membership_id == membership_id
            and b.status in ALLOWANCE_STATUSES
            and since <= self._class_of(b).starts_at < until
        )

    def spots_held(self, member_id: str, fitness_class: FitnessClass, now: datetime) -> SpotsHeld:
        mine = [b for b in self.all() if b.member_id == member_id]
        return SpotsHeld(
            upcoming_confirmed=sum(
                1
                for b in mine
                if b.is_confirmed
                and (held_in := self._class_of(b)).starts_at > now
                and held_in.location == fitness_class.location
            ),
            overlapping=any(
                self.classes.overlap(b.class_id, fitness_class)
                for b in mine
                if b.status in SPOT_HOLDING_STATUSES
            ),
        )

    def _class_of(self, booking: Booking) -> FitnessClass:
        return self.classes.get_by_id(booking.class_id)

    def count_no_shows_since(self, member_id: str, since: datetime, *, location: str) -> int:
        return sum(
            1
            for b in self.all()
            if b.member_id == member_id
            and b.status is BookingStatus.NO_SHOW
            and (held_in := self._class_of(b)).starts_at >= since
            and held_in.location == location
        )

    def ids_due_for_reminder(self, now: datetime, lead: timedelta) -> list[str]:
        due = [
            (held_in.starts_at, b.id)
            for b in self.all()
            if b.is_confirmed
            and b.reminded_at is None
            and not (held_in := self._class_of(b)).is_cancelled
            and now <= held_in.starts_at < now + (held_in.rules.reminder_lead or lead)
        ]
        return [booking_id for _, booking_id in sorted(due)]

    def class_ids_to_settle(self, ended_before: datetime) -> list[str]:
        return sorted(
            {b.class_id for b in self.all() if b.is_confirmed}
            & {c.id for c in self.classes.all() if c.ends_at < ended_before}
        )

    def save(self, booking: Booking) -> None:
        """A second active booking of a member for a class is refused, as by the database."""
        if booking.status in SPOT_HOLDING_STATUSES and any(
            other.id != booking.id
            and other.status in SPOT_HOLDING_STATUSES
            and (other.member_id, other.class_id) == (booking.member_id, booking.class_id)
            for other in self.all()
        ):
            raise AlreadyBookedException()
        self._write(booking.id, booking)


class InMemoryClassRepository(_Table):
    """Classes; the booked members are the confirmed bookings, read on every load."""

    not_found = ClassNotFoundException

    def __init__(self, bookings: InMemoryBookingRepository) -> None:
        super().__init__()
        self._bookings = bookings
        # Each location's own rules and clock, by name, read with its classes as the ORM's
        # are (a location not named here keeps the chain's rules).
        self.location_rules: dict[str, LocationRules] = {}
        self.location_zones: dict[str, str] = {}

    def get_by_id(self, class_id: str, *, for_update: bool = False) -> FitnessClass:
        row: FitnessClass = self._read(class_id)
        return FitnessClass(
            row.id,
            row.name,
            row.capacity,
            starts_at=row.starts_at,
            duration=row.duration,
            description=row.description,
            instructor=row.instructor,
            location=row.location,
            time_zone=self.location_zones.get(row.location, row.time_zone),
            rules=self.location_rules.get(row.location, NO_LOCATION_RULES),
            booked_member_ids=[
                b.member_id
                for b in self._bookings.all()
                if b.class_id == row.id and b.status in SPOT_HOLDING_STATUSES
            ],
            cancelled_at=row.cancelled_at,
            cancellation_reason=row.cancellation_reason,
        )

    def save(self, fitness_class: FitnessClass) -> None:
        self._write(fitness_class.id, fitness_class)

    def ever_booked(self, class_id: str) -> bool:
        return any(booking.class_id == class_id for booking in self._bookings.all())

    def delete(self, fitness_class: FitnessClass) -> None:
        """Refused while a booking refers to the class, as the database's protection does."""
        if self.ever_booked(fitness_class.id):
            raise ConstraintViolation("a booking refers to the class")
        self._delete(fitness_class.id)

    def exists(self, class_id: str) -> bool:
        return class_id in self._rows

    def overlap(self, class_id: str, fitness_class: FitnessClass) -> bool:
        """Whether `class_id` is another, non-cancelled class overlapping `fitness_class`."""
        other = self.get_by_id(class_id)
        return (
            other.id != fitness_class.id
            and not other.is_cancelled
            and other.overlaps(fitness_class.starts_at, fitness_class.ends_at)
        )


class InMemoryWaitlistOfferRepository(_Table):
    """Refuses a second open offer to a member for one class, as the database does."""

    not_found = OfferNotFoundException

    def add(self, offer: WaitlistOffer) -> None:
        if any(
            (row.member_id, row.class_id) == (offer.member_id, offer.class_id)
            and row.state is OfferState.OPEN
            for row in self._rows.values()
        ):
            raise ConstraintViolation("one open offer per member and class")
        self._write(offer.id, offer)

    def get_by_id(self, offer_id: str, *, for_update: bool = False) -> WaitlistOffer:
        return self._read(offer_id)

    def save(self, offer: WaitlistOffer) -> None:
        self._write(offer.id, offer)

    def ids_run_out(self, now: datetime) -> list[str]:
        run_out = [row for row in self._rows.values() if row.has_run_out(now)]
        return [row.id for row in sorted(run_out, key=lambda row: (row.expires_at, row.id))]


class InMemoryWaitlistRepository(_Table):
    not_found = WaitlistEntryNotFoundException

    def __init__(self, classes: InMemoryClassRepository) -> None:
        super().__init__()
        self._classes = classes

    def _in_order(self) -> list[WaitlistEntry]:
        return sorted(self.all(), key=lambda entry: (entry.created_at, entry.id))

    def get_by_class(self, class_id: str) -> list[WaitlistEntry]:
        return [entry for entry in self._in_order() if entry.class_id == class_id]

    def get_overlapping_for_member(
        self, member_id: str, fitness_class: FitnessClass
    ) -> list[WaitlistEntry]:
        return [
            entry
            for entry in self._in_order()
            if entry.member_id == member_id and self._classes.overlap(entry.class_id, fitness_class)
        ]

    def get_by_class_and_overlapping_for_member(
        self, fitness_class: FitnessClass, member_id: str
    ) -> tuple[list[WaitlistEntry], list[WaitlistEntry]]:
        return (
            self.get_by_class(fitness_class.id),
            self.get_overlapping_for_member(member_id, fitness_class),
        )

    def get_by_member(self, member_id: str) -> list[WaitlistEntry]:
        return [entry for entry in self._in_order() if entry.member_id == member_id]

    def add(self, entry: WaitlistEntry) -> None:
        """A second entry of a member for a class is refused, as by the database."""
        if any(e.member_id == entry.member_id for e in self.get_by_class(entry.class_id)):
            raise AlreadyOnWaitlistException()
        self._write(entry.id, entry)

    def save(self, entry: WaitlistEntry) -> None:
        self._read(entry.id)
        self._write(entry.id, entry)

    def remove(self, entry: WaitlistEntry) -> None:
        """Delete the entry; one already gone is not an error (the outcome is the same)."""
        self._delete(entry.id)

    def class_ids_with_room_and_waiting(self, now: datetime) -> list[str]:
        waited_for = {entry.class_id for entry in self.all()}
        return [
            class_id
            for class_id in sorted(waited_for)
            if (c := self._classes.get_by_id(class_id)).starts_at > now
            and not c.is_cancelled
            and not c.is_full()
        ]

    def class_ids_started_with_waiting(self, now: datetime) -> list[str]:
        waited_for = {entry.class_id for entry in self.all()}
        return sorted(
            class_id
            for class_id in waited_for
            if self._classes.get_by_id(class_id).has_started(now)
        )


class InMemoryRegisteredEmails:
    """The `RegisteredEmails` port over the in-memory member repository."""

    def __init__(self, members: InMemoryMemberRepository) -> None:
        self._members = members

    def is_registered(self, email: Email) -> bool:
        address = str(email).casefold()
        return any(str(member.email).casefold() == address for member in self._members.all())


class InMemoryClassSeriesRepository(_Table):
    not_found = SeriesNotFoundException

    def __init__(self) -> None:
        super().__init__()
        self.closures: dict[str, tuple[Closure, ...]] = {}  # location name -> its closures

    def get_by_id(self, series_id: str, *, for_update: bool = False) -> ClassSeries:
        return self._read(series_id)

    def running_ids(self, today: date) -> list[str]:
        return [series.id for series in self.all() if not series.has_ended(today)]

    def save(self, series: ClassSeries) -> None:
        self._write(series.id, series)

    def name_of(self, series_id: str) -> str:
        return self._read(series_id).name

    def closures_of(self, series_id: str, first: date, last: date) -> tuple[Closure, ...]:
        """The closures tests put in `closures` (by location name) that reach the dates."""
        location = self._read(series_id).location
        return tuple(
            closure
            for closure in self.closures.get(location, ())
            if closure.first_day <= last and first <= closure.last_day
        )


class InMemorySeriesSessionRepository:
    """Which of the gym's classes came from which series. The classes themselves are in the
    class repository, their bookings and waitlists in theirs. Refuses a second session of a
    series at the same start, as the database's unique constraint does."""

    def __init__(
        self,
        classes: InMemoryClassRepository,
        bookings: InMemoryBookingRepository,
        waitlist: InMemoryWaitlistRepository,
    ) -> None:
        self._classes = classes
        self._bookings = bookings
        self._waitlist = waitlist
        self._series_of: dict[str, str] = {}  # class id -> series id
        # (series id, local date) -> the class generated for it, kept when the class is gone
        self._occurrences: dict[tuple[str, date], str] = {}
        # Starts that another run (another process) stores just before this one tries.
        self.taken_by_another_run: set[datetime] = set()

    def snapshot(self) -> tuple[dict[str, str], dict[tuple[str, date], str]]:
        return dict(self._series_of), dict(self._occurrences)

    def restore(self, snapshot: tuple[dict[str, str], dict[tuple[str, date], str]]) -> None:
        self._series_of, self._occurrences = dict(snapshot[0]), dict(snapshot[1])

    def sessions(self, series_id: str) -> list[FitnessClass]:
        """The series' sessions that still exist (a deleted class is no session)."""
        sessions = [
            self._classes.get_by_id(class_id)
            for class_id, owner in self._series_of.items()
            if owner == series_id and self._classes.exists(class_id)
        ]
        return sorted(sessions, key=lambda session: (session.starts_at, session.id))

    def scheduled_dates(self, series_id: str) -> list[date]:
        return sorted(day for owner, day in self._occurrences if owner == series_id)

    def series_of(self, class_id: str) -> str | None:
        return self._series_of.get(class_id) if self._classes.exists(class_id) else None

    def starts_of(self, series_id: str) -> list[datetime]:
        return [session.starts_at for session in self.sessions(series_id)]

    def upcoming(
        self, series_id: str, after: datetime, *, for_update: bool = False
    ) -> list[SeriesSession]:
        bookings = self._bookings.all()
        return [
            SeriesSession(
                class_id=session.id,
                starts_at=session.starts_at,
                name=session.name,
                description=session.description,
                instructor=session.instructor,
                location=session.location,
                capacity=session.capacity,
                cancelled=session.is_cancelled,
                confirmed=sum(
                    booking.class_id == session.id and booking.is_confirmed for booking in bookings
                ),
                bookings=sum(booking.class_id == session.id for booking in bookings),
                waiting=len(self._waitlist.get_by_class(session.id)),
            )
            for session in self.sessions(series_id)
            if session.starts_at > after
        ]

    def add(self, series_id: str, session: FitnessClass, *, on: date) -> bool:
        if session.starts_at in self.taken_by_another_run:
            self.taken_by_another_run.discard(session.starts_at)
            theirs = FitnessClass(
                "their-" + session.id, session.name, session.capacity, starts_at=session.starts_at
            )
            self.add(series_id, theirs, on=on)
        if session.starts_at in self.starts_of(series_id) or (series_id, on) in self._occurrences:
            return False
        self._classes.save(session)
        self._series_of[session.id] = series_id
        self._occurrences[(series_id, on)] = session.id
        return True

    def remove(self, class_id: str) -> bool:
        booked = any(booking.class_id == class_id for booking in self._bookings.all())
        if booked or self._waitlist.get_by_class(class_id):
            return False
        self._classes._delete(class_id)
        del self._series_of[class_id]
        self._occurrences = {
            key: generated for key, generated in self._occurrences.items() if generated != class_id
        }
        return True
