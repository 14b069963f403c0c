"""The unit of work: one transaction, the repositories it hands out, and the events of every
entity that passed through them.

A use case opens one (`with self.uow() as uow:`), loads and saves through `uow.members`,
`uow.classes`, … and lets the entities decide. When the block ends without an error, the
unit of work takes the events off every entity it has seen — loaded, added, saved or removed
through its repositories — puts them in the order in which they were recorded, dispatches them
and commits, all inside the transaction, so the event log is written with the change (see
"What is guaranteed" in the README). If the block raises, it rolls back and nothing is
dispatched. No use case lists the entities it touched.

The lock order (class, then booking, then member; several rows of one kind by primary key)
is taken by the repositories' `for_update=True`, as the use cases ask for it.
"""

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, fields
from functools import partial
from typing import Any, Self

from application.ports import (
    BookingRepository,
    ClassRepository,
    ClassSeriesRepository,
    EventDispatcher,
    MemberRepository,
    RegisteredEmails,
    SeriesSessionRepository,
    Transactions,
    WaitlistOfferRepository,
    WaitlistRepository,
)
from application.selling_ports import (
    FeeRepository,
    MembershipPaymentRepository,
    MembershipPlanRepository,
    ProductRepository,
    PurchaseRepository,
)
from domain.entities import Entity
from domain.events import DomainEvent


@dataclass(frozen=True)
class Repositories:
    """The adapters of every repository port; a unit of work hands them out tracked."""

    members: MemberRepository
    classes: ClassRepository
    bookings: BookingRepository
    waitlist: WaitlistRepository
    series: ClassSeriesRepository
    sessions: SeriesSessionRepository
    emails: RegisteredEmails
    products: ProductRepository
    purchases: PurchaseRepository
    fees: FeeRepository
    membership_plans: MembershipPlanRepository
    membership_payments: MembershipPaymentRepository
    offers: WaitlistOfferRepository


_REPOSITORY_NAMES = tuple(field.name for field in fields(Repositories))


class _Seen:
    """The entities a unit of work has seen, each once, and the events it was given about no
    entity."""

    def __init__(self) -> None:
        self._entities: dict[int, Entity] = {}
        self._loose_events: list[DomainEvent] = []

    def remember(self, value: object) -> None:
        values = value if isinstance(value, list | tuple) else (value,)
        for item in values:
            if isinstance(item, Entity):
                self._entities.setdefault(id(item), item)

    def record(self, event: DomainEvent) -> None:
        self._loose_events.append(event)

    def take_events(self) -> list[DomainEvent]:
        recorded = [
            pair for entity in self._entities.values() for pair in entity.take_domain_events()
        ]
        events = [event for _, event in sorted(recorded, key=lambda pair: pair[0])]
        events += self._loose_events
        self._loose_events = []
        return events


class _Tracked:
    """A repository as a unit of work hands it out: every entity it returns or is given is
    remembered. Whatever the repository offers, its twin offers, unchanged (each method
    wrapped once per unit of work, on first use)."""

    def __init__(self, repository: object, seen: _Seen) -> None:
        self._repository = repository
        self._seen = seen

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._repository, name)
        if not callable(attribute):
            return attribute
        remember = self._seen.remember

        def tracked(*args: Any, **kwargs: Any) -> Any:
            for argument in (*args, *kwargs.values()):
                remember(argument)
            result = attribute(*args, **kwargs)
            remember(result)
            return result

        tracked.__name__ = tracked.__qualname__ = name
        tracked.__doc__ = attribute.__doc__
        setattr(self, name, tracked)  # found before `__getattr__` from now on
        return tracked


class UnitOfWork:
    """One transaction: tracked repositories in, the seen entities' events out at commit."""

    members: MemberRepository
    classes: ClassRepository
    bookings: BookingRepository
    waitlist: WaitlistRepository
    series: ClassSeriesRepository
    sessions: SeriesSessionRepository
    emails: RegisteredEmails
    products: ProductRepository
    purchases: PurchaseRepository
    fees: FeeRepository
    membership_plans: MembershipPlanRepository
    membership_payments: MembershipPaymentRepository
    offers: WaitlistOfferRepository

    def __init__(
        self,
        repositories: Repositories,
        transactions: Transactions,
        dispatcher: EventDispatcher,
    ) -> None:
        self._transactions = transactions
        self._dispatcher = dispatcher
        self._seen = _Seen()
        self._stack: ExitStack | None = None
        for name in _REPOSITORY_NAMES:
            setattr(self, name, _Tracked(getattr(repositories, name), self._seen))

    def __enter__(self) -> Self:
        if self._stack is not None:
            raise RuntimeError("a unit of work is entered once; open a new one")
        self._stack = ExitStack()
        self._stack.enter_context(self._transactions.atomic())
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> bool:
        stack = self._stack
        assert stack is not None, "exited without being entered"
        if exc_type is not None:
            return stack.__exit__(exc_type, *exc_info)
        with stack:  # a failing dispatch rolls the transaction back, and is raised
            self._dispatcher.dispatch(self.collect_new_events())
        return False

    def record(self, event: DomainEvent) -> None:
        """An event about no entity (a request made of the gym), dispatched at commit after
        the entities' events."""
        self._seen.record(event)

    def collect_new_events(self) -> list[DomainEvent]:
        """The events recorded on every seen entity, in order of recording; cleared off them."""
        return self._seen.take_events()


type UnitOfWorkFactory = Callable[[], UnitOfWork]


def unit_of_work_factory(
    repositories: Repositories, transactions: Transactions, dispatcher: EventDispatcher
) -> UnitOfWorkFactory:
    """A fresh unit of work per use case call (so concurrent and nested calls never share)."""
    return partial(UnitOfWork, repositories, transactions, dispatcher)
