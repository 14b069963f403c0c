"""The ORM adapter of the MemberRepository port: a member row, its credit-grant rows and its
live membership's row."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from weakref import WeakKeyDictionary

from django.db import IntegrityError, transaction

from domain import entities
from domain.exceptions import AlreadyAMemberException, MemberNotFoundException
from domain.memberships import Allowance, AllowancePeriod, Freeze, Membership, MembershipPlan
from domain.sales import Money
from events import sql
from members import scopes
from members.models import CreditGrant, Member
from members.models import Membership as MembershipRow

MEMBERS = "SELECT * FROM members_member WHERE id IN ({marks}) ORDER BY id"
# Grants with credit left, and those of a limited scope: a refund of a credit one paid keeps
# its scope (`Member.scope_of`), even once the grant is spent.
GRANTS = (
    "SELECT * FROM members_creditgrant WHERE member_id IN ({marks})"
    " AND (remaining > 0 OR scope <> '{{}}')"
)
MEMBERSHIPS = "SELECT * FROM members_membership WHERE member_id IN ({marks}) AND ended_at IS NULL"
LIVE_CONSTRAINT = "members_one_live_membership"


def to_entity(
    row: Member,
    grant_rows: list[CreditGrant],
    membership: MembershipRow | None = None,
    location_names: Mapping[int, str] | None = None,
) -> entities.Member:
    """`row`, `grant_rows` and `membership`: model instances, or rows of `sql.select` (the
    same names); `location_names` names the locations the grants are limited to, by id."""
    return entities.Member(
        member_id=str(row.id),
        name=row.name,
        email=row.email,
        grants=[grant_to_entity(grant, location_names or {}) for grant in grant_rows],
        bookings_paused_until=row.bookings_paused_until,
        erased_at=row.erased_at,
        active=row.is_active,
        membership=membership_to_entity(membership) if membership else None,
    )


def plan_of(row, *, plan_id: object, name: str, on_sale: bool = True) -> MembershipPlan:
    """The terms a plan row and a membership row both keep (the same columns), as a plan."""

    def fee(amount: Decimal | None) -> Money | None:
        return None if amount is None else Money(amount, row.currency)

    return MembershipPlan(
        plan_id=str(plan_id),
        name=name,
        price=Money(row.price, row.currency),
        tax_rate=row.tax_rate,
        billing_period=row.billing_period,
        allowance=Allowance(
            row.allowance_classes,
            AllowancePeriod(row.allowance_period) if row.allowance_period else None,
        ),
        extra_booking_window_days=row.extra_booking_window_days,
        on_sale=on_sale,
        late_cancel_fee=fee(row.late_cancel_fee),
        no_show_fee=fee(row.no_show_fee),
    )


def live_membership(member_id: uuid.UUID) -> Membership | None:
    """The member's live membership, for a page (one query)."""
    rows = sql.select(
        MembershipRow, MEMBERSHIPS.format(marks="%s"), sql.values(Member, id=member_id)
    )
    return membership_to_entity(rows[0]) if rows else None


def membership_to_entity(row: MembershipRow) -> Membership:
    return Membership(
        membership_id=str(row.id),
        member_id=str(row.member_id),
        plan=plan_of(row, plan_id=row.plan_id, name=row.plan_name),
        started_at=row.started_at,
        period_start=row.period_start,
        period_end=row.period_end,
        payment_method=row.payment_method,
        payment_reference=row.payment_reference,
        freezes=[Freeze(date.fromisoformat(a), date.fromisoformat(b)) for a, b in row.freezes],
        cancel_at_period_end=row.cancel_at_period_end,
        ended_at=row.ended_at,
        payment_references=list(row.payment_references),
        external_subscription_id=row.external_subscription_id,
        renewal_failed_at=row.renewal_failed_at,
    )


def membership_fields(membership: Membership) -> dict[str, object]:
    """Every column of a membership row but its id."""
    plan = membership.plan
    allowance = plan.allowance
    return {
        "member_id": membership.member_id,
        "plan_id": plan.plan_id,
        "plan_name": plan.name,
        "price": plan.price.amount,
        "currency": plan.price.currency,
        "tax_rate": plan.tax_rate,
        "billing_period": plan.billing_period.value,
        "allowance_classes": allowance.classes,
        "allowance_period": allowance.per.value if allowance.per else "",
        "extra_booking_window_days": plan.extra_booking_window_days,
        "late_cancel_fee": plan.late_cancel_fee.amount if plan.late_cancel_fee else None,
        "no_show_fee": plan.no_show_fee.amount if plan.no_show_fee else None,
        "started_at": membership.started_at,
        "period_start": membership.period_start,
        "period_end": membership.period_end,
        "freezes": [[f.starts_on.isoformat(), f.ends_on.isoformat()] for f in membership.freezes],
        "cancel_at_period_end": membership.cancel_at_period_end,
        "ended_at": membership.ended_at,
        "payment_method": membership.payment_method,
        "payment_reference": membership.payment_reference,
        "payment_references": list(membership.payment_references),
        "external_subscription_id": membership.external_subscription_id,
        "renewal_failed_at": membership.renewal_failed_at,
    }


