"""Erasing a member on request (the right to erasure).

Her personal data goes; what the gym must keep to stay consistent stays: the credit ledger,
her past bookings (rosters, reports and counts), and the event log's rows (their number,
types and ids), with her name, e-mail and typed words scrubbed from their payloads. Her
upcoming bookings are cancelled as staff cancel one (always refunded, the spot freed so the
waitlist promotes), so no class keeps a spot for somebody who is gone.

Her money records stay whole, as accounting and tax law require: purchases and their refunds,
fees, memberships, and her payment provider's customer id (a refund or a fee still owed is
settled through it). None of them holds her name or e-mail: they point at her member row,
which the erasure renames, and the receipts are written from them when sent, so a receipt
sent again names the placeholder. The reasons staff typed stay on the rows (the event log's
copies are scrubbed).

Exporting her data is a read, and reads are selectors at the edge (`members.data_export`).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from application.ports import PersonalData
from application.unit_of_work import UnitOfWork
from application.use_cases import PolicyUseCase, refund_credit
from domain.entities import SPOT_HOLDING_STATUSES
from domain.values import WaitlistExitReason

ERASURE_REASON = "Member's data erased"


@dataclass(frozen=True)
class Erasure:
    """What erasing a member did."""

    member_id: str
    already_erased: bool = False
    cancelled_bookings: int = 0
    left_waitlists: int = 0


@dataclass(kw_only=True)
class EraseMemberUseCase(PolicyUseCase):
    """Staff erase a member, in one transaction; a second erasure does nothing.

    Locks: the classes of her upcoming bookings and waitlist places (by id), then those
    bookings (by id), then the member, as every use case takes them. `personal_data` are the
    stores outside the entities, each handed the member before she is renamed.
    """

    personal_data: Sequence[PersonalData] = field(default_factory=tuple)

    def execute(self, member_id: str) -> Erasure:
        with self.uow() as uow:
            classes = {
                class_id: uow.classes.get_by_id(class_id, for_update=True)
                for class_id in sorted(self._class_ids(uow, member_id, self.clock.now()))
            }
            now = self.clock.now()
            # Read again under the class locks: nothing of these classes changes any more,
            # but a booking may still have been cancelled on its own before its lock.
            locked = [
                uow.bookings.get_by_id(booking.id, for_update=True)
                for booking in sorted(
                    uow.bookings.get_upcoming_by_member(member_id, now), key=lambda b: b.id
                )
            ]
            bookings = [booking for booking in locked if booking.status in SPOT_HOLDING_STATUSES]
            entries = uow.waitlist.get_by_member(member_id)
            member = uow.members.get_by_id(member_id, for_update=True)
            if member.is_erased:
                return Erasure(member_id, already_erased=True)
            for booking in bookings:
                fitness_class = classes.get(booking.class_id) or uow.classes.get_by_id(
                    booking.class_id, for_update=True
                )
                booking.cancel_by_staff(fitness_class.starts_at, ERASURE_REASON, now=now)
                fitness_class.remove_booking(member.id, booking.id, now=now)
                refund_credit(member, booking, fitness_class, self.policy_for(fitness_class), now)
                uow.bookings.save(booking)
            for entry in entries:
                entry.leave(WaitlistExitReason.MEMBER_ERASED, now=now)
                uow.waitlist.remove(entry)
            for store in self.personal_data:
                store.erase(member)
            member.erase(now=now)
            uow.members.save(member)
        return Erasure(member_id, cancelled_bookings=len(bookings), left_waitlists=len(entries))

    @staticmethod
    def _class_ids(uow: UnitOfWork, member_id: str, now: datetime) -> set[str]:
        """The classes she holds an upcoming spot in or waits for (read without a lock)."""
        booked = {
            booking.class_id for booking in uow.bookings.get_upcoming_by_member(member_id, now)
        }
        return booked | {entry.class_id for entry in uow.waitlist.get_by_member(member_id)}
