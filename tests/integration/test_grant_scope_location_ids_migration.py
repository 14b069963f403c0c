"""Migration members 0017: grants limited to locations by name come to keep them by id, so a
rename keeps the limit; a name no location has stays a name (the grant stays limited)."""

from importlib import import_module

import pytest
from django.apps import apps

from members.models import CreditGrant
from members.repositories import DjangoMemberRepository
from tests.factories import CreditGrantFactory, LocationFactory, MemberFactory

pytestmark = pytest.mark.django_db

migration = import_module("members.migrations.0017_grant_scope_location_ids")


def test_location_names_become_ids_and_an_unknown_name_is_kept():
    ids = {"Old Town": 3, "Riverside": 1}

    assert migration.with_location_ids(
        {"locations": ["Old Town", "Riverside"], "class_names": ["Yoga"]}, ids
    ) == {"class_names": ["Yoga"], "location_ids": [1, 3]}
    assert migration.with_location_ids({"locations": ["Old Town", "Gone Gym"]}, ids) == {
        "location_ids": [3],
        "locations": ["Gone Gym"],
    }
    assert migration.with_location_ids({"class_names": ["Yoga"]}, ids) == {"class_names": ["Yoga"]}
    assert migration.with_location_ids({}, ids) == {}


def test_forward_converts_the_stored_grants_and_backward_restores_their_names():
    # given grants stored by location name before the migration: one for a location that
    # exists, one for a name no location has, one for class names only, one open
    old_town = LocationFactory(name="Old Town")
    ana = MemberFactory()
    by_name = CreditGrantFactory(member=ana, scope={"locations": ["Old Town"]})
    unknown = CreditGrantFactory(member=ana, scope={"locations": ["Gone Gym"]})
    yoga = CreditGrantFactory(member=ana, scope={"class_names": ["Yoga"]})
    every = CreditGrantFactory(member=ana)

    # when the migration runs forward
    migration.forward(apps, None)

    # then the known location is kept by id, the rest as it was
    def scope(grant):
        return CreditGrant.objects.get(pk=grant.pk).scope

    assert scope(by_name) == {"location_ids": [old_town.pk]}
    assert scope(unknown) == {"locations": ["Gone Gym"]}
    assert (scope(yoga), scope(every)) == ({"class_names": ["Yoga"]}, {})
    # and the converted grant survives a rename, the kept name still limits its grant
    old_town.name = "Old Town Central"
    old_town.save()
    loaded = {g.grant_id: g.scope for g in DjangoMemberRepository().get_by_id(str(ana.pk)).grants}
    assert loaded[str(by_name.pk)].locations == ("Old Town Central",)
    assert loaded[str(unknown.pk)].locations == ("Gone Gym",)

    # when it runs backward, the ids become the locations' current names
    migration.backward(apps, None)
    assert scope(by_name) == {"locations": ["Old Town Central"]}
    assert scope(unknown) == {"locations": ["Gone Gym"]}
