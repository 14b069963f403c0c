"""A grant's scope as its row keeps it: its locations by id, so that renaming a location in
admin keeps the limit, and its class names as they were sold.

The row's JSON holds only the parts that limit something: `location_ids`, `class_names`, and
`locations` for names that matched no location when they were stored (a grant converted by
migration 0017 from a name since renamed or closed keeps that name, matched by name as before:
dropping it would have widened the grant to every location). The domain's `CreditScope` reads
locations by name, so a row is read with its locations' current names; an id whose location
was deleted since reads as `closed_location(id)`, which no class is at.
"""

from collections.abc import Iterable, Mapping

from domain.values import CreditScope
from locations.models import Location

LOCATION_IDS = "location_ids"
CLASS_NAMES = "class_names"
NAMED = "locations"  # names that matched no location when stored


def closed_location(location_id: int) -> str:
    return f"a closed location (#{location_id})"


def location_ids(field: Mapping[str, list]) -> set[int]:
    return set(field.get(LOCATION_IDS, ()))


def scope_of(field: Mapping[str, list], names: Mapping[int, str]) -> CreditScope:
    """The scope a row keeps, its locations named as `names` (id → current name) has them."""
    places = [names.get(pk) or closed_location(pk) for pk in field.get(LOCATION_IDS, ())]
    return CreditScope(
        locations=tuple(sorted([*places, *field.get(NAMED, ())])),
        class_names=tuple(field.get(CLASS_NAMES, ())),
    )


def location_names(ids: Iterable[int]) -> dict[int, str]:
    """The current names of the locations `ids`: one query, none for no ids."""
    ids = set(ids)
    if not ids:
        return {}
    return dict(Location.objects.filter(pk__in=ids).values_list("pk", "name"))


def scopes_of(fields: list[Mapping[str, list]]) -> list[CreditScope]:
    """The scopes of several rows, their locations' names read in one query (none when no row
    is limited to locations)."""
    names = location_names(pk for field in fields for pk in location_ids(field))
    return [scope_of(field, names) for field in fields]


def scope_field(scope: CreditScope, ids: Mapping[str, int]) -> dict[str, list]:
    """`scope` as a row keeps it, its locations by id as `ids` (name → id) has them."""
    found = [ids[name] for name in scope.locations if name in ids]
    parts = {
        LOCATION_IDS: sorted(found),
        CLASS_NAMES: list(scope.class_names),
        NAMED: [name for name in scope.locations if name not in ids],
    }
    return {part: values for part, values in parts.items() if values}


def location_ids_by_name(scopes: Iterable[CreditScope]) -> dict[str, int]:
    """The ids of the locations `scopes` name: one query, none when none names a location."""
    names = {name for scope in scopes for name in scope.locations}
    if not names:
        return {}
    return {
        name: pk for pk, name in Location.objects.filter(name__in=names).values_list("pk", "name")
    }
