"""Entities: they enforce the rules and record what happened as domain events.

Time is never read here: every rule that depends on it takes `now` (an aware datetime).
The one exception is the edge the book calls directly: `Booking.cancel` without `now=`.

One module per entity (members, classes, bookings, waitlists); their names are imported from
here, as the book imports them.
"""

from domain.entities.base import Entity
from domain.entities.bookings import (
    ALLOWANCE_STATUSES,
    CHECK_IN_OPENS,
    SPOT_HOLDING_STATUSES,
    Booking,
    BookingStatus,
)
from domain.entities.classes import (
    CAPACITY_RULE,
    DETAIL_NAMES,
    MAX_CAPACITY,
    FitnessClass,
    ensure_valid_capacity,
    is_valid_capacity,
)
from domain.entities.members import (
    ERASED_MEMBER_NAME,
    MAX_CREDIT_EXPIRY_DAYS,
    MAX_CREDITS_PER_GRANT,
    NO_SHOW_CORRECTED_REASON,
    CreditGrant,
    Member,
)
from domain.entities.waitlists import Waitlist, WaitlistEntry

__all__ = [
    "ALLOWANCE_STATUSES",
    "CAPACITY_RULE",
    "CHECK_IN_OPENS",
    "DETAIL_NAMES",
    "ERASED_MEMBER_NAME",
    "MAX_CAPACITY",
    "MAX_CREDITS_PER_GRANT",
    "MAX_CREDIT_EXPIRY_DAYS",
    "NO_SHOW_CORRECTED_REASON",
    "SPOT_HOLDING_STATUSES",
    "Booking",
    "BookingStatus",
    "CreditGrant",
    "Entity",
    "FitnessClass",
    "Member",
    "Waitlist",
    "WaitlistEntry",
    "ensure_valid_capacity",
    "is_valid_capacity",
]
