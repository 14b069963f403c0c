"""May this member take a spot in this class now, and if not, why: the one definition behind
booking, joining a waitlist, promotion and what the pages show before a member acts.

The facts about the member are gathered by the caller (the use cases through the unit of work,
the pages through their queries) into a `Standing`; the rules here only read them, so a page
never promises what a use case refuses.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain import exceptions
from domain.memberships import Cover, CoverState
from domain.values import BookingPolicy, describe_count, describe_duration


@dataclass(frozen=True)
class Standing:
    """What about a member decides whether she may take a spot in one class now."""

    credits: int
    paused: bool
    upcoming_bookings: int
    holds_overlapping_spot: bool
    # What her membership says about this class (None: none, or not for that day).
    cover: Cover | None = None

    @property
    def paid_by_membership(self) -> bool:
        """Her membership pays for the spot: no credit is spent."""
        return self.cover is not None and self.cover.pays


class Hindrance(StrEnum):
    """Why a member may not take a spot now (checked in this order)."""

    BOOKING_NOT_OPEN = "booking_not_open"
    PROMOTION_CLOSED = "promotion_closed"  # joining a waitlist: nobody is promoted any more
    PAUSED = "paused"
    AT_LIMIT = "at_limit"
    OVERLAPPING = "overlapping"
    FROZEN = "frozen"  # her membership is on hold on the class's day
    ALLOWANCE_USED = "allowance_used"  # her membership's classes for then are booked, no credit
    NO_CREDIT = "no_credit"


# What a waiting member lacks to be promoted, for the pages and the skip notice.
PROMOTION_NEEDS = {
    Hindrance.PAUSED: "booking on your account to be resumed (it is paused after no-shows)",
    Hindrance.AT_LIMIT: "fewer upcoming bookings (you hold the most the gym allows)",
    Hindrance.OVERLAPPING: "not to be booked on another class at the same time",
    Hindrance.FROZEN: "your membership not to be on hold that day",
    Hindrance.ALLOWANCE_USED: "a credit (your membership's classes for then are all booked)",
    Hindrance.NO_CREDIT: "a credit",
}


def hindrance(
    standing: Standing,
    class_starts_at: datetime,
    now: datetime,
    *,
    limits: BookingPolicy | None,
    booking_window: bool = True,
) -> Hindrance | None:
    """The first reason the member may not take a spot now, or None.

    The gym's limits of `limits` — the booking window, a no-show pause, the upcoming-bookings
    limit — apply to members (None: staff adding a member skip them); a spot held at the same
    time and a credit — or a membership that pays for the class — are needed always, and a
    membership on hold that day is no way to book. `booking_window=False` leaves out the
    window alone: a waiting member was let in when she joined.
    """
    if limits is not None:
        if booking_window and not limits.booking_is_open(class_starts_at, now):
            return Hindrance.BOOKING_NOT_OPEN
        if standing.paused:
            return Hindrance.PAUSED
        limit = limits.max_upcoming_bookings
        if limit is not None and standing.upcoming_bookings >= limit:
            return Hindrance.AT_LIMIT
    if standing.holds_overlapping_spot:
        return Hindrance.OVERLAPPING
    cover = standing.cover
    if cover is not None and cover.state is CoverState.FROZEN:
        return Hindrance.FROZEN
    if standing.paid_by_membership or standing.credits >= 1:
        return None
    return Hindrance.NO_CREDIT if cover is None else Hindrance.ALLOWANCE_USED


def waiting_hindrance(
    standing: Standing,
    class_starts_at: datetime,
    now: datetime,
    *,
    policy: BookingPolicy,
    by_staff: bool = False,
) -> Hindrance | None:
    """Why the member may not join the class's waitlist now, or None. Nobody joins where she
    could never be promoted (past the promotion cut-off); members wait only where they may
    book — the booking window and a no-show pause apply (staff skip those)."""
    if now >= class_starts_at - policy.promotion_closes_before:
        return Hindrance.PROMOTION_CLOSED
    if by_staff:
        return None
    if not policy.booking_is_open(class_starts_at, now):
        return Hindrance.BOOKING_NOT_OPEN
    if standing.paused:
        return Hindrance.PAUSED
    return None


def refusal(
    reason: Hindrance, standing: Standing, class_starts_at: datetime, policy: BookingPolicy
) -> exceptions.DomainException:
    """The refusal a use case raises for `reason`; its message is what the pages show."""
    match reason:
        case Hindrance.BOOKING_NOT_OPEN:
            return exceptions.BookingNotOpenException(policy.booking_opens_message(class_starts_at))
        case Hindrance.PROMOTION_CLOSED:
            closes = describe_duration(policy.promotion_closes_before)
            return exceptions.WaitlistClosedException(
                f"Nobody is promoted from the waitlist within {closes} of the start, so it can "
                "no longer be joined."
                if policy.promotion_closes_before
                else None
            )
        case Hindrance.PAUSED:
            return exceptions.BookingsPausedException()
        case Hindrance.AT_LIMIT:
            booked = describe_count(
                standing.upcoming_bookings, "upcoming booking", "upcoming bookings"
            )
            return exceptions.TooManyBookingsException(
                f"You already have {booked}, the most the gym allows at once. Cancel one or "
                "wait until one has taken place."
            )
        case Hindrance.OVERLAPPING:
            return exceptions.OverlappingBookingException()
        case Hindrance.FROZEN if standing.cover and standing.cover.freeze:
            hold = standing.cover.freeze
            return exceptions.MembershipFrozenException(
                f"Your membership is on hold from {hold.starts_on:%-d %B} to "
                f"{hold.ends_on:%-d %B %Y}, so no class then can be booked on it. Unfreeze it "
                "on your membership page to book."
            )
        case Hindrance.ALLOWANCE_USED if standing.cover:
            allowance = standing.cover.allowance
            return exceptions.AllowanceUsedUpException(
                f"Your plan includes {str(allowance).lower()}, and you have booked them all for "
                f"that {allowance.per}. A class pack from the shop (Class packs) lets you book "
                "more."
            )
    return exceptions.NoCreditsException()