def grant_to_entity(row: CreditGrant, location_names: Mapping[int, str]) -> entities.CreditGrant:
    return entities.CreditGrant(
        grant_id=str(row.id),
        amount=row.amount,
        remaining=row.remaining,
        granted_at=row.granted_at,
        expires_at=row.expires_at,
        reason=row.reason,
        expiry_recorded=row.expiry_recorded,
        scope=scopes.scope_of(row.scope, location_names),
    )


def grant_fields(
    member_id: str, grant: entities.CreditGrant, location_ids: Mapping[str, int]
) -> dict[str, object]:
    """A new grant's row, its scope's locations by id as `location_ids` (name → id) has them."""
    return {
        "id": grant.grant_id,
        "member_id": member_id,
        "amount": grant.amount,
        "remaining": grant.remaining,
        "granted_at": grant.granted_at,
        "expires_at": grant.expires_at,
        "reason": grant.reason,
        "expiry_recorded": grant.expiry_recorded,
        "scope": scopes.scope_field(grant.scope, location_ids),
    }


def member_fields(member: entities.Member) -> dict[str, object]:
    """The member's own columns, as `save` writes them."""
    return {
        "name": member.name,
        "email": str(member.email),
        "bookings_paused_until": member.bookings_paused_until,
        "erased_at": member.erased_at,
    }


@dataclass(frozen=True)
class _Stored:
    """What the database holds of a member this process loaded or saved: her columns, each
    grant's (remaining, expiry_recorded) and her membership's (id, columns), if any."""

    fields: dict[str, object]
    grants: dict[str, tuple[int, bool]]
    membership: tuple[str, dict[str, object]] | None = None

    @classmethod
    def of(cls, member: entities.Member) -> "_Stored":
        return cls(
            member_fields(member),
            {g.grant_id: (g.remaining, g.expiry_recorded) for g in member.grants},
            _membership_state(member.membership),
        )


def _membership_state(membership: Membership | None) -> tuple[str, dict[str, object]] | None:
    if membership is None:
        return None
    return membership.membership_id, membership_fields(membership)


# Members as they were loaded (or last saved), so that `save` writes only what changed
# without reading it back. Keyed by the entity itself, so a member no use case holds any
# more is forgotten; the repository stays stateless for callers (one serves every thread).
_stored: WeakKeyDictionary[entities.Member, _Stored] = WeakKeyDictionary()


def _loaded(member: entities.Member) -> entities.Member:
    _stored[member] = _Stored.of(member)
    return member


def _parse_id(member_id: object) -> uuid.UUID:
    """The primary key named by `member_id`; a malformed id names no member."""
    try:
        return uuid.UUID(str(member_id))
    except ValueError:
        raise MemberNotFoundException() from None


