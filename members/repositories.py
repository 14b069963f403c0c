"""The ORM adapter of the MemberRepository port: a member row and its credit-grant rows."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from weakref import WeakKeyDictionary

from domain import entities
from domain.exceptions import MemberNotFoundException
from events import sql
from members.models import CreditGrant, Member

MEMBERS = "SELECT * FROM members_member WHERE id IN ({marks}) ORDER BY id"
GRANTS = "SELECT * FROM members_creditgrant WHERE member_id IN ({marks}) AND remaining > 0"


def to_entity(row: Member, grant_rows: list[CreditGrant]) -> entities.Member:
    """`row` and `grant_rows`: model instances, or rows of `sql.select` (the same names)."""
    return entities.Member(
        member_id=str(row.id),
        name=row.name,
        email=row.email,
        grants=[grant_to_entity(grant) for grant in grant_rows],
        bookings_paused_until=row.bookings_paused_until,
        erased_at=row.erased_at,
        active=row.is_active,
    )


def grant_to_entity(row: CreditGrant) -> entities.CreditGrant:
    return entities.CreditGrant(
        grant_id=str(row.id),
        amount=row.amount,
        remaining=row.remaining,
        granted_at=row.granted_at,
        expires_at=row.expires_at,
        reason=row.reason,
        expiry_recorded=row.expiry_recorded,
    )


def grant_fields(member_id: str, grant: entities.CreditGrant) -> dict[str, object]:
    return {
        "id": grant.grant_id,
        "member_id": member_id,
        "amount": grant.amount,
        "remaining": grant.remaining,
        "granted_at": grant.granted_at,
        "expires_at": grant.expires_at,
        "reason": grant.reason,
        "expiry_recorded": grant.expiry_recorded,
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
    """What the database holds of a member this process loaded or saved: her columns and
    each grant's (remaining, expiry_recorded)."""

    fields: dict[str, object]
    grants: dict[str, tuple[int, bool]]

    @classmethod
    def of(cls, member: entities.Member) -> "_Stored":
        return cls(
            member_fields(member),
            {g.grant_id: (g.remaining, g.expiry_recorded) for g in member.grants},
        )


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
    """Members with the grants they can still spend from: two queries to load, at most three
    to save (none for an unchanged member), however many grants the member holds. The hot
    statements are SQL written once (`events.sql`)."""

    def get_by_id(self, member_id: str, *, for_update: bool = False) -> entities.Member:
        """The member and every grant with credit left, expired ones included.

        Expired grants are loaded so that the entity, not the query, decides what is spendable
        (`CreditGrant.is_spendable(now)`); fully spent grants are history and stay behind.
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
        """Two statements: the member rows (locked in key order with `for_update`), then the
        grants with credit left (read after the lock, so as its last holder left them)."""
        if not ids:
            return []
        keys = sql.db_values(Member, "id", ids)
        lock = sql.for_update() if for_update else ""
        rows = sql.select(Member, MEMBERS.format(marks=sql.marks(len(keys))) + lock, keys)
        if not rows:
            return []
        grants: dict[object, list[CreditGrant]] = {row.id: [] for row in rows}
        found = sql.db_values(Member, "id", grants)
        for grant in sql.select(CreditGrant, GRANTS.format(marks=sql.marks(len(found))), found):
            grants[grant.member_id].append(grant)
        return [_loaded(to_entity(row, grants[row.id])) for row in rows]

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
            sql.insert(CreditGrant, [grant_fields(member.id, grant) for grant in new])
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
                [CreditGrant(**grant_fields(member.id, grant)) for grant in changed],
                ["remaining", "expiry_recorded"],
            )
        _loaded(member)

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

    def ids_with_unrecorded_expired_credits(self, now: datetime) -> list[str]:
        members = (
            CreditGrant.objects.filter(remaining__gt=0, expires_at__lte=now, expiry_recorded=False)
            .order_by("member_id")
            .values_list("member_id", flat=True)
            .distinct()
        )
        return [str(pk) for pk in members]
