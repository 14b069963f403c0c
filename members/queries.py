"""Reads for the member's own pages, a few queries each however long the history, the
balances the admin shows beside members, and the account plumbing no use case owns (a login
belongs to Django, not to the domain).

Each function names the queries it runs, so the pages' pinned query counts can be read here.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from heapq import merge
from itertools import islice

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from bookings.models import Booking
from bookings.wording import credit_note
from domain.entities import SPOT_HOLDING_STATUSES
from domain.values import Email
from events.models import StoredEvent
from locations.models import Location
from members import scopes
from members.logins import normalised_login
from members.models import CreditGrant, Member
from web import formatting

# The newest entries of a member's credit history shown on the credits page.
HISTORY_LIMIT = 100

# --- Sign-up ----------------------------------------------------------------------------------


class DjangoRegisteredEmails:
    """The `RegisteredEmails` port: an address is taken when a member uses it, or a login
    that is a member's or staff's, whatever its case (a login's username is the member's
    lower-cased e-mail). A login left behind by no member is no owner: it is taken over by
    whoever registers the address (members/accounts.py)."""

    def is_registered(self, email: Email) -> bool:
        """One or two queries."""
        address = str(email)
        owned = Q(member__isnull=False) | Q(is_staff=True) | Q(is_superuser=True)
        return (
            Member.objects.filter(email__iexact=address).exists()
            or get_user_model().objects.filter(owned, username__iexact=address).exists()
        )


def create_login(name: str, email: str, password: str) -> AbstractBaseUser:
    """The Django user a member signs in with: the username is the lower-cased e-mail."""
    address = normalised_login(email)
    first_name, _, last_name = name.strip().partition(" ")
    return get_user_model().objects.create_user(
        username=address,
        email=address,
        password=password,
        first_name=first_name[:150],
        last_name=last_name.strip()[:150],
    )


def attach_login(member_id: str, user: AbstractBaseUser) -> None:
    """Link a member to the login they sign in with (the repository knows no users)."""
    Member.objects.filter(pk=member_id).update(user=user)


def member_by_id_or_email(identifier: str) -> Member | None:
    """The member an operator names on the command line: by id, or by e-mail in any case
    (one query)."""
    identifier = identifier.strip()
    try:
        return Member.objects.filter(pk=uuid.UUID(identifier)).first()
    except ValueError:
        return Member.objects.filter(email__iexact=identifier).first()


def choose_home_location(member: Member, location: Location | None) -> None:
    """Her home location (or none): a preference of hers, written alone (one UPDATE), so it
    never overwrites what a booking or a no-show changed on her row meanwhile."""
    Member.objects.filter(pk=member.pk).update(home_location=location)
    member.home_location = location


# --- Balances, in the query of a list ---------------------------------------------------------


def with_spendable_credits(queryset: QuerySet[Member], now) -> QuerySet[Member]:
    """Members annotated with `spendable_credits`: what they can spend at `now` (unexpired
    grants with credit left), in the same query."""
    spendable = Q(credit_grants__remaining__gt=0, credit_grants__expires_at__gt=now)
    return queryset.annotate(
        spendable_credits=Coalesce(Sum("credit_grants__remaining", filter=spendable), 0)
    )


def spendable_credits_of(member: OuterRef, now: datetime) -> Coalesce:
    """The credits the member `member` points to can spend at `now`, as a correlated
    subquery: annotate rows of another model with it (a roster's balances in the roster's
    own query)."""
    total = (
        CreditGrant.objects.filter(member=member, remaining__gt=0, expires_at__gt=now)
        .order_by()
        .values("member")
        .annotate(total=Sum("remaining"))
        .values("total")
    )
    return Coalesce(Subquery(total), 0)


# --- Credits page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SpendableGrant:
    remaining: int
    expires_at: datetime
    expires_on: str  # "12 December", with the year when it is not this year's
    reason: str
    pays_for: str = ""  # a limited grant's classes: "for Yoga at Old Town only"


@dataclass(frozen=True)
class LedgerEntry:
    """One line of the credit history: credits in (a grant) or out (a booking, or credits
    taken back off a grant)."""

    at: datetime
    change: int  # +amount for a grant, -1 for a booking, -amount for a withdrawal
    description: str
    note: str = ""
    booked: bool = False  # out on a booking ("Booked …"), rather than withdrawn

    @property
    def is_grant(self) -> bool:
        return self.change > 0

    @property
    def change_label(self) -> str:
        """“+3” for credits in, or a minus sign (U+2212) and “1” for a credit out."""
        return f"+{self.change}" if self.change > 0 else f"\N{MINUS SIGN}{-self.change}"


@dataclass(frozen=True)
class CreditsOverview:
    balance: int
    spendable_grants: list[SpendableGrant]
    history: list[LedgerEntry]
    history_truncated: bool


def credits_overview(member: Member, now: datetime) -> CreditsOverview:
    """Balance, unexpired grants (soonest expiry first, each saying what a limited one pays
    for) and the history, newest first.

    Four queries (five when a grant is limited to some locations: their names): the
    spendable grants, the newest grants, the newest bookings that spent a credit (with their
    class) and the newest withdrawals (`CreditsWithdrawn` in the event log: a refunded pack's
    unspent credits taken back). The histories are merged in Python, so the newest
    HISTORY_LIMIT entries overall are exact and, while none expired unused, add up to the
    balance. A booking her membership paid spent no credit and is not in it.
    """
    spendable = list(
        CreditGrant.objects.filter(member=member, remaining__gt=0, expires_at__gt=now)
        .order_by("expires_at", "granted_at", "id")
        .only("remaining", "expires_at", "reason", "scope")
    )
    grants = list(
        CreditGrant.objects.filter(member=member)
        .order_by("-granted_at", "-id")
        .only("amount", "remaining", "granted_at", "expires_at", "reason")[: HISTORY_LIMIT + 1]
    )
    spending = list(
        _spending(member)
        .order_by("-created_at", "-id")
        .only(
            "created_at",
            "status",
            "cancelled_at",
            "credit_grant_id",
            "refund_grant_id",
            "fitness_class__name",
            "fitness_class__starts_at",
            "fitness_class__cancelled_at",
            "fitness_class__location__time_zone",
        )[: HISTORY_LIMIT + 1]
    )
    withdrawals = (
        StoredEvent.objects.filter(member_id=member.pk, type="CreditsWithdrawn")
        .order_by("-occurred_at", "-recorded_at")
        .only("occurred_at", "payload")[: HISTORY_LIMIT + 1]
    )
    entries = merge(
        (_grant_entry(grant, now) for grant in grants),
        (_spending_entry(booking) for booking in spending),
        (_withdrawal_entry(event) for event in withdrawals),
        key=lambda entry: entry.at,
        reverse=True,
    )
    history = list(islice(entries, HISTORY_LIMIT + 1))
    limits = scopes.scopes_of([grant.scope for grant in spendable])
    return CreditsOverview(
        balance=sum(grant.remaining for grant in spendable),
        spendable_grants=[
            SpendableGrant(
                remaining=grant.remaining,
                expires_at=grant.expires_at,
                expires_on=formatting.member_day(grant.expires_at, now),
                reason=grant.reason,
                pays_for=scope.describe(),
            )
            for grant, scope in zip(spendable, limits, strict=True)
        ],
        history=history[:HISTORY_LIMIT],
        history_truncated=len(history) > HISTORY_LIMIT,
    )


def _spending(member: Member) -> QuerySet[Booking]:
    """Every booking of the member that spent a credit, with its class."""
    return Booking.objects.filter(member=member, credit_grant__isnull=False).select_related(
        "fitness_class__location"
    )


def expiry_note(grant: CreditGrant, now: datetime) -> str:
    """“2 credits expired unused on 12 December”, for a grant that expired with credit left
    (the credits page and the admin member page)."""
    if not grant.remaining or grant.expires_at > now:
        return ""
    lost = formatting.count(grant.remaining, "credit", "credits")
    return f"{lost} expired unused on {formatting.member_day(grant.expires_at, now)}"


def _grant_entry(grant: CreditGrant, now: datetime) -> LedgerEntry:
    return LedgerEntry(
        at=grant.granted_at,
        change=grant.amount,
        description=grant.reason or "Credits added",
        note=expiry_note(grant, now),
    )


def _spending_entry(booking: Booking) -> LedgerEntry:
    fitness_class = booking.fitness_class
    when = formatting.member_time_with_year(fitness_class.starts_at, fitness_class.time_zone)
    return LedgerEntry(
        at=booking.created_at,
        change=-1,
        description=f"{fitness_class.name}, {when}",
        note=credit_note(booking),
        booked=True,
    )


def _withdrawal_entry(event: StoredEvent) -> LedgerEntry:
    return LedgerEntry(
        at=event.occurred_at,
        change=-event.payload["amount"],
        description="Credits taken back",
        note=event.payload.get("reason", ""),
    )


# --- Calendar feed ----------------------------------------------------------------------------


def member_by_calendar_token(token: str) -> Member | None:
    """The member whose feed `token` opens, if any (one query)."""
    return Member.objects.filter(calendar_token=token).only("id", "name").first()


def upcoming_spot_holding_bookings(member: Member, now: datetime) -> list[Booking]:
    """The member's bookings holding a spot (confirmed, or already checked in) in classes that
    have not ended yet, soonest first, with their class (one query)."""
    return list(
        Booking.objects.filter(
            member=member,
            status__in=SPOT_HOLDING_STATUSES,
            fitness_class__ends_at__gt=now,
            fitness_class__cancelled_at__isnull=True,
        )
        .select_related("fitness_class__location")
        .order_by("fitness_class__starts_at", "id")
    )
