"""Taking a spot or a place in a queue, and the waitlist's claim on a freed spot: whoever
waits and is eligible gets it first.

`book` and `queue` are what the use cases share over a unit of work. One function fills free
spots from the waitlist, for the promotion handler and for a direct booking (or staff adding
a member), which promote first under the same class lock (`claim_first`), so that a spot an
eligible member waits for is never taken past her, whether or not the promotion's own
delivery has run. Eligibility is `domain.eligibility`'s, over the facts gathered here.

A member whose membership pays for the class spends no credit: the booking records the
membership instead, within the plan's allowance (its classes booked in the class's week or
month, counted here). Past the allowance a credit pays, if she has one valid for the class
(a pack may be limited to some classes or locations: `CreditScope`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from application.ports import Clock
from application.unit_of_work import UnitOfWork
from domain.eligibility import Hindrance, Standing, hindrance, refusal, waiting_hindrance
from domain.entities import Booking, FitnessClass, Member, Waitlist, WaitlistEntry
from domain.exceptions import (
    DomainException,
    LateBookingNotConfirmedException,
    NoCreditsException,
)
from domain.memberships import Cover
from domain.values import BookingPolicy, WaitlistExitReason


def standing_of(
    uow: UnitOfWork,
    member: Member,
    fitness_class: FitnessClass,
    now: datetime,
    policy: BookingPolicy,
) -> Standing:
    """The facts about `member` that decide whether she may take a spot in the class
    (`policy`, its location's, gives the clock her membership's allowance is counted on)."""
    held = uow.bookings.spots_held(member.id, fitness_class, now)
    return Standing(
        credits=member.credits_at(now, for_class=fitness_class),
        paused=not member.may_book(now),
        upcoming_bookings=held.upcoming_confirmed,
        holds_overlapping_spot=held.overlapping,
        cover=membership_cover(uow, member, fitness_class, policy),
    )


def membership_cover(
    uow: UnitOfWork, member: Member, fitness_class: FitnessClass, policy: BookingPolicy
) -> Cover | None:
    """What the member's membership says about the class: one query counts what it paid for
    in the class's week or month, for a limited plan whose period holds the class."""
    membership = member.membership
    if membership is None:
        return None
    return membership.cover_counting(
        fitness_class.starts_at,
        policy.zone,
        lambda since, until: uow.bookings.count_paid_by_membership(
            membership.membership_id, since, until
        ),
    )


def member_policy(policy: BookingPolicy, member: Member) -> BookingPolicy:
    """The location's policy as it applies to `member`: her plan may open booking earlier."""
    return policy if member.membership is None else member.membership.booking_policy(policy)


def payment(
    member: Member, standing: Standing, fitness_class: FitnessClass, now: datetime
) -> dict[str, str]:
    """Pay for a spot: by her membership when it covers the class, else with a credit (the
    soonest-expiring of those valid for the class); the booking's field naming what paid."""
    if standing.paid_by_membership and member.membership is not None:
        return {"membership_id": member.membership.membership_id}
    return {"credit_grant_id": member.deduct_credit(now=now, for_class=fitness_class).grant_id}


# Why a member holding credits is refused: none of them is valid for this class.
CREDITS_ELSEWHERE = (
    "Your credits are for other classes or locations, so none pays for this one. A class pack "
    "from the shop (Class packs) lets you book it."
)


def booking_refusal(
    reason: Hindrance,
    standing: Standing,
    class_starts_at: datetime,
    policy: BookingPolicy,
    *,
    credits_anywhere: int,
) -> DomainException:
    """`refusal`'s answer, but naming why a member with credits (`credits_anywhere`, for any
    class) has none for the class: the use case's refusal and the class page's alike."""
    if reason is Hindrance.NO_CREDIT and credits_anywhere >= 1:
        return NoCreditsException(CREDITS_ELSEWHERE)
    return refusal(reason, standing, class_starts_at, policy)


def leave_overlapping_waitlists(
    uow: UnitOfWork,
    member_id: str,
    fitness_class: FitnessClass,
    reason: WaitlistExitReason,
    now: datetime,
) -> None:
    """A member who got a spot stops waiting for classes at the same time (they could never
    be promoted into them)."""
    leave(uow, uow.waitlist.get_overlapping_for_member(member_id, fitness_class), reason, now)


