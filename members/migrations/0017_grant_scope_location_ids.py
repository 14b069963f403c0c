"""Grants limited to some locations keep them by id, so that renaming a location keeps the
limit (`members.scopes`).

Forward, each `{"locations": [names]}` becomes `{"location_ids": [ids]}`; a name that no
location has now (renamed or closed since the sale) stays under "locations", matched by name
as before: dropping it would widen the grant to every location. Backward, ids become their
locations' current names again (a deleted location's id is dropped with its name unknown).
"""

from django.db import migrations


def with_location_ids(scope: dict, ids: dict[str, int]) -> dict:
    """`scope` (a grant row's) with the names `ids` knows (name → id) as ids."""
    names = scope.get("locations", [])
    if not names:
        return scope
    converted = {key: value for key, value in scope.items() if key != "locations"}
    found = sorted(ids[name] for name in names if name in ids)
    kept = [name for name in names if name not in ids]
    if found:
        converted["location_ids"] = sorted({*converted.get("location_ids", []), *found})
    if kept:
        converted["locations"] = kept
    return converted


def with_location_names(scope: dict, names: dict[int, str]) -> dict:
    """`scope` with its location ids as the names `names` (id → name) gives them."""
    ids = scope.get("location_ids", [])
    if not ids:
        return scope
    converted = {key: value for key, value in scope.items() if key != "location_ids"}
    known = [names[pk] for pk in ids if pk in names]
    places = sorted({*converted.get("locations", []), *known})
    if places:
        converted["locations"] = places
    return converted


def _convert(apps, field: str, change, key_of) -> None:
    CreditGrant = apps.get_model("members", "CreditGrant")
    Location = apps.get_model("locations", "Location")
    table = dict(key_of(Location.objects.values_list("pk", "name")))
    changed = []
    for grant in CreditGrant.objects.exclude(scope={}).only("scope").iterator():
        if field in grant.scope:
            grant.scope = change(grant.scope, table)
            changed.append(grant)
    CreditGrant.objects.bulk_update(changed, ["scope"], batch_size=500)


def forward(apps, schema_editor) -> None:
    _convert(apps, "locations", with_location_ids, lambda rows: ((n, pk) for pk, n in rows))


def backward(apps, schema_editor) -> None:
    _convert(apps, "location_ids", with_location_names, lambda rows: rows)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0016_credit_grant_scope"),
        ("locations", "0006_opening_permissions"),
    ]

    operations = [migrations.RunPython(forward, backward)]
