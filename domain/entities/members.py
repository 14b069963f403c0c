"""Members and their credits: grants that expire, spent soonest-expiring first, each for
the classes its scope names (every class, unless a pack was limited)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from domain import exceptions
from domain.entities.base import Entity
from domain.events import (
    CreditsAdded,
    CreditsExpired,
    CreditsWithdrawn,
    MemberBookingsPaused,
    MemberBookingsResumed,
    MemberErased,
    MemberRegistered,
)
from domain.values import (
    EVERY_CLASS,
    CreditScope,
    Email,
    is_positive_int,
    new_id,
)

if TYPE_CHECKING:
    from domain.entities.classes import FitnessClass
    from domain.memberships import Membership


@dataclass
class CreditGrant:
    """Credits granted at once, spendable until they expire."""

    grant_id: str
    amount: int
    remaining: int
    granted_at: datetime
    expires_at: datetime
    reason: str = ""
    expiry_recorded: bool = False
    scope: CreditScope = EVERY_CLASS

    def is_spendable(self, now: datetime, for_class: "FitnessClass | None" = None) -> bool:
        """Credit left and not expired at `now`; with `for_class`, and valid for that class."""
        return (
            self.remaining > 0
            and now < self.expires_at
            and (for_class is None or self.scope.applies_to(for_class))
        )

    def has_unrecorded_expiry(self, now: datetime) -> bool:
        return self.remaining > 0 and now >= self.expires_at and not self.expiry_recorded


# What an erased member is called instead of her name.
ERASED_MEMBER_NAME = "Erased member"


class Member(Entity):
    """A gym member, the credits they hold and their live membership, if any."""

    def __init__(
        self,
        member_id: str,
        name: str,
        email: Email | str,
        grants: Iterable[CreditGrant] = (),
        *,
        bookings_paused_until: datetime | None = None,
        erased_at: datetime | None = None,
        active: bool = True,
        membership: "Membership | None" = None,
    ) -> None:
        super().__init__()
        self._id = member_id
        self._name = name
        self._email = email if isinstance(email, Email) else Email(email)
        self._grants = list(grants)
        self.bookings_paused_until = bookings_paused_until
        self.erased_at = erased_at
        # A closed account (staff unticked "active"): kept, but sold nothing.
        self.is_active = active
        self.membership = membership

    @classmethod
    def register(cls, name: str, email: Email | str, *, now: datetime) -> "Member":
        """A new member; a name is required, the e-mail must be valid."""
        if not name.strip():
            raise exceptions.InvalidMemberException()
        member = cls(new_id(), name.strip(), email)
        member._record(MemberRegistered(member_id=member.id, occurred_at=now))
        return member

    @property
    def id(self) -> str:
        return self._id

    @property
    def name(self) -> str:
        return self._name

    @property
    def email(self) -> Email:
        return self._email

    @property
    def grants(self) -> tuple[CreditGrant, ...]:
        return tuple(self._grants)

    def credits_at(self, now: datetime, for_class: "FitnessClass | None" = None) -> int:
        """Credits that can be spent at `now` (expired ones cannot); with `for_class`, only
        those whose scope includes that class."""
        return sum(grant.remaining for grant in self._grants if grant.is_spendable(now, for_class))

    def scope_of(self, grant_id: str | None) -> CreditScope:
        """The scope of one of her grants, as a refund of a credit it paid keeps; every class
        when the grant is not among those loaded (fully spent ones stay behind)."""
        grant = next((g for g in self._grants if g.grant_id == grant_id), None)
        return EVERY_CLASS if grant is None else grant.scope

    def add_credits(
        self,
        amount: int,
        expiry_days: int = 30,
        *,
        now: datetime,
        reason: str = "",
        scope: CreditScope = EVERY_CLASS,
    ) -> CreditGrant:
        """Grant `amount` credits that expire `expiry_days` from `now`, for the classes of
        `scope` (every class by default)."""
        if not is_positive_int(amount, MAX_CREDITS_PER_GRANT) or not is_positive_int(
            expiry_days, MAX_CREDIT_EXPIRY_DAYS
        ):
            raise exceptions.InvalidCreditAmountException()
        grant = CreditGrant(
            grant_id=new_id(),
            amount=amount,
            remaining=amount,
            granted_at=now,
            expires_at=now + timedelta(days=expiry_days),
            reason=reason,
            scope=scope,
        )
        self._grants.append(grant)
        self._record(
            CreditsAdded(
                member_id=self._id,
                grant_id=grant.grant_id,
                amount=amount,
                expires_at=grant.expires_at,
                reason=reason,
                locations=scope.locations,
                class_names=scope.class_names,
                occurred_at=now,
            )
        )
        return grant

    def record_expired_credits(self, *, now: datetime) -> list[CreditGrant]:
        """Note every grant whose unspent credits have expired (once per grant)."""
        expired = [grant for grant in self._grants if grant.has_unrecorded_expiry(now)]
        for grant in expired:
            grant.expiry_recorded = True
            self._record(
                CreditsExpired(
                    member_id=self._id,
                    grant_id=grant.grant_id,
                    amount=grant.remaining,
                    occurred_at=now,
                )
            )
        return expired

    def may_book(self, now: datetime) -> bool:
        return self.bookings_paused_until is None or now >= self.bookings_paused_until

    def ensure_may_book(self, now: datetime) -> None:
        if not self.may_book(now):
            raise exceptions.BookingsPausedException()

    def pause_bookings(self, *, until: datetime, no_shows: int, now: datetime) -> None:
        """Too many no-shows: no booking (nor promotion) until `until`."""
        self.bookings_paused_until = until
        self._record(
            MemberBookingsPaused(
                member_id=self._id, until=until, no_shows=no_shows, occurred_at=now
            )
        )

    def reconsider_pause(self, *, no_shows: int, limit: int, now: datetime) -> bool:
        """A no-show was corrected: lift the pause when the member's no-shows (counted over
        the period that paused her) no longer reach the `limit`; whether it was lifted."""
        if self.may_book(now) or no_shows >= limit:
            return False
        self.bookings_paused_until = None
        self._record(
            MemberBookingsResumed(
                member_id=self._id, reason=NO_SHOW_CORRECTED_REASON, occurred_at=now
            )
        )
        return True

    def resume_bookings(self, *, now: datetime) -> None:
        """Staff lift a pause early; nothing happens when there is none."""
        if self.may_book(now):
            return
        self.bookings_paused_until = None
        self._record(MemberBookingsResumed(member_id=self._id, occurred_at=now))

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    def erase(self, *, now: datetime) -> bool:
        """Replace the name and e-mail with placeholders (the address stays unique, under a
        reserved domain that mail never reaches); her id and ledger stay. False, and nothing
        recorded, when she was erased already."""
        if self.is_erased:
            return False
        self._name = ERASED_MEMBER_NAME
        self._email = Email(f"erased-{self._id}@erased.invalid")
        self.bookings_paused_until = None
        self.erased_at = now
        self._record(MemberErased(member_id=self._id, occurred_at=now))
        return True

    def deduct_credit(
        self, *, now: datetime, for_class: "FitnessClass | None" = None
    ) -> CreditGrant:
        """Spend one credit from the grant that expires soonest (of those valid for
        `for_class`, when given); return that grant."""
        spendable = [grant for grant in self._grants if grant.is_spendable(now, for_class)]
        if not spendable:
            raise exceptions.NoCreditsException()
        grant = min(spendable, key=lambda g: (g.expires_at, g.granted_at, g.grant_id))
        grant.remaining -= 1
        return grant

    def withdraw_credits(
        self, grant_id: str, count: int | None, *, now: datetime, reason: str = ""
    ) -> int:
        """Take `count` of the grant's unspent credits back (None: all of them), as when
        its pack is refunded; how many were taken. Spent credits are never taken back, nor
        expired ones (they are worth nothing), so nothing goes below zero; 0 records nothing."""
        grant = next((g for g in self._grants if g.grant_id == grant_id), None)
        if grant is None:
            raise exceptions.GrantNotFoundException()
        unspent = grant.remaining if grant.is_spendable(now) else 0
        count = unspent if count is None else count
        if not (is_positive_int(count, unspent) or (type(count) is int and count == 0)):
            raise exceptions.InvalidCreditWithdrawalException()
        if count:
            grant.remaining -= count
            self._record(
                CreditsWithdrawn(
                    member_id=self._id,
                    grant_id=grant_id,
                    amount=count,
                    reason=reason,
                    occurred_at=now,
                )
            )
        return count


NO_SHOW_CORRECTED_REASON = "a no-show was corrected"

# Sanity limits: beyond them a number is a typo, not a gym's wish.
MAX_CREDITS_PER_GRANT = 1000
MAX_CREDIT_EXPIRY_DAYS = 3650
# The one definition of a capacity, for a class and for a series alike (forms show this rule).
