"""Event handlers: mini use cases triggered by events instead of by people."""

from collections.abc import Mapping
from dataclasses import dataclass

from application.claims import fill_free_spots, lock_for_free_spots
from application.event_dispatcher import DeliveryQueue, InMemoryEventDispatcher
from application.notices import NOTIFIED_EVENTS, NotificationHandler
from application.ports import (
    BookingRepository,
    ClassRepository,
    Clock,
    MemberRepository,
    NotificationService,
)
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases import PolicyUseCase
from domain.entities import Booking, Waitlist
from domain.events import ClassSpotBecameAvailable
from domain.values import BookingPolicy


@dataclass(kw_only=True)
class WaitlistPromotionHandler(PolicyUseCase):
    """Fills free spots from the waitlist with the first *eligible* members.

    Eligible is `domain.eligibility`'s definition, shared with direct booking (see
    `application.claims`): a spendable credit, no spot held in a class overlapping this one,
    booking not paused after no-shows, below the upcoming-bookings limit, and the class has
    not passed the promotion cut-off. Ineligible members keep their place. A promoted member
    leaves every waitlist whose class overlaps the one they got.
    """

    def handle(self, event: ClassSpotBecameAvailable) -> None:
        self.promote(event.class_id)

    def promote(self, class_id: str) -> list[Booking]:
        """Promote into every free spot of the class; return the new bookings."""
        with self.uow() as uow:
            fitness_class = uow.classes.get_by_id(class_id, for_update=True)
            now = self.clock.now()
            waitlist = Waitlist(fitness_class, uow.waitlist.get_by_class(class_id))
            policy = self.policy_for(fitness_class)
            locked = lock_for_free_spots(uow, fitness_class, waitlist, policy, now)
            return fill_free_spots(uow, fitness_class, waitlist, locked, policy, now)


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
