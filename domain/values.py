"""Value objects and policies: small immutable things the entities are made of."""

import re
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import uuid4

from domain.exceptions import (
    BookingNotOpenException,
    InvalidCreditScopeException,
    InvalidEmailException,
)

if TYPE_CHECKING:
    from domain.entities import FitnessClass

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def new_id() -> str:
    """A fresh identifier; entities are named by opaque strings, as in the book."""
    return str(uuid4())


@dataclass(frozen=True)
class Email:
    """An e-mail address, validated and with its domain lower-cased."""

    value: str

    def __post_init__(self) -> None:
        value = self.value.strip() if isinstance(self.value, str) else ""
        if len(value) > 254 or not _EMAIL.match(value):
            raise InvalidEmailException(f"“{self.value}” is not a valid e-mail address.")
        local, domain = value.rsplit("@", 1)
        object.__setattr__(self, "value", f"{local}@{domain.lower()}")

    def __str__(self) -> str:
        return self.value


class LateCancellation(StrEnum):
    """What happens when a member cancels inside the cancellation window."""

    REFUSE = "refuse"  # as in the book: the booking stays
    FORFEIT = "forfeit"  # the spot is freed, the credit is not refunded


class CancellationCost(StrEnum):
    """What a member's cancellation does at a given moment."""

    REFUNDED = "refunded"  # outside the window: the credit comes back
    FORFEITED = "forfeited"  # inside the window, policy "forfeit": the spot goes, the credit too
    CLOSED = "closed"  # inside the window, policy "refuse": it cannot be cancelled
    STARTED = "started"  # the class has started: nothing can change


@dataclass(frozen=True)
class CancellationTerms:
    """What cancelling would do now, and how to say so to the member before they decide."""

    cost: CancellationCost
    window: timedelta
    time_left: timedelta

    @property
    def allowed(self) -> bool:
        return self.cost in (CancellationCost.REFUNDED, CancellationCost.FORFEITED)

    @property
    def message(self) -> str:
        match self.cost:
            case CancellationCost.REFUNDED:
                return "Your credit will be refunded."
            case CancellationCost.FORFEITED:
                return (
                    "Cancelling now is a late cancellation: the spot is freed but your credit "
                    "is not refunded."
                )
            case CancellationCost.CLOSED:
                return f"Cancellation closes {describe_duration(self.window)} before the start."
        return "This class has started."

    @property
    def needs_consent_to_book(self) -> bool:
        """Whether a member booking now must first accept that she cannot cancel for free."""
        return self.cost in (CancellationCost.CLOSED, CancellationCost.FORFEITED)

    @property
    def booking_warning(self) -> str:
        """What a member booking now is asked to accept."""
        starts = f"This class starts in {describe_duration(self.time_left)}"
        within = describe_duration(self.window)
        if self.cost is CancellationCost.FORFEITED:
            return (
                f"{starts}, and cancelling within {within} of the start does not refund the "
                "credit: if you book and then cancel, your credit is lost."
            )
        return (
            f"{starts}, and bookings can't be cancelled within {within} of the start: once "
            "you book, you cannot cancel."
        )

    @property
    def refusal(self) -> str:
        """Why a cancellation inside a refusing window is refused."""
        return (
            f"You can't cancel within {describe_duration(self.window)} of class start; "
            f"this class starts in {describe_duration(self.time_left)}."
        )


class PromotionInsideWindow(StrEnum):
    """Whether a waiting member is promoted inside the cancellation window, where she could
    not cancel (or only at the cost of her credit)."""

    NEVER = "never"  # nobody is promoted inside the window (the safer default)
    GRACE = "grace"  # promoted, and free to cancel for a grace period after the promotion


