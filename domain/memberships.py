"""Memberships: a plan a member pays for every billing period, and what it entitles her to —
classes without spending credits, within an allowance, booked from further ahead.

A membership keeps the plan's terms as they were when it started (`MembershipPlan`), so a
plan changed later never changes what a member signed up to. Its period runs from
`period_start` (included) to `period_end` (excluded). A freeze is whole days on the gym's
clock, both ends included: nothing is booked on the membership during it, and the period end
moves on by the frozen days, so the fee paid covers as many days as before.

Allowances count the classes starting in one ISO week (Monday to Sunday) or one calendar
month on the class's location clock.
"""

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum

from domain.exceptions import (
    InvalidFreezeException,
    InvalidMembershipPlanException,
    MembershipBilledOnlineException,
    MembershipEndedException,
    MembershipNotCancellableException,
    PlanNotOnSaleException,
)
from domain.sales import HUNDRED, Money
from domain.values import BookingPolicy, is_positive_int, new_id

# Sanity limits: beyond them a number is a typo, not a gym's wish.
MAX_ALLOWANCE = 1000
MAX_EXTRA_WINDOW_DAYS = 365


class BillingPeriod(StrEnum):
    MONTHLY = "monthly"
    YEARLY = "yearly"

    @property
    def label(self) -> str:
        return {"monthly": "Monthly", "yearly": "Yearly"}[self.value]

    def after(self, start: datetime) -> datetime:
        """The same moment one period later (the 31st of a short month is its last day)."""
        return _add_months(start, 1 if self is BillingPeriod.MONTHLY else 12)


