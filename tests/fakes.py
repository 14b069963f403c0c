"""In-memory twins of the ports in application/ports.py, and a small gym built from them.

The repositories behave like the ORM adapters over their tables: they keep deep copies (an
entity never shares state with storage), never keep recorded events, raise the domain's
`*NotFoundException` for unknown ids and refuse what the database's constraints refuse.
`FakeTransactions` puts every repository back as it was when the block raises, so a failed
use case leaves nothing behind."""

import copy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

from application.event_dispatcher import InMemoryEventDispatcher
from application.event_handlers import WaitlistPromotionHandler, setup_event_handlers
from application.ports import Notice
from application.use_cases import (
    AddCreditsUseCase,
    BookClassUseCase,
    CancelBookingUseCase,
    CancelClassUseCase,
    ChangeClassCapacityUseCase,
    JoinWaitlistUseCase,
    LeaveWaitlistUseCase,
    StaffCancelBookingUseCase,
)
from domain import events as domain_events
from domain.entities import (
    SPOT_HOLDING_STATUSES,
    Booking,
    BookingStatus,
    Entity,
    FitnessClass,
    Member,
    WaitlistEntry,
)
from domain.events import DomainEvent
from domain.exceptions import (
    AlreadyBookedException,
    AlreadyOnWaitlistException,
    BookingNotFoundException,
    ClassNotFoundException,
    MemberNotFoundException,
    NotFoundException,
    WaitlistEntryNotFoundException,
)
from domain.values import BookingPolicy, new_id

DEFAULT_NOW = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)

EVENT_TYPES = tuple(
    value
    for value in vars(domain_events).values()
    if isinstance(value, type) and issubclass(value, DomainEvent) and value is not DomainEvent
)


class FakeClock:
    """A clock that stands still until told to move."""

    def __init__(self, now: datetime = DEFAULT_NOW) -> None:
        if now.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = now.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **timedelta_kwargs: float) -> datetime:
        self._now += timedelta(**timedelta_kwargs)
        return self._now


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

    def get_by_ids(self, member_ids: list[str], *, for_update: bool = False) -> list[Member]:
        return [self._read(member_id) for member_id in sorted(set(member_ids) & self._rows.keys())]

    def ids_with_unrecorded_expired_credits(self, now: datetime) -> list[str]:
        return [m.id for m in self.all() if any(g.has_unrecorded_expiry(now) for g in m.grants)]

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

    def holds_spot_overlapping(self, member_id: str, fitness_class: FitnessClass) -> bool:
        return any(
            self.classes.overlap(b.class_id, fitness_class)
            for b in self.all()
            if b.member_id == member_id and b.status in SPOT_HOLDING_STATUSES
        )

    def _class_of(self, booking: Booking) -> FitnessClass:
        return self.classes.get_by_id(booking.class_id)

    def count_upcoming_confirmed(self, member_id: str, now: datetime) -> int:
        return sum(
            1
            for b in self.all()
            if b.member_id == member_id and b.is_confirmed and self._class_of(b).starts_at > now
        )

    def count_no_shows_since(self, member_id: str, since: datetime) -> int:
        return sum(
            1
            for b in self.all()
            if b.member_id == member_id
            and b.status is BookingStatus.NO_SHOW
            and self._class_of(b).starts_at >= since
        )

    def ids_due_for_reminder(self, now: datetime, until: datetime) -> list[str]:
        return [
            b.id
            for b in self.all()
            if b.is_confirmed
            and b.reminded_at is None
            and not self._class_of(b).is_cancelled
            and now <= self._class_of(b).starts_at < until
        ]

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

    def overlap(self, class_id: str, fitness_class: FitnessClass) -> bool:
        """Whether `class_id` is another, non-cancelled class overlapping `fitness_class`."""
        other = self.get_by_id(class_id)
        return (
            other.id != fitness_class.id
            and not other.is_cancelled
            and other.overlaps(fitness_class.starts_at, fitness_class.ends_at)
        )


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

    def add(self, entry: WaitlistEntry) -> None:
        """A second entry of a member for a class is refused, as by the database."""
        if any(e.member_id == entry.member_id for e in self.get_by_class(entry.class_id)):
            raise AlreadyOnWaitlistException()
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


class RecordingNotificationService:
    """Keeps every notice it is asked to send as (notice, member_id, class_id)."""

    def __init__(self) -> None:
        self.sent: list[tuple[Notice, str, str]] = []

    def send(self, notice: Notice, member: Member, fitness_class: FitnessClass) -> None:
        self.sent.append((notice, member.id, fitness_class.id))

    def notices_to(self, member_id: str) -> list[Notice]:
        return [notice for notice, sent_to, _ in self.sent if sent_to == member_id]


class FakeTransactions:
    """`atomic()` restores the given repositories when its block raises (nesting works too)."""

    def __init__(self, *repositories: _Table) -> None:
        self._repositories = repositories

    @contextmanager
    def atomic(self) -> Iterator[None]:
        snapshots = [repository.snapshot() for repository in self._repositories]
        try:
            yield
        except BaseException:
            for repository, snapshot in zip(self._repositories, snapshots, strict=True):
                repository.restore(snapshot)
            raise


