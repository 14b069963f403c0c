"""Refunds' migrations (sales 0006, 0007): sales made before purchases had a location are
placed at their member's home gym as it is then (none for a member without one). (Refunding
being the Manager's permission, 0007, is shown in tests/web/test_refunds_admin.py.)

The database is migrated back to before refunds, filled as it was then, and migrated forward
again, as an installation upgrading would be.
"""

from decimal import Decimal

import pytest
from django.utils import timezone

from sales.models import Purchase
from tests.factories import LocationFactory
from tests.migrations import latest, migrate, migrated_back

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_REFUNDS = [("sales", "0005_fee_permissions")]


@pytest.fixture
def old_apps():
    yield from migrated_back(BEFORE_REFUNDS)


def old_sale(apps, member, product):
    now = timezone.now()
    grant = apps.get_model("members", "CreditGrant").objects.create(
        member=member,
        amount=10,
        remaining=10,
        granted_at=now,
        expires_at=now + timezone.timedelta(days=90),
    )
    return apps.get_model("sales", "Purchase").objects.create(
        member=member,
        product=product,
        credit_grant=grant,
        product_name=product.name,
        credits=10,
        price=Decimal("90.00"),
        tax=Decimal("15.00"),
        tax_rate=Decimal("20"),
        currency="EUR",
        payment_method="cash",
        recorded_by="Dee Desk",
        purchased_at=now,
    )


def test_past_sales_are_placed_at_their_members_home_gym(old_apps):
    # given two sales from before purchases had a location
    location = LocationFactory(name="Old Town")  # the locations are migrated forward already
    member = old_apps.get_model("members", "Member")
    ana = member.objects.create(name="Ana", email="ana@example.com", home_location_id=location.pk)
    ben = member.objects.create(name="Ben", email="ben@example.com")
    product = old_apps.get_model("sales", "Product").objects.create(
        name="10 classes", credits=10, valid_days=90, price=Decimal("90.00")
    )
    placed, unplaced = old_sale(old_apps, ana, product), old_sale(old_apps, ben, product)

    # when
    migrate(latest())

    # then
    assert Purchase.objects.get(pk=placed.pk).location.name == "Old Town"
    assert Purchase.objects.get(pk=unplaced.pk).location is None
