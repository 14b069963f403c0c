"""Event handlers: mini use cases triggered by events instead of by people."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from application.event_dispatcher import DeliveryQueue, InMemoryEventDispatcher
from application.notices import NOTIFIED_EVENTS, NotificationHandler
from application.ports import (
    BookingRepository,
    ClassRepository,
    Clock,
    MemberRepository,
    NotificationService,
)
from application.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.use_cases import PolicyUseCase, leave_overlapping_waitlists
from domain.entities import Booking, Member, Waitlist
from domain.events import ClassSpotBecameAvailable
from domain.values import BookingPolicy, WaitlistExitReason


@dataclass(kw_only=True)
class WaitlistPromotionHandler(PolicyUseCase):
    """Fills free spots from the waitlist with the first *eligible* members.

    Eligible: a spendable credit, no spot held in a class overlapping this one, booking not
    paused after no-shows, below the upcoming-bookings limit, and the class has not passed
    the promotion cut-off. Ineligible members keep their place. A promoted member leaves
    every waitlist whose class overlaps the one they got.
    """

    def handle(self, event: ClassSpotBecameAvailable) -> None:
        self.promote(event.class_id)

    def promote(self, class_id: str) -> list[Booking]:
        """Promote into every free spot of the class; return the new bookings."""
        with self.uow() as uow:
            fitness_class = uow.classes.get_by_id(class_id, for_update=True)
            now = self.clock.now()
            if not fitness_class.accepts_promotions(now, self.policy.promotion_cutoff):
                return []
            waitlist = Waitlist(fitness_class, uow.waitlist.get_by_class(class_id))
            candidates = self._lock_candidates(uow, waitlist, now)
            promoted: list[Booking] = []
            for entry in waitlist.entries:
                if fitness_class.is_full():
                    break
                member = candidates.get(entry.member_id)
                if member is None or member.credits_at(now) < 1 or not member.may_book(now):
                    continue
                if self._at_booking_limit(uow, member.id, now):
                    continue
                if uow.bookings.holds_spot_overlapping(member.id, fitness_class):
                    continue
                grant = member.deduct_credit(now=now)
                fitness_class.add_booking(member.id, now=now)
                booking = entry.promote(now=now, credit_grant_id=grant.grant_id)
                uow.members.save(member)
                uow.bookings.save(booking)
                uow.waitlist.remove(entry)
                leave_overlapping_waitlists(
                    uow, member.id, fitness_class, WaitlistExitReason.PROMOTED_ELSEWHERE, now
                )
                promoted.append(booking)
        return promoted

    def _at_booking_limit(self, uow: UnitOfWork, member_id: str, now: datetime) -> bool:
        limit = self.policy.max_upcoming_bookings
        return limit is not None and uow.bookings.count_upcoming_confirmed(member_id, now) >= limit

    def _lock_candidates(
        self, uow: UnitOfWork, waitlist: Waitlist, now: datetime
    ) -> dict[str, Member]:
        """The waiting members who hold a spendable credit, locked in primary-key order.

        Screening first keeps the lock set small; locking in key order (never in waitlist
        order) keeps two promotions on different classes from deadlocking. Credit is checked
        again by the caller on the locked copies.
        """
        waiting = [entry.member_id for entry in waitlist.entries]
        with_credit = [m.id for m in uow.members.get_by_ids(waiting) if m.credits_at(now) >= 1]
        if not with_credit:
            return {}
        return {m.id: m for m in uow.members.get_by_ids(with_credit, for_update=True)}


def setup_event_handlers(
    dispatcher: InMemoryEventDispatcher,
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    policy: BookingPolicy,
    members: MemberRepository,
    classes: ClassRepository,
    bookings: BookingRepository,
    notification_channels: Mapping[str, NotificationService],
    channel_queues: Mapping[str, DeliveryQueue] | None = None,
) -> WaitlistPromotionHandler:
    """Wire which handler reacts to which event (the book's bootstrap); returns the
    promotion handler, which the periodic promotion calls directly too.

    Each notification channel (e-mail, in-app, …) is a handler of its own, so one channel
    failing neither undoes nor repeats another. Notices only read (what they say is checked
    against the booking and class when delivered), so they take the plain repositories
    rather than a unit of work.

    The promotion is database work: the fast queue. So is a channel unless `channel_queues`
    names a slower queue for it (e-mail: `DeliveryQueue.MAIL`, which only workers run).
    """
    queues = channel_queues or {}
    promotion = WaitlistPromotionHandler(uow=uow, clock=clock, policy=policy)
    dispatcher.register(ClassSpotBecameAvailable, promotion.handle, queue=DeliveryQueue.FAST)
    for channel, service in notification_channels.items():
        notifier = NotificationHandler(
            members=members, classes=classes, bookings=bookings, clock=clock, notifications=service
        )
        queue = queues.get(channel, DeliveryQueue.FAST)
        for event_type in NOTIFIED_EVENTS:
            dispatcher.register(
                event_type, notifier.handle, name=f"NotificationHandler.{channel}", queue=queue
            )
    return promotion