class FakeGym:
    """Every port faked and wired as the composition root wires it, plus setup helpers.

    `gym.events` lists every dispatched event in the order it was dispatched; the use cases
    are ready to call: `gym.book_class.execute(ana.id, spin.id)`.
    """

    def __init__(self, now: datetime = DEFAULT_NOW, policy: BookingPolicy | None = None) -> None:
        self.policy = policy or BookingPolicy()
        self.clock = FakeClock(now)
        self.members = InMemoryMemberRepository()
        self.bookings = InMemoryBookingRepository()
        self.classes = InMemoryClassRepository(self.bookings)
        self.bookings.classes = self.classes
        self.waitlist = InMemoryWaitlistRepository(self.classes)
        self.notifications = RecordingNotificationService()
        self.transactions = FakeTransactions(
            self.members, self.classes, self.bookings, self.waitlist
        )

        self.events: list[DomainEvent] = []
        self.dispatcher = InMemoryEventDispatcher()
        for event_type in EVENT_TYPES:  # first, so events are listed before handlers react
            self.dispatcher.register(event_type, self.events.append, name="recorder")

        self._ports = {
            "classes": self.classes,
            "members": self.members,
            "bookings": self.bookings,
            "waitlist": self.waitlist,
            "notification_channels": {"member": self.notifications},
            "dispatcher": self.dispatcher,
            "transactions": self.transactions,
            "clock": self.clock,
            "policy": self.policy,
        }
        setup_event_handlers(**self._ports)
        self.book_class = self._build(BookClassUseCase)
        self.cancel_booking = self._build(CancelBookingUseCase)
        self.staff_cancel_booking = self._build(StaffCancelBookingUseCase)
        self.cancel_class = self._build(CancelClassUseCase)
        self.join_waitlist = self._build(JoinWaitlistUseCase)
        self.leave_waitlist = self._build(LeaveWaitlistUseCase)
        self.add_credits = self._build(AddCreditsUseCase)
        self.change_capacity = self._build(ChangeClassCapacityUseCase)
        self.promotion = self._build(WaitlistPromotionHandler)  # to call it directly

    def _build(self, component: type) -> Any:
        """A use case or handler given the ports its fields ask for."""
        return component(**{field.name: self._ports[field.name] for field in fields(component)})

    # --- setup ---------------------------------------------------------------------------

    def add_member(self, name: str, credits: int = 1, expiring_in_days: int = 30) -> Member:
        slug = re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".")
        member = Member(new_id(), name, f"{slug}.{len(self.members.all())}@example.com")
        if credits:
            member.add_credits(credits, expiry_days=expiring_in_days, now=self.clock.now())
        self.members.save(member)
        return self.members.get_by_id(member.id)

    def add_class(
        self,
        name: str = "Spin",
        capacity: int = 10,
        starts_in: timedelta = timedelta(days=1),
        duration: timedelta = timedelta(hours=1),
        booked: int = 0,
    ) -> FitnessClass:
        """A class starting `starts_in` from now, with `booked` members who each paid a credit."""
        if booked > capacity:
            raise ValueError("cannot book more members than the capacity")
        now = self.clock.now()
        fitness_class = FitnessClass(
            new_id(), name, capacity, starts_at=now + starts_in, duration=duration
        )
        self.classes.save(fitness_class)
        for number in range(1, booked + 1):
            member = self.add_member(f"{name} regular {number}")
            grant = member.deduct_credit(now=now)
            self.members.save(member)
            self.bookings.save(
                Booking(
                    new_id(),
                    member.id,
                    fitness_class.id,
                    created_at=now,
                    credit_grant_id=grant.grant_id,
                )
            )
        return self.classes.get_by_id(fitness_class.id)

    def queue_up(self, fitness_class: FitnessClass, *members: Member) -> None:
        """Members join the class's waitlist one second apart, in the order given."""
        for member in members:
            self.join_waitlist.execute(member.id, fitness_class.id)
            self.clock.advance(seconds=1)

    def clear_history(self) -> None:
        """Forget the events and notices of the setup, so a test sees only its own."""
        self.events.clear()
        self.notifications.sent.clear()

    # --- reading the end state -----------------------------------------------------------

    def credits(self, member: Member) -> int:
        return self.members.get_by_id(member.id).credits_at(self.clock.now())

    def waiting(self, fitness_class: FitnessClass) -> list[str]:
        """Member ids on the class's waitlist, first in line first."""
        return [entry.member_id for entry in self.waitlist.get_by_class(fitness_class.id)]

    def booked(self, fitness_class: FitnessClass) -> frozenset[str]:
        return self.classes.get_by_id(fitness_class.id).booked_member_ids

    def events_of(self, event_type: type[DomainEvent]) -> list:
        return [event for event in self.events if isinstance(event, event_type)]
