"""Reads of classes with their counts, and what the schedule and the class page make of
their rows (the pages' own reads, as SQL written once, are `classes.day_reads` and
`classes.member_reads`).

Each function is one query, whatever the number of classes, bookings and waitlist entries:
counts are correlated subqueries.
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from bookings.models import Booking, WaitlistEntry
from classes.models import FitnessClass
from domain.eligibility import Standing
from domain.entities import SPOT_HOLDING_STATUSES
from domain.memberships import Membership
from domain.values import BookingPolicy, CreditScope
from members.models import CreditGrant


def count_of(rows: QuerySet) -> Coalesce:
    """How many of `rows` (filtered on an `OuterRef`) there are, as a subquery (0 when none)."""
    counted = rows.order_by().values("fitness_class").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def with_counts(classes: QuerySet[FitnessClass]) -> QuerySet[FitnessClass]:
    """`classes` annotated with `spots_taken` (confirmed bookings and
    those already marked attended or no-show) and `waiting_count`, in the same query."""
    return classes.annotate(
        spots_taken=count_of(
            Booking.objects.filter(fitness_class=OuterRef("pk"), status__in=SPOT_HOLDING_STATUSES)
        ),
        waiting_count=count_of(WaitlistEntry.objects.filter(fitness_class=OuterRef("pk"))),
    )


def classes_between(
    start: datetime, end: datetime, *, name: str = "", instructor: str = "", location: str = ""
) -> QuerySet[FitnessClass]:
    """Classes starting in [start, end), narrowed by the filters that are not empty, in order
    of start (then id). Lazy: evaluate it, or pass it on as a subquery."""
    classes = FitnessClass.objects.filter(starts_at__gte=start, starts_at__lt=end)
    classes = classes.select_related("location")  # shown with each class
    filters = {"name": name, "instructor": instructor, "location__name": location}
    classes = classes.filter(**{field: value for field, value in filters.items() if value})
    return classes.order_by("starts_at", "id")


@dataclass(frozen=True)
class FilterChoices:
    names: list[str]
    instructors: list[str]
    locations: list[str]


def filter_choices(
    rows: Iterable[tuple[str, str, str]], chosen: Mapping[str, str] | None = None
) -> FilterChoices:
    """The names, instructors and locations of classes (`rows` of the three), each distinct
    and sorted (`classes.day_reads.day_menu` reads them).

    Values in `chosen` (field → value) are offered too, so a filter carried to a week that
    has no such class still shows as chosen.
    """
    values: dict[str, set[str]] = {"name": set(), "instructor": set(), "location": set()}
    for name, instructor, location in rows:
        values["name"].add(name)
        values["instructor"].add(instructor)
        values["location"].add(location)
    for field, value in (chosen or {}).items():
        if value and field in values:
            values[field].add(value)

    def ordered(field: str) -> list[str]:
        return sorted(filter(None, values[field]), key=str.casefold)

    return FilterChoices(
        names=ordered("name"), instructors=ordered("instructor"), locations=ordered("location")
    )


@dataclass(frozen=True)
class MemberFacts:
    """What the rules ask about the member, read once for a page (`classes.member_reads`): her
    spendable grants, pause and upcoming bookings, and the spots she holds around the shown
    classes.

    A grant may pay only for some classes (`CreditScope`), so a class counts the credits of
    the grants whose scope covers it (`credits_for`), each row of the schedule its own: the
    rule is the domain's, applied to the member's few live grants read once. `credits` is
    the total she could spend anywhere, which only tells "none pays for this one" from "none".
    """

    grants: tuple[tuple[int, CreditScope], ...]  # (credits left, what they pay for)
    paused: bool
    upcoming_bookings: int
    spots: tuple[tuple[uuid.UUID, datetime, datetime], ...]  # (class id, starts, ends)
    membership: Membership | None = None
    # The starts of the classes her membership paid for around the shown ones.
    paid_starts: tuple[datetime, ...] = ()

    @property
    def credits(self) -> int:
        return sum(remaining for remaining, _ in self.grants)

    def credits_for(self, fitness_class: FitnessClass) -> int:
        """Her credits that pay for `fitness_class` (read with its location)."""
        name, location = fitness_class.name, fitness_class.location.name
        return sum(left for left, scope in self.grants if scope.covers(name, location))

    def policy_for(self, policy: BookingPolicy) -> BookingPolicy:
        """The class's location's `policy` as it applies to her (her plan's booking window)."""
        return policy if self.membership is None else self.membership.booking_policy(policy)

    def standing_for(self, fitness_class: FitnessClass) -> Standing:
        """Her standing for one class: overlapping as `holds_spot_overlapping` decides it
        (another live class sharing a moment; intervals are half-open), her membership's
        allowance counted on the class's location clock."""
        overlapping = any(
            class_id != fitness_class.pk
            and starts < fitness_class.ends_at
            and fitness_class.starts_at < ends
            for class_id, starts, ends in self.spots
        )
        cover = None
        if self.membership is not None:
            cover = self.membership.cover_counting(
                fitness_class.starts_at,
                ZoneInfo(fitness_class.location.time_zone),
                lambda since, until: sum(1 for s in self.paid_starts if since <= s < until),
            )
        return Standing(
            credits=self.credits_for(fitness_class),
            paused=self.paused,
            upcoming_bookings=self.upcoming_bookings,
            holds_overlapping_spot=overlapping,
            cover=cover,
        )


def spendable_credits(member_id: uuid.UUID, now: datetime) -> int:
    """Credits the member could spend at `now` (expired grants do not count), for any class
    (a limited grant's count too; a class's own count is `MemberFacts.credits_for`): one
    query."""
    total = CreditGrant.objects.filter(
        member_id=member_id, remaining__gt=0, expires_at__gt=now
    ).aggregate(total=Sum("remaining"))["total"]
    return total or 0