@dataclass(frozen=True)
class LocationRules:
    """A location's own booking rules, each overriding the chain's (`BookingPolicy.at`);
    None keeps the chain's default.

    Where the policy's None already means something, 0 says it here, as the settings do:
    `booking_opens_before` of 0 opens booking as soon as a class is listed, and
    `max_upcoming_bookings` of 0 sets no limit — so "as the chain" and "none" stay distinct.
    """

    cancellation_window: timedelta | None = None
    late_cancellation: LateCancellation | None = None
    refund_expiry_days: int | None = None
    promotion_cutoff: timedelta | None = None
    promotion_inside_window: PromotionInsideWindow | None = None
    promotion_grace: timedelta | None = None
    booking_opens_before: timedelta | None = None
    max_upcoming_bookings: int | None = None
    no_show_limit: int | None = None
    no_show_period: timedelta | None = None
    no_show_pause: timedelta | None = None
    reminder_lead: timedelta | None = None

    def overrides(self) -> dict[str, object]:
        """The policy's fields this location sets, with the policy's own meaning of each."""
        given = {f.name: getattr(self, f.name) for f in fields(self)}
        chosen = {name: value for name, value in given.items() if value is not None}
        if chosen.get("booking_opens_before") == timedelta(0):
            chosen["booking_opens_before"] = None
        if chosen.get("max_upcoming_bookings") == 0:
            chosen["max_upcoming_bookings"] = None
        return chosen


NO_LOCATION_RULES = LocationRules()


@dataclass(frozen=True)
class BookingPolicy:
    """The gym's configurable rules; the defaults are the book's. The settings give the
    chain's; a location may override each (`at`)."""

    cancellation_window: timedelta = timedelta(hours=2)
    late_cancellation: LateCancellation = LateCancellation.REFUSE
    refund_expiry_days: int = 30
    promotion_cutoff: timedelta = timedelta(0)
    # Members may book from this long before a class (None: as soon as it is scheduled).
    booking_opens_before: timedelta | None = None
    # At most this many upcoming confirmed bookings per member (None: no limit).
    max_upcoming_bookings: int | None = None
    # This many no-shows within `no_show_period` pause booking for `no_show_pause` (0: off).
    no_show_limit: int = 0
    no_show_period: timedelta = timedelta(days=30)
    no_show_pause: timedelta = timedelta(days=14)
    promotion_inside_window: PromotionInsideWindow = PromotionInsideWindow.NEVER
    promotion_grace: timedelta = timedelta(minutes=30)
    # A booked member is reminded of a class this long before it starts.
    reminder_lead: timedelta = timedelta(hours=24)
    # The clock on which the rules' messages name a moment: the installation's, and a class's
    # location's once `at` it.
    zone: tzinfo = UTC

    def at(self, rules: LocationRules, zone: tzinfo | None = None) -> "BookingPolicy":
        """This policy as a location keeps it: its own `rules` over these defaults, its
        moments named on its clock `zone` (None: this policy's)."""
        return replace(self, **rules.overrides(), zone=zone or self.zone)

    def booking_opens_at(self, class_start_time: datetime) -> datetime | None:
        """When members may start booking the class (None: as soon as it is scheduled)."""
        opens = self.booking_opens_before
        return None if opens is None else class_start_time - opens

    def booking_is_open(self, class_start_time: datetime, now: datetime) -> bool:
        opens_at = self.booking_opens_at(class_start_time)
        return opens_at is None or now >= opens_at

    def booking_opens_message(self, class_start_time: datetime) -> str:
        """“Booking opens on Tue 4 Mar at 18:00.”, in the gym's zone."""
        opens_at = self.booking_opens_at(class_start_time)
        if opens_at is None:
            return "Booking is open."
        local = opens_at.astimezone(self.zone)
        return f"Booking opens on {local:%a} {local.day} {local:%b} at {local:%H:%M}."

    def ensure_booking_open(self, class_start_time: datetime, now: datetime) -> None:
        """Refuse a member's booking made before the booking window opens."""
        if not self.booking_is_open(class_start_time, now):
            raise BookingNotOpenException(self.booking_opens_message(class_start_time))

    def refundable_after_promotion(
        self, class_start_time: datetime, now: datetime
    ) -> tuple[datetime, bool]:
        """Until when a member promoted at `now` may cancel with a refund, and whether that is
        a grace period inside the window (`GRACE`) rather than the window's own start."""
        window_opens = class_start_time - self.cancellation_window
        if now < window_opens or self.promotion_inside_window is not PromotionInsideWindow.GRACE:
            return window_opens, False
        return min(now + self.promotion_grace, class_start_time), True

    @property
    def promotion_closes_before(self) -> timedelta:
        """How long before the start promotions stop: the cut-off, and under `NEVER` the
        cancellation window too (a member promoted then could not cancel)."""
        if self.promotion_inside_window is PromotionInsideWindow.NEVER:
            return max(self.promotion_cutoff, self.cancellation_window)
        return self.promotion_cutoff

    def cancellation_terms(
        self, class_start_time: datetime, now: datetime, *, free_until: datetime | None = None
    ) -> CancellationTerms:
        """The one rule for what a member's cancellation costs at `now`; `free_until` is a
        promoted booking's grace period, inside which it is refunded whatever the window."""
        time_left = class_start_time - now
        if time_left <= timedelta(0):
            cost = CancellationCost.STARTED
        elif time_left >= self.cancellation_window or (free_until and now < free_until):
            cost = CancellationCost.REFUNDED
        elif self.late_cancellation is LateCancellation.FORFEIT:
            cost = CancellationCost.FORFEITED
        else:
            cost = CancellationCost.CLOSED
        return CancellationTerms(cost, self.cancellation_window, time_left)


