"""Waitlists: members waiting for a full class, in order of joining."""

from collections.abc import Iterable
from datetime import datetime

from domain import exceptions
from domain.entities.base import Entity
from domain.entities.bookings import Booking
from domain.entities.classes import FitnessClass
from domain.events import (
    MemberJoinedWaitlist,
    MemberLeftWaitlist,
    MemberPromotedFromWaitlist,
    MemberSkippedOnWaitlist,
)
from domain.values import (
    WaitlistExitReason,
    new_id,
)


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
        credit_grant_id: str | None = None,
        membership_id: str | None = None,
        refundable_until: datetime | None = None,
        grace: bool = False,
    ) -> Booking:
        """The member got a spot: a confirmed booking paid from `credit_grant_id` (or by the
        membership `membership_id`), which she may cancel with a refund until
        `refundable_until`; with `grace` (promoted inside the cancellation window) that holds
        whatever the window.

        Only `MemberPromotedFromWaitlist` is recorded (not also `BookingConfirmed`), so each
        fact is told once and the member hears “you're in” once.
        """
        booking = Booking(
            new_id(),
            self._member_id,
            self._class_id,
            created_at=now,
            credit_grant_id=credit_grant_id,
            membership_id=membership_id,
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