def leave(
    uow: UnitOfWork, entries: Iterable[WaitlistEntry], reason: WaitlistExitReason, now: datetime
) -> None:
    for entry in entries:
        entry.leave(reason, now=now)
        uow.waitlist.remove(entry)


def lock_for_free_spots(
    uow: UnitOfWork,
    fitness_class: FitnessClass,
    waitlist: Waitlist,
    policy: BookingPolicy,
    now: datetime,
    *,
    also: Iterable[str] = (),
) -> dict[str, Member]:
    """Lock the members a change of the locked class needs: those of `also` (a booker) and,
    when a spot is free and promotions are open, the waiting members with a credit spendable
    on the class or a membership whose period holds the class — all in one go, in primary-key
    order.

    Screening without a lock first keeps the lock set small; locking together in key order
    (never in waitlist order, never one after the other) keeps two changes on classes whose
    waitlists share members from deadlocking. Credit (and the membership's allowance) is
    checked again on the locked copies.
    """
    wanted = set(also)
    if not fitness_class.is_full() and _accepts_promotions(fitness_class, policy, now):
        waiting = [entry.member_id for entry in waitlist.entries]
        wanted.update(
            m.id
            for m in uow.members.get_by_ids(waiting)
            if m.credits_at(now, for_class=fitness_class) >= 1
            or (m.membership is not None and m.membership.covers(fitness_class.starts_at))
        )
    if not wanted:
        return {}
    return {m.id: m for m in uow.members.get_by_ids(sorted(wanted), for_update=True)}


def fill_free_spots(
    uow: UnitOfWork,
    fitness_class: FitnessClass,
    waitlist: Waitlist,
    locked: dict[str, Member],
    policy: BookingPolicy,
    now: datetime,
    *,
    ahead_of: str | None = None,
) -> list[Booking]:
    """Promote the first eligible waiting members (of those in `locked`) into every free
    spot of the locked class; ineligible ones keep their place, and are told why once per
    reason (`MemberSkippedOnWaitlist`). Returns the new bookings.

    With `ahead_of` (a member about to book) only those queued before her are promoted:
    whoever joined after her has no claim on the spot she books.
    """
    promoted: list[Booking] = []
    if not _accepts_promotions(fitness_class, policy, now):
        return promoted
    for entry in waitlist.entries:
        if fitness_class.is_full() or entry.member_id == ahead_of:
            break
        member = locked.get(entry.member_id)
        if member is None:  # not locked: screened out for want of a credit or a membership
            if entry.skip(Hindrance.NO_CREDIT, now=now):
                uow.waitlist.save(entry)
            continue
        standing = standing_of(uow, member, fitness_class, now, policy)
        reason = hindrance(
            standing, fitness_class.starts_at, now, limits=policy, booking_window=False
        )
        if reason is not None:
            if entry.skip(reason, now=now):
                uow.waitlist.save(entry)
            continue
        paid = payment(member, standing, fitness_class, now)
        fitness_class.add_booking(member.id, now=now)
        refundable_until, grace = policy.refundable_after_promotion(fitness_class.starts_at, now)
        booking = entry.promote(now=now, refundable_until=refundable_until, grace=grace, **paid)
        uow.members.save(member)
        uow.bookings.save(booking)
        uow.waitlist.remove(entry)
        leave_overlapping_waitlists(
            uow, member.id, fitness_class, WaitlistExitReason.PROMOTED_ELSEWHERE, now
        )
        promoted.append(booking)
    return promoted


def _accepts_promotions(fitness_class: FitnessClass, policy: BookingPolicy, now: datetime) -> bool:
    return fitness_class.accepts_promotions(now, policy.promotion_closes_before)