class AllowancePeriod(StrEnum):
    WEEK = "week"
    MONTH = "month"

    def window(self, moment: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
        """The ISO week or calendar month holding `moment` on the clock `zone`, as its start
        (included) and end (excluded)."""
        day = moment.astimezone(zone).date()
        if self is AllowancePeriod.WEEK:
            first = day - timedelta(days=day.weekday())
            last = first + timedelta(days=7)
        else:
            first = day.replace(day=1)
            last = _add_months_to_date(first, 1)
        return _midnight(first, zone), _midnight(last, zone)


@dataclass(frozen=True)
class Allowance:
    """How many classes a plan includes: unlimited (`classes` None), or N per week or month."""

    classes: int | None = None
    per: AllowancePeriod | None = None

    def __post_init__(self) -> None:
        unlimited = self.classes is None and self.per is None
        limited = is_positive_int(self.classes, MAX_ALLOWANCE) and self.per is not None
        if not (unlimited or limited):
            raise InvalidMembershipPlanException()

    @property
    def is_unlimited(self) -> bool:
        return self.classes is None

    def has_room(self, used: int) -> bool:
        """Whether one more class fits, `used` being those counted in its week or month."""
        return self.classes is None or used < self.classes

    def __str__(self) -> str:
        if self.classes is None:
            return "Unlimited classes"
        return f"{self.classes} class{'es' if self.classes != 1 else ''} a {self.per}"


@dataclass(frozen=True)
class MembershipPlan:
    """What staff sell: a tax-inclusive price every billing period, an allowance, and the
    days earlier than the location's booking window its members may book. The fees are for
    a late cancellation and a no-show (None: none), in the price's currency."""

    plan_id: str
    name: str
    price: Money
    tax_rate: Decimal
    billing_period: BillingPeriod
    allowance: Allowance
    extra_booking_window_days: int = 0
    on_sale: bool = True
    late_cancel_fee: Money | None = None
    no_show_fee: Money | None = None

    def __post_init__(self) -> None:
        fees = [fee for fee in (self.late_cancel_fee, self.no_show_fee) if fee is not None]
        if (
            not self.name.strip()
            or not isinstance(self.price, Money)
            or not isinstance(self.tax_rate, Decimal)
            or not Decimal(0) <= self.tax_rate <= HUNDRED
            or not isinstance(self.allowance, Allowance)
            or not (
                self.extra_booking_window_days == 0
                or is_positive_int(self.extra_booking_window_days, MAX_EXTRA_WINDOW_DAYS)
            )
            or any(
                not isinstance(fee, Money) or fee.currency != self.price.currency for fee in fees
            )
        ):
            raise InvalidMembershipPlanException()
        object.__setattr__(self, "billing_period", BillingPeriod(self.billing_period))

    @property
    def tax(self) -> Money:
        """The tax inside the price."""
        return self.price.tax_included(self.tax_rate)

    def ensure_sellable(self) -> None:
        if not self.on_sale:
            raise PlanNotOnSaleException()


@dataclass(frozen=True)
class Freeze:
    """A hold from `starts_on` to `ends_on`, both days included."""

    starts_on: date
    ends_on: date

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def holds(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class MembershipStatus(StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"
    CANCELLING = "cancelled_at_period_end"
    ENDED = "ended"

    @property
    def label(self) -> str:
        return {
            "active": "Active",
            "frozen": "Frozen",
            "cancelled_at_period_end": "Ends at the end of the period",
            "ended": "Ended",
        }[self.value]


class CoverState(StrEnum):
    """What a membership says about paying for one class."""

    PAYS = "pays"
    FROZEN = "frozen"
    USED_UP = "used_up"


@dataclass(frozen=True)
class Cover:
    """A membership's answer for one class: it pays, it is frozen that day (`freeze`), or
    the class's week or month has used up the allowance."""

    state: CoverState
    allowance: Allowance
    freeze: Freeze | None = None

    @property
    def pays(self) -> bool:
        return self.state is CoverState.PAYS


@dataclass
class Membership:
    """A member's membership of a plan (its terms as they were at the start)."""

    membership_id: str
    member_id: str
    plan: MembershipPlan
    started_at: datetime
    period_start: datetime
    period_end: datetime
    payment_method: str
    payment_reference: str
    freezes: list[Freeze] = field(default_factory=list)
    cancel_at_period_end: bool = False
    ended_at: datetime | None = None
    # Every payment applied to it (the start's and each renewal's): a renewal is once each.
    payment_references: list[str] = field(default_factory=list)
    external_subscription_id: str = ""
    # When the payment of its next period last failed, until a renewal is paid.
    renewal_failed_at: datetime | None = None

    @classmethod
    def start(
        cls, member_id: str, plan: MembershipPlan, *, method: str, reference: str, now: datetime
    ) -> "Membership":
        """A membership of an on-sale `plan` whose first period, paid (`reference`), starts
        `now`."""
        plan.ensure_sellable()
        return cls(
            membership_id=new_id(),
            member_id=member_id,
            plan=plan,
            started_at=now,
            period_start=now,
            period_end=plan.billing_period.after(now),
            payment_method=method,
            payment_reference=reference,
            payment_references=[reference],
        )

    @property
    def is_live(self) -> bool:
        return self.ended_at is None

    def status_on(self, today: date) -> MembershipStatus:
        if not self.is_live:
            return MembershipStatus.ENDED
        if self.freeze_on(today) is not None:
            return MembershipStatus.FROZEN
        if self.cancel_at_period_end:
            return MembershipStatus.CANCELLING
        return MembershipStatus.ACTIVE

    def freeze_on(self, day: date) -> Freeze | None:
        return next((freeze for freeze in self.freezes if freeze.holds(day)), None)

    def covers(self, starts_at: datetime) -> bool:
        """Whether a class starting then falls in the live membership's current period."""
        return self.is_live and self.period_start <= starts_at < self.period_end

    def cover(self, starts_at: datetime, zone: tzinfo, *, used: int) -> Cover | None:
        """What the membership says about a class starting at `starts_at` (on the clock
        `zone`), `used` being the classes it paid for in that week or month; None when the
        class is outside its period."""
        if not self.covers(starts_at):
            return None
        allowance = self.plan.allowance
        freeze = self.freeze_on(starts_at.astimezone(zone).date())
        if freeze is not None:
            return Cover(CoverState.FROZEN, allowance, freeze)
        if not allowance.has_room(used):
            return Cover(CoverState.USED_UP, allowance)
        return Cover(CoverState.PAYS, allowance)

    def allowance_window(self, starts_at: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
        """The week or month whose classes count against a class starting at `starts_at`."""
        per = self.plan.allowance.per or AllowancePeriod.MONTH
        return per.window(starts_at, zone)

    def cover_counting(
        self, starts_at: datetime, zone: tzinfo, count_paid: Callable[[datetime, datetime], int]
    ) -> Cover | None:
        """`cover`, the classes it paid for counted by `count_paid(since, until)` over the
        class's week or month — asked only of a limited plan whose period holds the class."""
        if not self.covers(starts_at):
            return None
        used = 0
        if not self.plan.allowance.is_unlimited:
            used = count_paid(*self.allowance_window(starts_at, zone))
        return self.cover(starts_at, zone, used=used)

    def booking_policy(self, policy: BookingPolicy) -> BookingPolicy:
        """`policy` (the class's location's) with its booking window opened earlier by the
        plan's extra days, for a live membership."""
        extra = self.plan.extra_booking_window_days
        if not self.is_live or not extra or policy.booking_opens_before is None:
            return policy
        return replace(policy, booking_opens_before=policy.booking_opens_before + timedelta(extra))

    def renew(self, reference: str, *, now: datetime) -> bool:
        """The next period was paid (`reference`): it moves on by one billing period. False,
        and nothing changed, when that payment was applied already (a replay)."""
        self._ensure_live()
        if reference in self.payment_references:
            return False
        if self.cancel_at_period_end:
            raise MembershipNotCancellableException(
                "This membership ends at the end of its period: undo that to renew it."
            )
        self.period_start = self.period_end
        self.period_end = self.plan.billing_period.after(self.period_end)
        self.payment_references.append(reference)
        self.payment_reference = reference
        self.renewal_failed_at = None
        return True

    def record_renewal_failure(self, *, now: datetime) -> None:
        """The next period's payment failed: it stays until its period end, then lapses
        unless a renewal is paid meanwhile."""
        self._ensure_live()
        self.renewal_failed_at = now

    def ensure_renewable_at_desk(self) -> None:
        """A membership billed by an online subscription renews only when its invoice is
        paid: money taken at the desk as well would pay for the same period twice."""
        self._ensure_live()
        if self.external_subscription_id:
            raise MembershipBilledOnlineException()

    def freeze(self, starts_on: date, ends_on: date, *, today: date, max_days: int) -> Freeze:
        """Hold the membership from `starts_on` to `ends_on`: not in the past, at most
        `max_days` long, inside the current period, one hold at a time. Its period end moves
        on by the frozen days."""
        self._ensure_live()
        hold = Freeze(starts_on, ends_on)
        if starts_on < today or ends_on < starts_on:
            raise InvalidFreezeException(
                "A freeze starts today or later and ends on or after its first day."
            )
        if hold.days > max_days:
            raise InvalidFreezeException(f"A freeze lasts at most {max_days} days.")
        if starts_on >= self.period_end.date():
            raise InvalidFreezeException(
                f"A freeze starts before the current period ends ({self.period_end:%d %B %Y})."
            )
        if self.current_or_next_freeze(today) is not None:
            raise InvalidFreezeException(
                "The membership already has a freeze; unfreeze it first to choose new dates."
            )
        self.freezes.append(hold)
        self.period_end += timedelta(days=hold.days)
        return hold

    def current_or_next_freeze(self, today: date) -> Freeze | None:
        return next((freeze for freeze in self.freezes if freeze.ends_on >= today), None)

    def unfreeze(self, *, today: date) -> int:
        """End the current or next freeze today: the days not used give the period end back
        (a freeze not begun goes altogether). Returns the days given back."""
        self._ensure_live()
        hold = self.current_or_next_freeze(today)
        if hold is None:
            raise InvalidFreezeException("The membership is not frozen.")
        self.freezes.remove(hold)
        if hold.starts_on < today:
            self.freezes.append(Freeze(hold.starts_on, today - timedelta(days=1)))
        given_back = (hold.ends_on - max(hold.starts_on, today)).days + 1
        self.period_end -= timedelta(days=given_back)
        return given_back

    def schedule_cancellation(self) -> None:
        """Stop at the end of the current period (nothing is refunded)."""
        self._ensure_live()
        if self.cancel_at_period_end:
            raise MembershipNotCancellableException(
                "The membership already ends at the end of its period."
            )
        self.cancel_at_period_end = True

    def undo_cancellation(self) -> None:
        self._ensure_live()
        if not self.cancel_at_period_end:
            raise MembershipNotCancellableException("The membership is not set to end.")
        self.cancel_at_period_end = False

    def has_lapsed(self, now: datetime) -> bool:
        """Its period is over and no renewal moved it on."""
        return self.is_live and now >= self.period_end

    def end(self, *, now: datetime) -> None:
        self._ensure_live()
        self.ended_at = now

    def _ensure_live(self) -> None:
        if not self.is_live:
            raise MembershipEndedException()


def _add_months_to_date(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _add_months(moment: datetime, months: int) -> datetime:
    return datetime.combine(_add_months_to_date(moment.date(), months), moment.timetz())


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)
