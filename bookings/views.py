"""Booking, cancelling and the waitlist from the member's side, and "My bookings".

Every change is a POST (CSRF-checked by the middleware) that runs one use case through
`run_use_case` — refusals become the domain's message, "not found" a 404 — and then redirects
(Post/Redirect/Get) to the class page, or to a `next` address on this site.
"""

import contextlib
import uuid

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from bookings import queries, wording
from bookings.models import Booking
from classes import locations
from classes.models import FitnessClass
from classes.wording import describe_class
from domain import entities
from domain.entities import BookingStatus
from domain.exceptions import (
    AlreadyBookedException,
    AlreadyOnWaitlistException,
    BookingNotCancellableException,
    DomainException,
    WaitlistEntryNotFoundException,
)
from domain.values import CancellationCost, CancellationTerms
from gymbooking.composition import services
from members.decorators import member_required
from web.pages import run_use_case

HISTORY_LIMIT = 50


def _redirect_back(request: HttpRequest, class_id: object) -> HttpResponseRedirect:
    """To `next` when it is an address on this site, else to the class page."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("classes:detail", args=[class_id])
    return HttpResponseRedirect(target)


@require_POST
@member_required
def book(request: HttpRequest, class_id: uuid.UUID) -> HttpResponse:
    """Book; inside the cancellation window only with the form's "I understand" ticked (without
    it the use case refuses with the warning, and nothing changes)."""
    fitness_class = get_object_or_404(FitnessClass.objects.select_related("location"), pk=class_id)
    member_id = str(request.member.pk)

    def book_once() -> None:
        with contextlib.suppress(AlreadyBookedException):  # a second click: the first booked
            services().book_class.execute(
                member_id, str(class_id), late_confirmed=request.POST.get("late_confirmed") == "1"
            )

    run_use_case(request, book_once, f"You're booked on {describe_class(fitness_class)}.")
    return _redirect_back(request, class_id)


@require_POST
@member_required
def cancel(request: HttpRequest, booking_id: uuid.UUID) -> HttpResponse:
    # The use case answers "not found" (a 404) for another member's booking, so nothing is
    # read about the booking before it has run.
    def cancel_once() -> entities.Booking | Booking:
        try:
            return services().cancel_booking.execute(
                str(booking_id), member_id=str(request.member.pk)
            )
        except BookingNotCancellableException:
            # A second click finds it cancelled by the first: say what the first did.
            done = Booking.objects.filter(
                pk=booking_id, status__in=CANCELLED_STATUSES, member_id=request.member.pk
            ).first()
            if done is None:
                raise
            return done

    done = run_use_case(request, cancel_once, _cancelled_message)
    if isinstance(done, entities.Booking):  # cancelled now: the answer names its class
        class_id = done.class_id
    else:  # refused, or cancelled by a first click: read where to go back to
        class_id = Booking.objects.values_list("fitness_class_id", flat=True).get(pk=booking_id)
    return _redirect_back(request, class_id)


# A booking in one of these was cancelled by the member (or staff) and needs nothing more.
CANCELLED_STATUSES = (BookingStatus.CANCELLED, BookingStatus.LATE_CANCELLED)


def _cancelled_message(booking: entities.Booking | Booking) -> str:
    """What the cancellation did — refunded exactly when the ledger links a refund to it —
    from the entity the use case returned or the stored row a second click found."""
    if isinstance(booking, entities.Booking):
        class_id, refunded = booking.class_id, booking.refunded
    else:
        class_id, refunded = booking.fitness_class_id, booking.refund_grant_id is not None
    what = describe_class(FitnessClass.objects.select_related("location").get(pk=class_id))
    late = booking.status == BookingStatus.LATE_CANCELLED
    fee = _late_fee(booking) if late else ""
    if booking.membership_id is not None:  # no credit was spent
        counted = "still counts in" if late else "is back in"
        return (
            f"Your booking for {what} is cancelled; the class {counted} your plan's allowance.{fee}"
        )
    if refunded:
        return f"Your booking for {what} is cancelled and your credit has been refunded."
    return (
        f"Your booking for {what} is cancelled. It was a late cancellation, so your credit "
        f"is not refunded.{fee}"
    )


def _late_fee(booking: entities.Booking | Booking) -> str:
    """The late-cancellation fee of what paid for the booking, said with the cancellation
    (it is charged to her card, or owed at the desk, by a delivery of its own)."""
    fee = services().fee_terms.for_booking(str(booking.id)).late_cancellation
    return f" A late-cancellation fee of {fee} applies." if fee else ""


@require_POST
@member_required
def join_waitlist(request: HttpRequest, class_id: uuid.UUID) -> HttpResponse:
    fitness_class = get_object_or_404(FitnessClass.objects.select_related("location"), pk=class_id)
    member_id = request.member.pk

    def join_once() -> int:
        try:
            return services().join_waitlist.execute(str(member_id), str(class_id))
        except AlreadyOnWaitlistException:
            # A second click: the first put her on the list; say where she is now.
            return queries.position_on_waitlist(member_id, class_id) or 1

    run_use_case(
        request,
        join_once,
        lambda position: (
            f"You're number {position} on the waitlist for {describe_class(fitness_class)}."
        ),
    )
    return _redirect_back(request, class_id)


@require_POST
@member_required
def leave_waitlist(request: HttpRequest, class_id: uuid.UUID) -> HttpResponse:
    fitness_class = get_object_or_404(FitnessClass.objects.select_related("location"), pk=class_id)

    def leave() -> None:
        # The class exists, so "not found" means the member is not waiting: a second click
        # (the first took her off), or already promoted (then she is told she is booked).
        try:
            services().leave_waitlist.execute(str(request.member.pk), str(class_id))
        except WaitlistEntryNotFoundException as exc:
            if Booking.objects.filter(
                member=request.member, fitness_class_id=class_id, status=BookingStatus.CONFIRMED
            ).exists():
                raise DomainException(
                    f"You're no longer on the waitlist: a spot came up and you're booked on "
                    f"{describe_class(fitness_class)}."
                ) from exc

    run_use_case(request, leave, f"You've left the waitlist for {describe_class(fitness_class)}.")
    return _redirect_back(request, class_id)


@member_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    policy = services().policy
    member_id = request.member.pk
    upcoming = []
    for booking in queries.upcoming_bookings(member_id, now):
        terms = locations.policy_of(booking.fitness_class, policy).cancellation_terms(
            booking.fitness_class.starts_at, now, free_until=booking.free_cancellation_until
        )
        upcoming.append((booking, terms, _fee_warning(booking, terms)))
    history, more_history = queries.past_bookings(member_id, now, HISTORY_LIMIT)
    return render(
        request,
        "bookings/my_bookings.html",
        {
            "upcoming": upcoming,
            "waiting": queries.waiting_entries(member_id, now),
            "history": [(booking, _outcome(booking)) for booking in history],
            "more_history": more_history,
            "history_limit": HISTORY_LIMIT,
        },
    )


def _fee_warning(booking: Booking, terms: CancellationTerms) -> str:
    """The fee a late cancellation would charge now, said before she cancels; read only for
    a booking inside its late window (one query each, rarely more than one)."""
    if terms.cost is not CancellationCost.FORFEITED:
        return ""
    return services().fee_terms.for_booking(str(booking.pk)).late_cancellation_warning


def _outcome(booking: Booking) -> tuple[str, str]:
    """How a past or cancelled booking ended, as (CSS modifier, words for the member); a
    cancellation says what became of the credit, as the ledger has it."""
    status = BookingStatus(booking.status)
    fitness_class = booking.fitness_class
    if status is BookingStatus.ATTENDED:
        return "attended", "Attended"
    if status is BookingStatus.NO_SHOW:
        return "no-show", "No-show"
    credit = f" ({words})" if (words := wording.credit_words(booking)) else ""
    if status is BookingStatus.LATE_CANCELLED:
        if fitness_class.cancelled_at is not None:
            return "late-cancelled", f"Late-cancelled, then the gym cancelled the class{credit}"
        return "late-cancelled", f"Late-cancelled{credit}"
    if status is BookingStatus.CANCELLED:
        if wording.cancelled_with_class(booking):
            reason = fitness_class.cancellation_reason
            return "class-cancelled", f"Class cancelled: {reason}{credit}"
        if booking.cancellation_reason:
            return "cancelled", f"Cancelled: {booking.cancellation_reason}{credit}"
        return "cancelled", f"Cancelled{credit}"
    return "booked", "Booked"
