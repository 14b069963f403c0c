"""Scoped credits through the ORM: a pack's locations and class names become the grant's
scope, kept on the grant row and read back with the member, and decide what it pays for."""

import pytest

from domain.exceptions import NoCreditsException
from domain.sales import PaymentMethod
from domain.values import CreditScope
from events.models import StoredEvent
from locations.models import Location
from members.models import CreditGrant
from members.repositories import DjangoMemberRepository
from sales.repositories import DjangoProductRepository
from tests.factories import FitnessClassFactory, LocationFactory, MemberFactory, ProductFactory

pytestmark = pytest.mark.django_db

YOGA_AT_OLD_TOWN = CreditScope(locations=("Old Town",), class_names=("Yoga",))


@pytest.fixture
def yoga_pack():
    pack = ProductFactory(name="5 Yoga classes", credits=5, class_names="Yoga")
    pack.locations.set([LocationFactory(name="Old Town")])
    return pack


def old_town() -> Location:
    return Location.objects.get(name="Old Town")


def sell(services, member, product):
    return services.sell_product.execute(
        str(member.pk), str(product.pk), method=PaymentMethod.CASH, recorded_by="Dee Desk"
    )


def test_a_product_becomes_a_pack_with_its_scope(yoga_pack):
    assert DjangoProductRepository().get_by_id(str(yoga_pack.pk)).scope == YOGA_AT_OLD_TOWN


def test_a_desk_sale_of_a_scoped_pack_grants_credits_kept_with_their_scope(services, yoga_pack):
    ana = MemberFactory()

    sold = sell(services, ana, yoga_pack)

    row = CreditGrant.objects.get(pk=sold.grant_id)
    assert row.scope == {"location_ids": [old_town().pk], "class_names": ["Yoga"]}
    [grant] = DjangoMemberRepository().get_by_id(str(ana.pk)).grants
    assert grant.scope == YOGA_AT_OLD_TOWN
    [added] = StoredEvent.objects.filter(type="CreditsAdded", member_id=ana.pk)
    assert (added.payload["locations"], added.payload["class_names"]) == (["Old Town"], ["Yoga"])


def test_an_unscoped_pack_grants_credits_for_every_class(services):
    ana = MemberFactory()

    sold = sell(services, ana, ProductFactory())

    assert CreditGrant.objects.get(pk=sold.grant_id).scope == {}
    [grant] = DjangoMemberRepository().get_by_id(str(ana.pk)).grants
    assert not grant.scope.is_limited


def test_scoped_credits_book_their_class_and_are_refused_for_another(services, yoga_pack):
    ana = MemberFactory()
    sell(services, ana, yoga_pack)
    spin = FitnessClassFactory(name="Spin", location="Old Town")
    yoga = FitnessClassFactory(name="yoga", location="Old Town")

    with pytest.raises(NoCreditsException, match="other classes or locations"):
        services.book_class.execute(str(ana.pk), str(spin.pk))
    booking = services.book_class.execute(str(ana.pk), str(yoga.pk))
    cancelled = services.cancel_booking.execute(booking.id)

    refund = CreditGrant.objects.get(pk=cancelled.refund_grant_id)
    assert refund.scope == {"location_ids": [old_town().pk], "class_names": ["Yoga"]}


def test_the_refund_of_a_pack_s_last_credit_keeps_its_scope(services):
    single = ProductFactory(name="1 Yoga class", credits=1, class_names="Yoga")
    ana = MemberFactory()
    sell(services, ana, single)
    yoga = FitnessClassFactory(name="Yoga", location="Old Town")
    booking = services.book_class.execute(str(ana.pk), str(yoga.pk))

    cancelled = services.cancel_booking.execute(booking.id)

    assert CreditGrant.objects.get(pk=cancelled.refund_grant_id).scope == {"class_names": ["Yoga"]}
    member = DjangoMemberRepository().get_by_id(str(ana.pk))
    assert member.credits_at(cancelled.cancelled_at) == 1


def test_a_renamed_location_s_limited_credits_still_pay_for_its_classes(services, yoga_pack):
    # given a member who bought Yoga credits for Old Town, which staff then rename
    ana = MemberFactory()
    sell(services, ana, yoga_pack)
    Location.objects.filter(name="Old Town").update(name="Old Town Central")
    yoga = FitnessClassFactory(name="Yoga", location="Old Town Central")

    # when she is loaded and books a Yoga class there
    [grant] = DjangoMemberRepository().get_by_id(str(ana.pk)).grants
    booking = services.book_class.execute(str(ana.pk), str(yoga.pk))

    # then the grant reads the location's new name and paid for the class
    assert grant.scope == CreditScope(locations=("Old Town Central",), class_names=("Yoga",))
    assert booking.credit_grant_id == grant.grant_id
    # and the refund of that credit is kept for the same location, by its id
    refund_id = services.cancel_booking.execute(booking.id).refund_grant_id
    location_id = yoga.location_id
    assert CreditGrant.objects.get(pk=refund_id).scope["location_ids"] == [location_id]


def test_a_grant_limited_to_a_closed_location_pays_for_no_other(services, yoga_pack):
    # given Yoga credits for Old Town, a location closed (deleted) since
    ana = MemberFactory()
    sell(services, ana, yoga_pack)
    closed = old_town().pk
    old_town().delete()
    elsewhere = FitnessClassFactory(name="Yoga", location="Riverside")

    # when she is loaded and tries to book Yoga elsewhere
    [grant] = DjangoMemberRepository().get_by_id(str(ana.pk)).grants
    with pytest.raises(NoCreditsException):
        services.book_class.execute(str(ana.pk), str(elsewhere.pk))

    # then the grant is still limited, to a location no class is at
    assert grant.scope.locations == (f"a closed location (#{closed})",)
