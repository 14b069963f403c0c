"""The migrations that give locations opening hours and closures give none to the locations
there are, so each stays open at all times: a class at any hour is still accepted there. The
Manager group may change them, the Front desk see them; migrating back drops the tables.

The database is migrated back to before opening rules, a location added through the models
of that state, and migrated forward again, as an installation upgrading would be.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from locations.models import Location
from locations.opening import opening_rules

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_OPENING_RULES = [("locations", "0004_location_rules")]
PERMISSIONS = {"add", "change", "delete", "view"}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def old_apps():
    apps = migrate(BEFORE_OPENING_RULES)
    yield apps
    migrate(latest())


def test_existing_locations_have_no_hours_and_stay_open_at_all_times(old_apps):
    old = old_apps.get_model("locations", "Location").objects.create(
        name="Old Town", time_zone="Europe/London"
    )

    migrate(latest())

    location = Location.objects.get(pk=old.pk)
    assert not location.opening_hours.exists()
    assert not location.closures.exists()
    rules = opening_rules(location)
    night = datetime(2030, 3, 10, 2, 30, tzinfo=UTC)  # a Sunday, 02:30
    assert rules.refusal(night, night + timedelta(hours=1)) is None


def test_managers_change_the_opening_rules_and_the_front_desk_sees_them(old_apps):
    migrate(latest())

    def granted(group: str) -> set[str]:
        permissions = Group.objects.get(name=group).permissions.filter(
            content_type__app_label="locations",
            content_type__model__in=["openinghours", "closure"],
        )
        return set(permissions.values_list("codename", flat=True))

    assert granted("Manager") == {
        f"{action}_{model}" for action in PERMISSIONS for model in ("openinghours", "closure")
    }
    assert granted("Front desk") == {"view_openinghours", "view_closure"}


def test_migrating_back_drops_the_opening_rules(old_apps):
    tables = connection.introspection.table_names()

    assert "locations_openinghours" not in tables
    assert "locations_closure" not in tables