def book(
    uow: UnitOfWork,
    claimed: "Claimed",
    *,
    by_staff: bool = False,
    late_confirmed: bool = False,
) -> Booking:
    """Book the member on the class `claim_first` locked: a spot and a credit (or her
    membership), always; the booking limits of its location's policy (her plan's booking
    window) unless `by_staff` (staff adding a member skip them), and inside the cancellation
    window the member's confirmation (`late_confirmed`) that she cannot cancel for free.
    Everything is checked before anything changes. The member stops waiting for this class
    and for any at the same time (the entries `claim_first` read)."""
    fitness_class, member, now = claimed.fitness_class, claimed.member, claimed.now
    policy = member_policy(claimed.policy, member)
    fitness_class.ensure_room_for(member.id, now=now)
    standing = standing_of(uow, member, fitness_class, now, policy)
    reason = hindrance(standing, fitness_class.starts_at, now, limits=None if by_staff else policy)
    if reason is not None:
        anywhere = member.credits_at(now)
        raise booking_refusal(
            reason, standing, fitness_class.starts_at, policy, credits_anywhere=anywhere
        )
    if not by_staff and not late_confirmed:
        terms = policy.cancellation_terms(fitness_class.starts_at, now)
        if terms.needs_consent_to_book:
            raise LateBookingNotConfirmedException(terms.booking_warning)
    fitness_class.add_booking(member.id, now=now)
    booking = Booking.confirm(
        member.id, fitness_class.id, now=now, **payment(member, standing, fitness_class, now)
    )
    uow.members.save(member)
    uow.bookings.save(booking)
    leave(uow, claimed.waiting_elsewhere, WaitlistExitReason.BOOKED_ELSEWHERE, now)
    if claimed.waitlist.position_of(member.id) is not None:
        uow.waitlist.remove(
            claimed.waitlist.leave(member.id, now=now, reason=WaitlistExitReason.BOOKED)
        )
    return booking


def queue(
    uow: UnitOfWork,
    fitness_class: FitnessClass,
    member: Member,
    now: datetime,
    *,
    policy: BookingPolicy,
    by_staff: bool = False,
) -> int:
    """Put a member on a locked class's waitlist; returns their position. Nobody joins past
    the promotion cut-off (she could never be promoted); the booking window and a no-show
    pause apply as they do to booking (her plan's booking window), unless `by_staff`.
    `policy` is the class's location's."""
    waitlist = Waitlist(fitness_class, uow.waitlist.get_by_class(fitness_class.id))
    fitness_class.ensure_open(now)
    policy = member_policy(policy, member)
    standing = standing_of(uow, member, fitness_class, now, policy)
    reason = waiting_hindrance(
        standing, fitness_class.starts_at, now, policy=policy, by_staff=by_staff
    )
    if reason is not None:
        raise refusal(reason, standing, fitness_class.starts_at, policy)
    uow.waitlist.add(waitlist.join(member.id, now=now))
    return waitlist.position_of(member.id) or 0


@dataclass(frozen=True)
class Claimed:
    """A locked class and member, after the waitlist took what it had a claim on; with the
    class's waitlist and the member's entries for classes at the same time, as read then, and
    the policy of the class's location."""

    fitness_class: FitnessClass
    member: Member
    now: datetime
    promoted: list[Booking]
    waitlist: Waitlist
    waiting_elsewhere: list[WaitlistEntry]
    policy: BookingPolicy


def claim_first(
    uow: UnitOfWork,
    class_id: str,
    member_id: str,
    clock: Clock,
    default: BookingPolicy,
    *,
    refuse_full: bool = False,
) -> Claimed:
    """Lock the class, then the member together with the waiting candidates (key order),
    and promote into the free spots first: a direct booking never takes a spot that an
    eligible member waiting ahead of the booker has a claim on, whether or not the
    promotion's own delivery ran (delayed, failed or lost).

    With `refuse_full` (a booker, who cannot queue) a full class is refused as soon as it is
    locked, with `book`'s own answer: a full class promotes nobody, so nothing read after
    would change the answer, and the class lock is held for three statements instead of five
    — in a rush the refusals are what queue behind the lock. `default` is the chain's policy:
    the class's location's own rules apply."""
    fitness_class = uow.classes.get_by_id(class_id, for_update=True)
    now = clock.now()
    policy = fitness_class.policy_from(default)
    if refuse_full and fitness_class.is_full():
        uow.members.get_contact(member_id)  # an unknown member is told so, as before
        fitness_class.ensure_room_for(member_id, now=now)
    entries, waiting_elsewhere = uow.waitlist.get_by_class_and_overlapping_for_member(
        fitness_class, member_id
    )
    waitlist = Waitlist(fitness_class, entries)
    locked = lock_for_free_spots(uow, fitness_class, waitlist, policy, now, also=[member_id])
    member = locked.get(member_id) or uow.members.get_by_id(member_id, for_update=True)
    promoted = fill_free_spots(
        uow, fitness_class, waitlist, locked, policy, now, ahead_of=member_id
    )
    return Claimed(fitness_class, member, now, promoted, waitlist, waiting_elsewhere, policy)
