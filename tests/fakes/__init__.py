"""The in-memory twins of every port, and a small gym built from them by the bootstrap.

`FakeGym` passes the twins to `application.bootstrap.bootstrap`, the function production
calls with the Django adapters, so the tests run the use cases wired exactly as the site runs
them (cosmicpython's `bootstrap_test_app`). `FakeTransactions` puts every repository back as
it was when a block raises, so a failed use case leaves nothing behind."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum

from application.bootstrap import Services, bootstrap
from application.event_dispatcher import InMemoryEventDispatcher, Subscription
from application.ports import Notice
from application.security import SecurityEventType
from application.unit_of_work import Repositories, UnitOfWork
from domain import events as domain_events
from domain.entities import Booking, FitnessClass, Member
from domain.events import DomainEvent, LateMembershipPaymentRefunded
from domain.locations import OpeningRules
from domain.values import EVERY_CLASS, BookingPolicy, CreditScope, LocationRules, new_id
from tests.fakes.fees import FakeCardOnFile, InMemoryFeePolicies, InMemoryFeeRepository
from tests.fakes.repositories import (
    ConstraintViolation,
    InMemoryBookingRepository,
    InMemoryClassRepository,
    InMemoryClassSeriesRepository,
    InMemoryMemberRepository,
    InMemoryRegisteredEmails,
    InMemorySeriesSessionRepository,
    InMemoryWaitlistOfferRepository,
    InMemoryWaitlistRepository,
)
from tests.fakes.sales import (
    InMemoryMembershipPaymentRepository,
    InMemoryMembershipPlanRepository,
    InMemoryProductRepository,
    InMemoryPurchaseRepository,
    RecordingCheckout,
    RecordingPayments,
    RecordingSubscriptions,
)

__all__ = [
    "DEFAULT_NOW",
    "EVENT_TYPES",
    "ConstraintViolation",
    "FakeClock",
    "FakeGym",
    "PromotionDelivery",
]

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


class RecordingNotificationService:
    """Keeps every notice it is asked to send as (notice, member_id, class_id)."""

    def __init__(self) -> None:
        self.sent: list[tuple[Notice, str, str]] = []

    def send(self, notice: Notice, member: Member, fitness_class: FitnessClass) -> None:
        self.sent.append((notice, member.id, fitness_class.id))

    def notices_to(self, member_id: str) -> list[Notice]:
        return [notice for notice, sent_to, _ in self.sent if sent_to == member_id]


class RecordingSecurityLog:
    """The `SecurityLog` port: keeps (event, its type's label) of each line written."""

    def __init__(self) -> None:
        self.lines: list[tuple[DomainEvent, str]] = []

    def write(self, event: DomainEvent, kind: SecurityEventType) -> None:
        self.lines.append((event, kind.label))


class RecordingPersonalData:
    """The `PersonalData` port: keeps (name, e-mail) of each member erased; `fail` makes it
    raise, as a store that cannot be scrubbed."""

    def __init__(self) -> None:
        self.erased: list[tuple[str, str]] = []
        self.fail = False

    def erase(self, member: Member) -> None:
        if self.fail:
            raise RuntimeError("the store of personal data failed")
        self.erased.append((member.name, str(member.email)))


class InMemoryOpeningHours:
    """Every location open at all times, but those a test gave rules (`rules[name]`)."""

    def __init__(self) -> None:
        self.rules: dict[str, OpeningRules] = {}

    def rules_at(self, location: str, since: date) -> OpeningRules:
        return self.rules.get(location) or OpeningRules(location=location)


class EventLogOfTheGym:
    """The late-refund port over the events the gym recorded (as the event log is read)."""

    def __init__(self, events: list[DomainEvent]) -> None:
        self._events = events

    def refund_of(self, invoice_id: str) -> str | None:
        return next(
            (
                event.refund_reference
                for event in self._events
                if isinstance(event, LateMembershipPaymentRefunded)
                and event.invoice_id == invoice_id
            ),
            None,
        )


class FakeTransactions:
    """`atomic()` restores the given repositories when its block raises (nesting works too)."""

    def __init__(self, *repositories) -> None:
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


PROMOTION_HANDLER = "WaitlistPromotionHandler.handle"


class PromotionDelivery(StrEnum):
    """How the promotion's delivery goes, as the durable dispatcher can make it go."""

    INLINE = "inline"  # right after the change, as in `inline` mode
    DELAYED = "delayed"  # held until `gym.deliver_promotions()`: a worker's poll
    FAILING = "failing"  # the handler raises; the change stands (the delivery is retried)
    LOST = "lost"  # never run: the process died after its commit


class FakeDispatcher(InMemoryEventDispatcher):
    """The book's dispatcher, with the promotion's delivery made to go as a test says."""

    def __init__(self, promotion: PromotionDelivery) -> None:
        super().__init__()
        self.promotion = promotion
        self.held: list[tuple[DomainEvent, Subscription]] = []
        self.failed: list[DomainEvent] = []

    def deliver(self, event: DomainEvent, subscription: Subscription) -> None:
        if subscription.name != PROMOTION_HANDLER or self.promotion is PromotionDelivery.INLINE:
            super().deliver(event, subscription)
        elif self.promotion is PromotionDelivery.DELAYED:
            self.held.append((event, subscription))
        elif self.promotion is PromotionDelivery.FAILING:
            self.failed.append(event)  # raised, rolled back, recorded for a retry

    def deliver_held(self) -> None:
        held, self.held = self.held, []
        for event, subscription in held:
            super().deliver(event, subscription)


class FakeGym:
    """Every port faked and handed to the bootstrap, plus setup helpers.

    `gym.events` lists every dispatched event in the order it was dispatched; every use case
    of `Services` is ready to call: `gym.book_class.execute(ana.id, spin.id)`.
    """

    def __init__(
        self,
        now: datetime = DEFAULT_NOW,
        policy: BookingPolicy | None = None,
        *,
        zone: tzinfo = UTC,
        welcome_credits: int = 0,
        promotion: PromotionDelivery = PromotionDelivery.INLINE,
    ) -> None:
        self.policy = policy or BookingPolicy()
        self.clock = FakeClock(now)
        self.members = InMemoryMemberRepository()
        self.bookings = InMemoryBookingRepository()
        self.classes = InMemoryClassRepository(self.bookings)
        self.bookings.classes = self.classes
        self.waitlist = InMemoryWaitlistRepository(self.classes)
        self.series = InMemoryClassSeriesRepository()
        self.sessions = InMemorySeriesSessionRepository(self.classes, self.bookings, self.waitlist)
        self.notifications = RecordingNotificationService()
        self.personal_data = RecordingPersonalData()
        self.security_log = RecordingSecurityLog()
        self.products = InMemoryProductRepository()
        self.purchases = InMemoryPurchaseRepository()
        self.membership_plans = InMemoryMembershipPlanRepository()
        self.membership_payments = InMemoryMembershipPaymentRepository()
        self.offers = InMemoryWaitlistOfferRepository()
        self.payments = RecordingPayments()
        self.checkout = RecordingCheckout()
        self.subscriptions = RecordingSubscriptions()
        self.fees = InMemoryFeeRepository()
        self.fee_policies = InMemoryFeePolicies(self.bookings)
        self.card = FakeCardOnFile()
        self.opening_hours = InMemoryOpeningHours()
        self.repositories = Repositories(
            members=self.members,
            classes=self.classes,
            bookings=self.bookings,
            waitlist=self.waitlist,
            series=self.series,
            sessions=self.sessions,
            emails=InMemoryRegisteredEmails(self.members),
            products=self.products,
            purchases=self.purchases,
            fees=self.fees,
            membership_plans=self.membership_plans,
            membership_payments=self.membership_payments,
            offers=self.offers,
        )
        self.transactions = FakeTransactions(
            self.members,
            self.classes,
            self.bookings,
            self.waitlist,
            self.series,
            self.sessions,
            self.purchases,
            self.fees,
            self.membership_payments,
            self.offers,
        )

        self.events: list[DomainEvent] = []
        self.dispatcher = FakeDispatcher(promotion)
        for event_type in EVENT_TYPES:  # first, so events are listed before handlers react
            self.dispatcher.register(event_type, self.events.append, name="recorder")

        self.services = bootstrap(
            repositories=self.repositories,
            transactions=self.transactions,
            dispatcher=self.dispatcher,
            clock=self.clock,
            notification_channels={"member": self.notifications},
            policy=self.policy,
            zone=zone,
            opening_hours=self.opening_hours,
            welcome_credits=welcome_credits,
            personal_data=[self.personal_data],
            security_log=self.security_log,
            payments=self.payments,
            online_checkout=self.checkout,
            subscriptions=self.subscriptions,
            fee_policies=self.fee_policies,
            card_on_file=self.card,
            late_refunds=EventLogOfTheGym(self.events),
        )
        for service in fields(Services):  # gym.book_class, gym.cancel_booking, …
            setattr(self, service.name, getattr(self.services, service.name))

    def deliver_promotions(self) -> None:
        """Run the promotion deliveries held back (`PromotionDelivery.DELAYED`)."""
        self.dispatcher.deliver_held()

    def uow(self) -> UnitOfWork:
        """A unit of work over the gym's twins, as the use cases open one."""
        return UnitOfWork(self.repositories, self.transactions, self.dispatcher)

    # --- setup ---------------------------------------------------------------------------

    def add_member(
        self,
        name: str,
        credits: int = 1,
        expiring_in_days: int = 30,
        scope: CreditScope = EVERY_CLASS,
    ) -> Member:
        """A member holding `credits` for the classes of `scope`."""
        slug = re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".")
        member = Member(new_id(), name, f"{slug}.{len(self.members.all())}@example.com")
        if credits:
            member.add_credits(
                credits, expiry_days=expiring_in_days, now=self.clock.now(), scope=scope
            )
        self.members.save(member)
        return self.members.get_by_id(member.id)

    def add_location(self, name: str, time_zone: str = "", **rules: object) -> str:
        """A location with its own booking `rules` (`LocationRules`' fields) and clock, whose
        classes `add_class(location=name)` adds; returns its name."""
        self.classes.location_rules[name] = LocationRules(**rules)
        self.classes.location_zones[name] = time_zone
        return name

    def add_class(
        self,
        name: str = "Spin",
        capacity: int = 10,
        starts_in: timedelta = timedelta(days=1),
        duration: timedelta = timedelta(hours=1),
        booked: int = 0,
        location: str = "",
    ) -> FitnessClass:
        """A class starting `starts_in` from now, with `booked` members who each paid a credit,
        at `location` (a name; see `add_location`)."""
        if booked > capacity:
            raise ValueError("cannot book more members than the capacity")
        now = self.clock.now()
        fitness_class = FitnessClass(
            new_id(),
            name,
            capacity,
            starts_at=now + starts_in,
            duration=duration,
            location=location,
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
