"""Attendance: the front desk marks bookings, the end of a class settles the unmarked ones,
and enough no-shows pause a member's booking until staff lift it. Correcting a no-show (the
member did come) lifts a pause the remaining no-shows no longer justify."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from application.unit_of_work import UnitOfWork
from application.use_cases import PolicyUseCase, UseCase
from domain.entities import Booking, BookingStatus, FitnessClass


@dataclass(kw_only=True)
class _RecordsAttendance(PolicyUseCase):
    """What marking attendance shares between the front desk and the end-of-class settling.

    No-shows are a location's business: the location of the class missed decides (its limit
    and period, counting the member's no-shows there, and the length of the pause). The pause
    itself is the member's, at every location: she is the one who keeps not coming.
    """

    def _mark(
        self,
        uow: UnitOfWork,
        bookings: list[Booking],
        fitness_class: FitnessClass | None,
        attended: bool,
        now: datetime,
    ) -> None:
        """Mark each (locked) booking; enough new no-shows pause the member's booking, and a
        corrected no-show lifts a pause that no longer holds."""
        marked: dict[tuple[str, str], FitnessClass] = {}
        corrected: dict[tuple[str, str], FitnessClass] = {}
        for booking in bookings:
            held_in = fitness_class or uow.classes.get_by_id(booking.class_id)
            was_no_show = booking.status is BookingStatus.NO_SHOW
            if booking.record_attendance(attended, class_start_time=held_in.starts_at, now=now):
                uow.bookings.save(booking)
                key = (booking.member_id, held_in.location)
                marked[key] = held_in
                if was_no_show:
                    corrected[key] = held_in
        if attended:
            self._lift_pauses_no_longer_due(uow, corrected, now)
        else:
            self._pause_over_the_limit(uow, marked, now)

    def _pause_over_the_limit(
        self, uow: UnitOfWork, marked: dict[tuple[str, str], FitnessClass], now: datetime
    ) -> None:
        """Pause the members whose no-shows at a location reached its limit (locked in key
        order); over the limit at two locations, the longer pause holds."""
        pauses: dict[str, tuple[datetime, int]] = {}
        for (member_id, location), held_in in marked.items():
            policy = self.policy_for(held_in)
            if not policy.no_show_limit:
                continue
            since = now - policy.no_show_period
            count = uow.bookings.count_no_shows_since(member_id, since, location=location)
            if count >= policy.no_show_limit:
                pause = (now + policy.no_show_pause, count)
                pauses[member_id] = max(pauses.get(member_id, pause), pause)
        if not pauses:
            return
        for member in uow.members.get_by_ids(sorted(pauses), for_update=True):
            until, no_shows = pauses[member.id]
            member.pause_bookings(until=until, no_shows=no_shows, now=now)
            uow.members.save(member)

    def _lift_pauses_no_longer_due(
        self, uow: UnitOfWork, corrected: dict[tuple[str, str], FitnessClass], now: datetime
    ) -> None:
        """Members whose no-show was corrected: each paused one's no-shows at that class's
        location are counted again over the period that paused her (from the period before
        the pause began, by that location's rules); below its limit, the pause is lifted
        (`Member.reconsider_pause`). Locked in key order."""
        counted = {
            key: policy
            for key, held_in in sorted(corrected.items())
            if (policy := self.policy_for(held_in)).no_show_limit
        }
        if not counted:
            return
        members = uow.members.get_by_ids(sorted({m for m, _ in counted}), for_update=True)
        by_id = {member.id: member for member in members}
        for (member_id, location), policy in counted.items():
            member = by_id[member_id]
            if member.may_book(now) or member.bookings_paused_until is None:
                continue
            paused_at = member.bookings_paused_until - policy.no_show_pause
            no_shows = uow.bookings.count_no_shows_since(
                member.id, paused_at - policy.no_show_period, location=location
            )
            if member.reconsider_pause(no_shows=no_shows, limit=policy.no_show_limit, now=now):
                uow.members.save(member)


class RecordAttendanceUseCase(_RecordsAttendance):
    """The front desk marks bookings attended or no-show (one or many at once)."""

    def execute(self, booking_ids: Iterable[str], attended: bool) -> int:
        """Returns how many bookings were marked."""
        with self.uow() as uow:
            ids = sorted(set(booking_ids))
            bookings = [uow.bookings.get_by_id(booking_id, for_update=True) for booking_id in ids]
            self._mark(uow, bookings, None, attended, self.clock.now())
        return len(bookings)


class SettleClassUseCase(_RecordsAttendance):
    """After a class, bookings nobody marked get the gym's default outcome."""

    def execute(self, class_id: str, *, unmarked_attended: bool) -> int:
        """Returns how many bookings were settled (0 when already settled or not yet over)."""
        with self.uow() as uow:
            fitness_class = uow.classes.get_by_id(class_id)
            unmarked = uow.bookings.get_confirmed_by_class(class_id, for_update=True)
            now = self.clock.now()
            if now < fitness_class.ends_at:
                return 0  # outcomes are only settled once the class is over
            self._mark(uow, unmarked, fitness_class, unmarked_attended, now)
        return len(unmarked)


@dataclass(kw_only=True)
class ResumeBookingsUseCase(UseCase):
    """Staff lift a member's no-show pause."""

    def execute(self, member_id: str) -> None:
        with self.uow() as uow:
            member = uow.members.get_by_id(member_id, for_update=True)
            member.resume_bookings(now=self.clock.now())
            uow.members.save(member)
