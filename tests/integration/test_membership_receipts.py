"""A membership's payments in the database: each period paid is a row beside the membership,
placed at her home gym, e-mailed as a receipt by the mail worker and in her data export; and
payments made before they were kept are rebuilt from the log."""

import importlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core import mail
from django.db import IntegrityError, connection

from domain.sales import PaymentMethod
from events.models import StoredEvent
from members.data_export import member_data
from members.models import Membership
from sales.models import MembershipPayment
from sales.wording import receipt_number
from tests.factories import LocationFactory, MemberFactory, MembershipPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(settings):
    settings.GYM_LEGAL_NAME = "Old Town Fitness Ltd"
    settings.GYM_ADDRESS = "1 Old Town Square"
    settings.GYM_TAX_NUMBER = ""


@pytest.fixture
def old_town():
    return LocationFactory(name="Old Town", time_zone="Europe/London")


@pytest.fixture
def ana(old_town):
    return MemberFactory(name="Ana Silva", email="ana@example.com", home_location=old_town)


@pytest.fixture
def unlimited():
    return MembershipPlanFactory(
        name="Unlimited",
        price=Decimal("60.00"),
        tax_rate=Decimal("20"),
        allowance_classes=None,
        allowance_period="",
    )


def start(services, member, plan):
    return services.start_membership.execute(
        str(member.pk), str(plan.pk), method=PaymentMethod.CASH, recorded_by="Dee Desk"
    )


def renew(services, member):
    services.renew_membership.execute(
        str(member.pk), method=PaymentMethod.CARD_TERMINAL, recorded_by="Dee Desk"
    )


def test_a_start_and_a_renewal_are_two_payments_at_her_home_gym(services, ana, unlimited, old_town):
    membership = start(services, ana, unlimited)
    renew(services, ana)

    first, renewal = MembershipPayment.objects.order_by("paid_at", "kind")
    row = Membership.objects.get(pk=membership.membership_id)
    assert (first.kind, renewal.kind) == ("start", "renewal")
    assert first.period_end == renewal.period_start
    assert renewal.period_end == row.period_end
    assert {first.location, renewal.location} == {old_town}
    assert (first.plan_name, first.price, first.tax, first.tax_rate) == (
        "Unlimited",
        Decimal("60.00"),
        Decimal("10.00"),
        Decimal("20.00"),
    )
    assert sorted(row.payment_references) == sorted([first.reference, renewal.reference])
    started = StoredEvent.objects.get(type="MembershipStarted")
    assert started.payload["payment_id"] == str(first.pk)


def test_one_reference_is_kept_once_per_membership(services, ana, unlimited):
    start(services, ana, unlimited)
    paid = MembershipPayment.objects.get()
    paid.pk = None

    with pytest.raises(IntegrityError):
        paid.save(force_insert=True)


def test_each_period_paid_is_mailed_as_a_receipt(services, seller, ana, unlimited, mail_worker):
    start(services, ana, unlimited)
    renew(services, ana)

    mail_worker()

    first, renewal = MembershipPayment.objects.order_by("paid_at", "kind")
    started, renewed = sorted(mail.outbox, key=lambda message: "renewed" in message.body)
    assert started.to == ["ana@example.com"]
    assert started.subject == f"Your receipt {receipt_number(first.pk)} from Old Town Fitness Ltd"
    assert "Your membership has started." in started.body
    assert "Unlimited membership" in started.body.splitlines()
    assert "Price (tax included): 60.00 EUR" in started.body.splitlines()
    assert "Tax at 20%:    10.00 EUR" in started.body.splitlines()
    assert f"Paid by Cash, reference {first.reference}" in started.body.splitlines()
    assert "First period: from " in started.body
    assert renewed.subject == f"Your receipt {receipt_number(renewal.pk)} from Old Town Fitness Ltd"
    assert "Your membership is renewed." in renewed.body
    assert "Renewal: from " in renewed.body
    assert "Unlimited membership" in renewed.alternatives[0][0]


def test_an_erased_member_is_sent_no_membership_receipt(services, ana, unlimited, mail_worker):
    start(services, ana, unlimited)
    services.erase_member.execute(str(ana.pk))

    mail_worker()

    assert mail.outbox == []
    assert MembershipPayment.objects.count() == 1  # the money record stays


def test_her_data_export_has_every_period_paid(services, ana, unlimited):
    start(services, ana, unlimited)
    renew(services, ana)

    data = member_data(ana, datetime.now(UTC))

    [memberships] = [section for section in data.sections if section.name == "memberships"]
    [membership] = memberships.rows()
    assert [(p["kind"], p["price"], p["paid_by"]) for p in membership["payments"]] == [
        ("First period", Decimal("60.00"), "Cash"),
        ("Renewal", Decimal("60.00"), "Card terminal"),
    ]


def test_the_migration_rebuilds_payments_made_before_they_were_kept(services, ana, unlimited):
    # given a membership started, frozen for 3 days and renewed, its payments not kept
    membership = start(services, ana, unlimited)
    today = datetime.now(UTC).date()
    services.freeze_membership.execute(
        str(ana.pk), today + timedelta(days=1), today + timedelta(days=3)
    )
    renew(services, ana)
    kept = {
        row.reference: (row.kind, row.period_start, row.period_end, row.price, row.location_id)
        for row in MembershipPayment.objects.all()
    }
    MembershipPayment.objects.all().delete()
    migration = importlib.import_module("sales.migrations.0013_membership_payments_from_the_log")

    # when the migration's data step runs, twice
    migration.keep_logged_payments(apps, SimpleNamespace(connection=connection))
    migration.keep_logged_payments(apps, SimpleNamespace(connection=connection))

    # then each payment is as the use cases kept it
    rebuilt = {
        row.reference: (row.kind, row.period_start, row.period_end, row.price, row.location_id)
        for row in MembershipPayment.objects.filter(membership_id=membership.membership_id)
    }
    assert rebuilt == kept
    assert len(rebuilt) == 2
