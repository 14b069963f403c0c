"""What became of the credit a booking spent, in the words every page uses: the credits page,
My bookings and the admin member page.

It is read from the ledger — the grant the booking spent (`credit_grant`) and the grant that
gave it back (`refund_grant`) — never guessed from the booking's status, so no page can say
"refunded" where no refund was made, or the reverse.
"""

from bookings.models import Booking
from domain.entities import BookingStatus

CANCELLED_STATUSES = (BookingStatus.CANCELLED, BookingStatus.LATE_CANCELLED)


def credit_words(booking: Booking) -> str:
    """“credit refunded” or “credit not refunded” for a cancelled booking that spent one;
    empty for any other (its credit was spent on the class, or none was)."""
    if booking.credit_grant_id is None or booking.status not in CANCELLED_STATUSES:
        return ""
    return "credit refunded" if booking.refund_grant_id is not None else "credit not refunded"


def cancelled_with_class(booking: Booking) -> bool:
    """Whether the booking went with its whole class rather than being cancelled before it
    (once a class is cancelled, none of its bookings can be cancelled later)."""
    cancelled_at = booking.fitness_class.cancelled_at
    return cancelled_at is not None and (
        booking.cancelled_at is None or booking.cancelled_at >= cancelled_at
    )


def credit_note(booking: Booking) -> str:
    """How a cancellation ended for the member's credit, e.g. “cancelled late, credit not
    refunded”; empty for a booking that was not cancelled."""
    words = credit_words(booking)
    if not words:
        return ""
    if booking.status == BookingStatus.LATE_CANCELLED:
        if booking.refund_grant_id is not None:
            return f"cancelled late, then the gym cancelled the class: {words}"
        return f"cancelled late, {words}"
    return f"{'class cancelled' if cancelled_with_class(booking) else 'cancelled'}, {words}"
