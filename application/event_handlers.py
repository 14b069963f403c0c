"""Event handlers: mini use cases triggered by events instead of by people."""

from collections.abc import Mapping
from dataclasses import dataclass, replace

from application.claims import fill_free_spots, lock_for_free_spots
from application.event_dispatcher import DeliveryQueue, InMemoryEventDispatcher
from application.ports import (
    ClassRepository,
    Clock,
    MemberRepository,
    Notice,
    NoticeKind,
    NotificationService,
)
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases import PolicyUseCase
from domain.eligibility import PROMOTION_NEEDS, Hindrance
from domain.entities import Booking, Waitlist
from domain.events import (
    BookingCancelled,
    BookingConfirmed,
    ClassSpotBecameAvailable,
    DomainEvent,
    MemberLeftWaitlist,
    MemberPromotedFromWaitlist,
    MemberRemindedOfClass,
    MemberSkippedOnWaitlist,
)
from domain.values import BookingPolicy, WaitlistExitReason


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
            locked = lock_for_free_spots(uow, fitness_class, waitlist, self.policy, now)
            return fill_free_spots(uow, fitness_class, waitlist, locked, self.policy, now)


def notice_for(event: DomainEvent) -> Notice | None:
    """What, if anything, the member concerned by `event` should be told."""
    match event:
        case BookingConfirmed():
            return Notice(NoticeKind.BOOKING_CONFIRMED, event.member_id, event.class_id)
        case BookingCancelled(with_class=True):
            return Notice(
                NoticeKind.CLASS_CANCELLED, event.member_id, event.class_id, event.reason, True
            )
        case BookingCancelled():
            return Notice(
                NoticeKind.BOOKING_CANCELLED,
                event.member_id,
                event.class_id,
                event.reason,
                event.refunded,
            )
        case MemberPromotedFromWaitlist():
            return Notice(
                NoticeKind.PROMOTED_FROM_WAITLIST,
                event.member_id,
                event.class_id,
                refundable_until=event.refundable_until,
                grace=event.grace,
            )
        case MemberLeftWaitlist(reason=WaitlistExitReason.CLASS_CANCELLED):
            return Notice(NoticeKind.CLASS_CANCELLED, event.member_id, event.class_id)
        case MemberRemindedOfClass():
            return Notice(NoticeKind.CLASS_REMINDER, event.member_id, event.class_id)
        case MemberSkippedOnWaitlist():
            needs = PROMOTION_NEEDS.get(Hindrance(event.reason), "")
            return Notice(NoticeKind.SKIPPED_ON_WAITLIST, event.member_id, event.class_id, needs)
    return None


@dataclass
class NotificationHandler:
    """Tells the member concerned: booking confirmed, cancelled, promoted, class cancelled."""

    members: MemberRepository
    classes: ClassRepository
    notifications: NotificationService

    def handle(self, event: DomainEvent) -> None:
        notice = notice_for(event)
        if notice is None:
            return
        member = self.members.get_by_id(notice.member_id)
        if member.is_erased:
            return  # nobody to tell: her erasure cancelled her bookings
        fitness_class = self.classes.get_by_id(notice.class_id)
        if notice.kind is NoticeKind.CLASS_CANCELLED:
            # Waiting members learn of it from MemberLeftWaitlist, which has no reason.
            notice = replace(notice, reason=fitness_class.cancellation_reason)
        self.notifications.send(notice, member, fitness_class)


NOTIFIED_EVENTS = (
    BookingConfirmed,
    BookingCancelled,
    MemberPromotedFromWaitlist,
    MemberLeftWaitlist,
    MemberRemindedOfClass,
    MemberSkippedOnWaitlist,
)


def setup_event_handlers(
    dispatcher: InMemoryEventDispatcher,
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    policy: BookingPolicy,
    members: MemberRepository,
    classes: ClassRepository,
    notification_channels: Mapping[str, NotificationService],
    channel_queues: Mapping[str, DeliveryQueue] | None = None,
) -> WaitlistPromotionHandler:
    """Wire which handler reacts to which event (the book's bootstrap); returns the
    promotion handler, which the periodic promotion calls directly too.

    Each notification channel (e-mail, in-app, …) is a handler of its own, so one channel
    failing neither undoes nor repeats another. Notices only read, so they take the plain
    repositories rather than a unit of work.

    The promotion is database work: the fast queue. So is a channel unless `channel_queues`
    names a slower queue for it (e-mail: `DeliveryQueue.MAIL`, which only workers run).
    """
    queues = channel_queues or {}
    promotion = WaitlistPromotionHandler(uow=uow, clock=clock, policy=policy)
    dispatcher.register(ClassSpotBecameAvailable, promotion.handle, queue=DeliveryQueue.FAST)
    for channel, service in notification_channels.items():
        notifier = NotificationHandler(members, classes, service)
        queue = queues.get(channel, DeliveryQueue.FAST)
        for event_type in NOTIFIED_EVENTS:
            dispatcher.register(
                event_type, notifier.handle, name=f"NotificationHandler.{channel}", queue=queue
            )
    return promotion
