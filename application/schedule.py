"""Staff's changes to the schedule, one class at a time: adding a class, moving it, changing
what describes it, and deleting one added by mistake (resizing is `ChangeClassCapacityUseCase`,
cancelling `CancelClassUseCase`).

Each is decided by the `FitnessClass` entity under the class's row lock, the lock booking
takes, so no member can book a class between the check and the change. Each records its
event (`ClassScheduled`, `ClassRescheduled`, `ClassDetailsChanged`, `ClassDeleted`), stored
by the unit of work with the staff user who made the change (the event log's actor).

A class added, moved or relocated must fit its location's opening hours and closures
(`FitnessClass.ensure_location_open`); one kept where and when it was is never refused by
opening rules made after it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from application.ports import OpeningHours
from application.use_cases import UseCase
from domain.entities import FitnessClass
from domain.series import ensure_no_clash


@dataclass(kw_only=True)
class _WithinOpeningHours(UseCase):
    opening: OpeningHours

    def ensure_location_open(self, fitness_class: FitnessClass) -> None:
        """Closures are read from a day before its start: a moment may be up to a day off
        its location's date."""
        since = fitness_class.starts_at.date() - timedelta(days=1)
        fitness_class.ensure_location_open(self.opening.rules_at(fitness_class.location, since))


@dataclass(kw_only=True)
class ScheduleClassUseCase(_WithinOpeningHours):
    """Staff add a class on its own (not from a series)."""

    def execute(
        self,
        name: str,
        capacity: int,
        *,
        starts_at: datetime,
        ends_at: datetime,
        description: str = "",
        instructor: str = "",
        location: str = "",
        room: str = "",
    ) -> FitnessClass:
        with self.uow() as uow:
            fitness_class = FitnessClass.schedule(
                name,
                capacity,
                starts_at=starts_at,
                duration=ends_at - starts_at,
                now=self.clock.now(),
                description=description,
                instructor=instructor,
                location=location,
                room=room,
            )
            self.ensure_location_open(fitness_class)
            uow.classes.save(fitness_class)
        return fitness_class


@dataclass(kw_only=True)
class RescheduleClassUseCase(_WithinOpeningHours):
    """Staff move a class to another time: only one nobody holds a spot in or waits for (why:
    `FitnessClass.reschedule`). A session of a series cannot be moved onto another session
    of the same series (the database's unique constraint stays as the backstop)."""

    def execute(self, class_id: str, starts_at: datetime, ends_at: datetime) -> FitnessClass:
        with self.uow() as uow:
            fitness_class = uow.classes.get_by_id(class_id, for_update=True)
            now = self.clock.now()
            old_start = fitness_class.starts_at
            waiting = len(uow.waitlist.get_by_class(class_id))
            if fitness_class.reschedule(starts_at, ends_at - starts_at, now=now, waiting=waiting):
                self.ensure_location_open(fitness_class)
                series_id = uow.sessions.series_of(class_id)
                if series_id is not None and starts_at != old_start:
                    others = [s for s in uow.sessions.starts_of(series_id) if s != old_start]
                    ensure_no_clash(starts_at, others)
                uow.classes.save(fitness_class)
        return fitness_class


@dataclass(kw_only=True)
class ChangeClassDetailsUseCase(_WithinOpeningHours):
    """Staff rename a class or change its description, instructor, location or room."""

    def execute(self, class_id: str, **details: str) -> tuple[str, ...]:
        """The names of the fields that changed (none: nothing is saved or recorded)."""
        with self.uow() as uow:
            fitness_class = uow.classes.get_by_id(class_id, for_update=True)
            changed = fitness_class.change_details(now=self.clock.now(), **details)
            if "location" in changed:
                self.ensure_location_open(fitness_class)
            if changed:
                uow.classes.save(fitness_class)
        return changed


@dataclass(kw_only=True)
class DeleteClassUseCase(UseCase):
    """Staff delete a class added by mistake: one nobody holds a spot in, waits for or ever
    booked (any other is cancelled, which refunds and tells its members). A session of a
    series stays remembered by the series, so generating never creates it again."""

    def execute(self, class_id: str) -> None:
        with self.uow() as uow:
            fitness_class = self._deletable(uow, class_id)
            uow.classes.delete(fitness_class)

    def ensure_deletable(self, class_id: str) -> None:
        """Refuse as `execute` would, changing nothing: what the admin asks before it offers
        to delete (the answer can change until `execute` decides under the lock)."""
        with self.uow() as uow:
            fitness_class = self._deletable(uow, class_id)
            fitness_class.clear_domain_events()

    def _deletable(self, uow, class_id: str) -> FitnessClass:
        fitness_class = uow.classes.get_by_id(class_id, for_update=True)
        fitness_class.delete(
            now=self.clock.now(),
            waiting=len(uow.waitlist.get_by_class(class_id)),
            ever_booked=uow.classes.ever_booked(class_id),
            series_id=uow.sessions.series_of(class_id),
        )
        return fitness_class
