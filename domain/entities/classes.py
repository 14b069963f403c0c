"""A class on the schedule: its time, its capacity and the members holding its spots."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain import exceptions
from domain.entities.base import Entity
from domain.events import (
    ClassCancelled,
    ClassCapacityChanged,
    ClassDeleted,
    ClassDetailsChanged,
    ClassRescheduled,
    ClassScheduled,
    ClassSpotBecameAvailable,
)
from domain.locations import OpeningRules
from domain.values import (
    NO_LOCATION_RULES,
    BookingPolicy,
    LocationRules,
    is_positive_int,
    new_id,
)

MAX_CAPACITY = 1000
CAPACITY_RULE = f"The capacity must be a whole number from 1 to {MAX_CAPACITY}."


def is_valid_capacity(capacity: object) -> bool:
    return is_positive_int(capacity, MAX_CAPACITY)


def ensure_valid_capacity(capacity: object) -> None:
    """Refuse a capacity that is not a whole number from 1 to `MAX_CAPACITY`."""
    if not is_valid_capacity(capacity):
        raise exceptions.InvalidClassException(CAPACITY_RULE)


# --- Classes ---------------------------------------------------------------------------------

# What describes a class besides its time and capacity (`FitnessClass.change_details`).
DETAIL_NAMES = ("name", "description", "instructor", "location", "room")


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
        room: str = "",
        time_zone: str = "",
        rules: LocationRules = NO_LOCATION_RULES,
        booked_member_ids: Iterable[str] = (),
        cancelled_at: datetime | None = None,
        cancellation_reason: str = "",
    ) -> None:
        """`time_zone` is the IANA name of its location's clock, read with it, which its
        times are shown on ("" when not read: the installation's); `rules` are its
        location's own booking rules, read with it too. `room` is one of its location's
        rooms by name ("" for none): where in the location it is, which no rule depends on."""
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
        self.room = room
        self.time_zone = time_zone
        self.rules = rules
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
        room: str = "",
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
            room=room,
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

    def policy_from(self, default: BookingPolicy) -> BookingPolicy:
        """The chain's `default` policy as this class's location keeps it: its own rules,
        and its clock for the moments the rules' messages name."""
        zone = ZoneInfo(self.time_zone) if self.time_zone else None
        return default.at(self.rules, zone)

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

    def ensure_location_open(self, rules: OpeningRules) -> None:
        """Refuse the class's place and time unless its location is open then (`rules`:
        its location's hours and closures): checked when it is added, moved or relocated,
        never later, so opening rules made after it leave it where it is."""
        refusal = rules.refusal(self.starts_at, self.ends_at)
        if refusal is not None:
            raise exceptions.OutsideOpeningHoursException(refusal)

    def change_details(self, *, now: datetime, **details: str) -> tuple[str, ...]:
        """Rename the class, or change its description, instructor, location (relocate it)
        or room; the names of the fields that changed. Booked members keep their spots: these
        describe the class, they do not change when it is. A class relocated leaves its room
        (a room is its location's) unless it is given one there."""
        unknown = details.keys() - set(DETAIL_NAMES)
        if unknown:
            raise TypeError(f"not a detail of a class: {', '.join(sorted(unknown))}")
        given = {name: (value or "").strip() for name, value in details.items()}
        if "name" in given and not given["name"]:
            raise exceptions.InvalidClassException("Give the class a name.")
        if given.get("location", self.location) != self.location:
            given.setdefault("room", "")
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
                room=self.room,
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