class DjangoMemberRepository:
    """Members with the grants they can still spend from and their live membership: three
    queries to load, at most three to save her ledger (none for an unchanged member), however
    many grants the member holds, and one more for a changed membership. A grant limited to
    some locations keeps them by id (`members.scopes`): loading such a grant reads their
    current names, and saving a new one their ids, in one query more each. The hot
    statements are SQL written once (`events.sql`)."""

    def get_by_id(self, member_id: str, *, for_update: bool = False) -> entities.Member:
        """The member and every grant with credit left, expired ones included.

        Expired grants are loaded so that the entity, not the query, decides what is spendable
        (`CreditGrant.is_spendable(now)`); fully spent grants are history and stay behind,
        but for those of a limited scope, which a refund of their credit reads.
        With `for_update` the member row stays locked until the transaction ends: that lock is
        what serialises spending (the grant rows are only ever written under it).
        """
        members = self._load([_parse_id(member_id)], for_update=for_update)
        if not members:
            raise MemberNotFoundException()
        return members[0]

    def get_contact(self, member_id: str) -> entities.Member:
        key = sql.values(Member, id=_parse_id(member_id))
        rows = sql.select(Member, MEMBERS.format(marks="%s"), key)
        if not rows:
            raise MemberNotFoundException()
        return to_entity(rows[0], [])

    def get_by_ids(
        self, member_ids: list[str], *, for_update: bool = False
    ) -> list[entities.Member]:
        """Several members in primary-key order (the order their locks are taken in)."""
        ids = []
        for member_id in member_ids:
            try:
                ids.append(uuid.UUID(str(member_id)))
            except ValueError:
                continue
        return self._load(sorted(set(ids)), for_update=for_update)

    def _load(self, ids: list[uuid.UUID], *, for_update: bool) -> list[entities.Member]:
        """Three statements: the member rows (locked in key order with `for_update`), then the
        grants with credit left and the live memberships (read after the lock, so as its last
        holder left them: both are only ever written under it); a fourth for the names of the
        locations some grants are limited to, if any (a rename keeps the limit)."""
        if not ids:
            return []
        keys = sql.db_values(Member, "id", ids)
        lock = sql.for_update() if for_update else ""
        rows = sql.select(Member, MEMBERS.format(marks=sql.marks(len(keys))) + lock, keys)
        if not rows:
            return []
        grants: dict[object, list[CreditGrant]] = {row.id: [] for row in rows}
        found = sql.db_values(Member, "id", grants)
        marks = sql.marks(len(found))
        for grant in sql.select(CreditGrant, GRANTS.format(marks=marks), found):
            grants[grant.member_id].append(grant)
        names = scopes.location_names(
            pk
            for held in grants.values()
            for grant in held
            for pk in scopes.location_ids(grant.scope)
        )
        memberships = {
            row.member_id: row
            for row in sql.select(MembershipRow, MEMBERSHIPS.format(marks=marks), found)
        }
        return [
            _loaded(to_entity(row, grants[row.id], memberships.get(row.id), names)) for row in rows
        ]

    def save(self, member: entities.Member) -> None:
        """Write the name and e-mail if they changed, insert new grants and update the
        `remaining` of changed ones; a grant is never deleted.

        A member loaded (or saved) here is compared with what was loaded, so an unchanged
        row is not rewritten and nothing is read back. That is exact because the member is
        loaded with `for_update=True` whenever her grants change (the use cases do): under
        that lock the stored values are the ones the entity was loaded with. Any other
        member is compared with the database, in one query.
        """
        fields = member_fields(member)
        before = _stored.get(member) or self._as_stored(member, fields)
        if before is None:
            Member.objects.create(id=member.id, **fields)
            before = _Stored({}, {})
        elif before.fields != fields:
            Member.objects.filter(pk=member.id).update(**fields)
        new = [grant for grant in member.grants if grant.grant_id not in before.grants]
        changed = [
            grant
            for grant in member.grants
            if grant.grant_id in before.grants
            and before.grants[grant.grant_id] != (grant.remaining, grant.expiry_recorded)
        ]
        if new:
            ids = scopes.location_ids_by_name(grant.scope for grant in new)
            sql.insert(CreditGrant, [grant_fields(member.id, grant, ids) for grant in new])
        if len(changed) == 1:
            (grant,) = changed
            sql.update(
                CreditGrant,
                grant.grant_id,
                remaining=grant.remaining,
                expiry_recorded=grant.expiry_recorded,
            )
        elif changed:
            CreditGrant.objects.bulk_update(
                [
                    CreditGrant(
                        id=grant.grant_id,
                        remaining=grant.remaining,
                        expiry_recorded=grant.expiry_recorded,
                    )
                    for grant in changed
                ],
                ["remaining", "expiry_recorded"],
            )
        self._save_membership(member.membership, before.membership)
        _loaded(member)

    def _save_membership(
        self, membership: Membership | None, before: tuple[str, dict[str, object]] | None
    ) -> None:
        """Update the membership's row if it changed; insert a new one, in a savepoint so the
        one-live-membership constraint's refusal leaves the transaction usable."""
        state = _membership_state(membership)
        if state is None or state == before:
            return
        membership_id, fields = state
        if before is not None and before[0] == membership_id:
            MembershipRow.objects.filter(pk=membership_id).update(**fields)
            return
        try:
            with transaction.atomic():
                MembershipRow.objects.update_or_create(id=membership_id, defaults=fields)
        except IntegrityError as error:
            if LIVE_CONSTRAINT in str(error) or "members_membership.member_id" in str(error):
                raise AlreadyAMemberException() from error
            raise

    def _as_stored(self, member: entities.Member, fields: dict[str, object]) -> _Stored | None:
        """A member this process did not load, as the database holds her (None: a new one).
        Her columns are rewritten (they are not read), her grants compared."""
        if not Member.objects.filter(pk=member.id).update(**fields):
            return None
        return _Stored(
            fields,
            {
                str(pk): (remaining, expiry_recorded)
                for pk, remaining, expiry_recorded in CreditGrant.objects.filter(
                    member_id=member.id, pk__in=[grant.grant_id for grant in member.grants]
                ).values_list("pk", "remaining", "expiry_recorded")
            },
        )

    def ids_with_lapsed_memberships(self, now: datetime) -> list[str]:
        members = MembershipRow.objects.filter(ended_at__isnull=True, period_end__lte=now)
        return [str(pk) for pk in members.order_by("member_id").values_list("member_id", flat=True)]

    def ids_with_unrecorded_expired_credits(self, now: datetime) -> list[str]:
        members = (
            CreditGrant.objects.filter(remaining__gt=0, expires_at__lte=now, expiry_recorded=False)
            .order_by("member_id")
            .values_list("member_id", flat=True)
            .distinct()
        )
        return [str(pk) for pk in members]
