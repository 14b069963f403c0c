"""Failed renewals in the memberships admin: a column, a "Renewal failed" filter and how many
await action, at the staff's own locations (a membership is its member's home gym's, or the
chain's when she has none); a renewal paid since clears it, and failures logged before the
membership kept them are flagged by the migration."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from domain.sales import PaymentMethod
from members.models import Membership
from tests.factories import LocationFactory, MemberFactory, MembershipPlanFactory, staff_client
from tests.web.test_admin import messages_of

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:members_membership_changelist")
FAILED = f"{CHANGELIST}?renewal=failed"


def membership_of(services, name, home_location=None, *, failed=True) -> Membership:
    member = MemberFactory(name=name, home_location=home_location)
    services.start_membership.execute(
        str(member.pk),
        str(MembershipPlanFactory().pk),
        method=PaymentMethod.CASH,
        recorded_by="Dee Desk",
    )
    if failed:
        services.record_renewal_failure.execute(str(member.pk), "Card declined")
    return Membership.objects.get(member=member)


@pytest.fixture
def gyms(services):
    """Ana (Old Town) and Ben (Riverside) whose renewals failed, Cleo (Old Town) whose did
    not, and Dora, of no gym, whose failed."""
    old_town, riverside = LocationFactory(name="Old Town"), LocationFactory(name="Riverside")
    membership_of(services, "Ana Silva", old_town)
    membership_of(services, "Ben Ortiz", riverside)
    membership_of(services, "Cleo Park", old_town, failed=False)
    membership_of(services, "Dora Lane")
    return old_town, riverside


def listed(response) -> set[str]:
    return {str(membership.member) for membership in response.context["cl"].result_list}


def test_the_filter_lists_the_failed_renewals_and_the_list_says_how_many(
    client, django_user_model, gyms
):
    boss = staff_client(client, django_user_model, "Manager", "boss")

    response = boss.get(FAILED)

    assert listed(response) == {"Ana Silva", "Ben Ortiz", "Dora Lane"}
    [warning] = messages_of(response)
    assert "3 memberships with a failed renewal" in warning and FAILED in warning
    assert "Failed: awaiting action" in response.content.decode()


def test_the_front_desk_of_one_gym_sees_its_own_and_the_chain_s_only(
    client, django_user_model, gyms
):
    old_town, _ = gyms
    desk = staff_client(client, django_user_model, "Front desk", "desk", locations=[old_town])

    everything = desk.get(CHANGELIST)
    failed = desk.get(FAILED)

    assert listed(everything) == {"Ana Silva", "Cleo Park", "Dora Lane"}
    assert listed(failed) == {"Ana Silva", "Dora Lane"}
    assert "2 memberships with a failed renewal" in messages_of(failed)[0]
    assert "Ben Ortiz" not in everything.content.decode()
    ben = Membership.objects.get(member__name="Ben Ortiz")
    assert desk.get(reverse("admin:members_membership_change", args=[ben.pk])).status_code == 404


def test_a_renewal_paid_since_the_failure_clears_it(client, django_user_model, services):
    ana = membership_of(services, "Ana Silva")
    services.renew_membership.execute(
        str(ana.member_id), method=PaymentMethod.CASH, recorded_by="Dee Desk"
    )
    boss = staff_client(client, django_user_model, "Manager", "boss")

    response = boss.get(FAILED)

    assert listed(response) == set()
    assert messages_of(response) == []


def test_the_migration_flags_the_renewals_that_failed_before_it_was_kept(services):
    # given Ana's renewal failed, and Ben's failed then was paid, neither flag kept
    ana = membership_of(services, "Ana Silva")
    ben = membership_of(services, "Ben Ortiz")
    services.renew_membership.execute(
        str(ben.member_id), method=PaymentMethod.CASH, recorded_by="Dee Desk"
    )
    failed_at = Membership.objects.get(pk=ana.pk).renewal_failed_at
    Membership.objects.update(renewal_failed_at=None)
    migration = importlib.import_module("members.migrations.0018_membership_renewal_failed")

    # when its data step runs
    migration.flag_failed_renewals(apps, SimpleNamespace(connection=connection))

    # then Ana's failure is flagged as it happened, Ben's renewal cleared his
    assert failed_at is not None
    assert Membership.objects.get(pk=ana.pk).renewal_failed_at == failed_at
    assert Membership.objects.get(pk=ben.pk).renewal_failed_at is None