DEFAULT_POLICY = BookingPolicy()


class WaitlistExitReason(StrEnum):
    """Why a member left a waitlist (kept in `MemberLeftWaitlist.reason`)."""

    LEFT = "left the waitlist"
    BOOKED = "booked the class directly"
    PROMOTED_ELSEWHERE = "promoted into an overlapping class"
    BOOKED_ELSEWHERE = "booked an overlapping class"
    CLASS_CANCELLED = "class cancelled"
    MEMBER_ERASED = "member's data erased"
    CLASS_STARTED = "class started"


def describe_duration(duration: timedelta) -> str:
    """“14 days”, “2 hours”, “1 hour 59 minutes”, “30 minutes”: whole minutes, rounded down,
    so a time left is never shown as more than it is."""
    total_minutes = max(int(duration.total_seconds() // 60), 0)
    if total_minutes and total_minutes % (24 * 60) == 0:
        return describe_count(total_minutes // (24 * 60), "day", "days")
    hours, minutes = divmod(total_minutes, 60)
    parts = [describe_count(hours, "hour", "hours")] if hours else []
    if minutes or not hours:
        parts.append(describe_count(minutes, "minute", "minutes"))
    return " ".join(parts)


def describe_count(count: int, singular: str, plural: str) -> str:
    """“1 day”, “3 days”: for the rules' own messages, which cannot use Django's `ngettext`
    (pages, admin, e-mails and commands use `web.formatting.count`)."""
    return f"{count} {singular if count == 1 else plural}"


def is_positive_int(value: object, at_most: int | None = None) -> bool:
    """A whole number above 0, and at most `at_most`: never a bool or a float (a form's or a
    command's typo, not a gym's wish)."""
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value > 0
        and (at_most is None or value <= at_most)
    )


# As long as a class's name may be.
MAX_CLASS_NAME_LENGTH = 120


@dataclass(frozen=True)
class CreditScope:
    """Which classes a credit pays for: those at one of `locations` and named one of
    `class_names` (names, matched case-insensitively); an empty part limits nothing, so the
    default scope pays for every class."""

    locations: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()

    @property
    def is_limited(self) -> bool:
        return bool(self.locations or self.class_names)

    def applies_to(self, fitness_class: "FitnessClass") -> bool:
        return self.covers(fitness_class.name, fitness_class.location)

    def covers(self, class_name: str, location: str) -> bool:
        """`applies_to` for a class known by its name and its location's, as a page reads it."""
        return _listed(location, self.locations) and _listed(class_name, self.class_names)

    def describe(self) -> str:
        """E.g. "for Yoga or Pilates at Old Town only"; "" when it limits nothing."""
        if not self.is_limited:
            return ""
        classes = f" {' or '.join(self.class_names)}" if self.class_names else " classes"
        places = f" at {' or '.join(self.locations)}" if self.locations else ""
        return f"for{classes}{places} only"


# The scope of a credit that pays for any class: every grant's but a limited pack's.
EVERY_CLASS = CreditScope()


def _listed(value: str, names: tuple[str, ...]) -> bool:
    return not names or value.strip().casefold() in {name.casefold() for name in names}


def parse_class_names(text: str) -> tuple[str, ...]:
    """The class names of "Yoga, Pilates" (case-insensitive duplicates dropped); () for an
    empty text (every class). Refused: an empty name between commas, or one too long."""
    if not text.strip():
        return ()
    names: dict[str, str] = {}
    for part in text.split(","):
        name = part.strip()
        if not name or len(name) > MAX_CLASS_NAME_LENGTH:
            raise InvalidCreditScopeException()
        names.setdefault(name.casefold(), name)
    return tuple(names.values())
