"""The migration that gives locations their own rules leaves every one empty, so every
location keeps the chain's rules: a class read afterwards has no rules of its own, and the
rules go again when migrated back.

The database is migrated back to before the rules, a location and a class added through the
models of that state, and migrated forward again, as an installation upgrading would be.
"""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from classes.repositories import DjangoClassRepository
from domain.values import NO_LOCATION_RULES
from locations.models import Location
from locations.rules import RULE_COLUMNS
from tests.migrations import latest, migrate, migrated_back

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_RULES = [("locations", "0003_staff_locations")]
STARTS = datetime(2030, 3, 4, 18, 0, tzinfo=UTC)


@pytest.fixture
def old_apps():
    yield from migrated_back(BEFORE_RULES)


def test_locations_keep_the_chains_rules_after_the_migration(old_apps):
    # given a location and a class of it before locations had rules
    old_location = old_apps.get_model("locations", "Location").objects.create(
        name="Old Town", time_zone="Europe/London"
    )
    spin = old_apps.get_model("classes", "FitnessClass").objects.create(
        id=uuid.uuid4(),
        name="Spin",
        location=old_location,
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=1),
        capacity=10,
    )
    assert "refund_expiry_days" not in {
        field.name for field in old_apps.get_model("locations", "Location")._meta.fields
    }

    # when the database is migrated forward
    migrate(latest())

    # then every rule is empty, and the class reads with none of its own
    rules = Location.objects.filter(pk=old_location.pk).values(*RULE_COLUMNS).get()
    assert set(rules.values()) <= {None, ""}
    assert DjangoClassRepository().get_by_id(str(spin.pk)).rules == NO_LOCATION_RULES
