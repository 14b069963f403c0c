"""Booking, waiting and refunds with credits of a pack limited to some classes or places."""

from decimal import Decimal

import pytest

from application.claims import CREDITS_ELSEWHERE, lock_for_free_spots
from domain.entities import Waitlist
from domain.events import MemberPromotedFromWaitlist, MemberSkippedOnWaitlist
from domain.exceptions import NoCreditsException
from domain.sales import ClassPack, Money, PaymentMethod
from domain.values import EVERY_CLASS, CreditScope

YOGA_AT_OLD_TOWN = CreditScope(locations=("Old Town",), class_names=("Yoga",))


@pytest.fixture
def places(gym):
    gym.add_location("Old Town")
    gym.add_location("Riverside")


def yoga_member(gym, credits=1):
    return gym.add_member("Ana", credits=credits, scope=YOGA_AT_OLD_TOWN)


def test_a_member_whose_credits_are_for_other_classes_is_refused_and_told_why(gym, places):
    ana = yoga_member(gym)
    spin = gym.add_class("Spin", location="Old Town")

    with pytest.raises(NoCreditsException) as refused:
        gym.book_class.execute(ana.id, spin.id)

    assert str(refused.value) == CREDITS_ELSEWHERE
    assert "Class packs" in str(refused.value)
    assert gym.booked(spin) == frozenset()
    assert gym.credits(ana) == 1


def test_credits_for_yoga_at_old_town_do_not_pay_for_yoga_elsewhere(gym, places):
    ana = yoga_member(gym)
    yoga_riverside = gym.add_class("Yoga", location="Riverside")

    with pytest.raises(NoCreditsException, match="other classes or locations"):
        gym.book_class.execute(ana.id, yoga_riverside.id)


def test_a_member_without_any_credit_keeps_the_plain_refusal(gym, places):
    ben = gym.add_member("Ben", credits=0)
    spin = gym.add_class("Spin", location="Old Town")

    with pytest.raises(NoCreditsException) as refused:
        gym.book_class.execute(ben.id, spin.id)

    assert str(refused.value) == NoCreditsException.default_message


def test_a_scoped_credit_pays_for_its_class_and_a_refund_keeps_its_scope(gym, places):
    ana = yoga_member(gym)
    yoga = gym.add_class("yoga", location="old town")

    booking = gym.book_class.execute(ana.id, yoga.id)
    cancelled = gym.cancel_booking.execute(booking.id)

    refunded = next(
        g for g in gym.members.get_by_id(ana.id).grants if g.grant_id == cancelled.refund_grant_id
    )
    assert refunded.scope == YOGA_AT_OLD_TOWN
    assert gym.members.get_by_id(ana.id).credits_at(gym.clock.now(), for_class=yoga) == 1


def test_a_cancelled_class_refunds_each_member_with_the_scope_she_paid_with(gym, places):
    ana = gym.add_member("Ana", credits=0)
    member = gym.members.get_by_id(ana.id)
    member.add_credits(1, expiry_days=40, now=gym.clock.now(), scope=YOGA_AT_OLD_TOWN)
    member.add_credits(1, expiry_days=10, now=gym.clock.now())
    gym.members.save(member)
    first = gym.add_class("Yoga", location="Old Town")
    second = gym.add_class("Yoga", location="Old Town", starts_in=first.duration * 30)
    gym.book_class.execute(ana.id, first.id)  # the open credit expires first: spent first
    gym.book_class.execute(ana.id, second.id)

    gym.cancel_class.execute(first.id, "Flood")
    gym.cancel_class.execute(second.id, "Flood")

    scopes = [g.scope for g in gym.members.get_by_id(ana.id).grants if g.reason.startswith("Ref")]
    assert scopes == [EVERY_CLASS, YOGA_AT_OLD_TOWN]


def test_an_open_credit_pays_for_spin_when_the_yoga_credit_expires_sooner(gym, places):
    ana = gym.add_member("Ana", credits=0)
    member = gym.members.get_by_id(ana.id)
    yoga_grant = member.add_credits(1, expiry_days=5, now=gym.clock.now(), scope=YOGA_AT_OLD_TOWN)
    open_grant = member.add_credits(1, expiry_days=50, now=gym.clock.now())
    gym.members.save(member)
    spin = gym.add_class("Spin", location="Old Town")
    yoga = gym.add_class("Yoga", location="Old Town", starts_in=spin.duration * 30)

    on_spin = gym.book_class.execute(ana.id, spin.id)
    on_yoga = gym.book_class.execute(ana.id, yoga.id)

    assert (on_spin.credit_grant_id, on_yoga.credit_grant_id) == (
        open_grant.grant_id,
        yoga_grant.grant_id,
    )
    assert gym.credits(ana) == 0


def test_a_waiting_member_with_only_yoga_credits_is_skipped_on_a_spin_waitlist(gym, places):
    spin = gym.add_class("Spin", capacity=1, location="Old Town")
    dee = gym.add_member("Dee", credits=1)
    dees = gym.book_class.execute(dee.id, spin.id)
    ana, cara = yoga_member(gym, credits=3), gym.add_member("Cara", credits=1)
    gym.queue_up(spin, ana, cara)
    gym.clear_history()

    gym.cancel_booking.execute(dees.id)

    assert gym.booked(spin) == {cara.id}
    assert gym.waiting(spin) == [ana.id]
    [skipped] = gym.events_of(MemberSkippedOnWaitlist)
    assert (skipped.member_id, skipped.reason) == (ana.id, "no_credit")
    assert [e.member_id for e in gym.events_of(MemberPromotedFromWaitlist)] == [cara.id]
    assert gym.credits(ana) == 3


def test_a_pack_sold_grants_credits_with_its_scope(gym, places):
    ana = gym.add_member("Ana", credits=0)
    pack = gym.products.add(
        ClassPack(
            product_id="yoga-5",
            name="5 Yoga classes",
            credits=5,
            valid_days=60,
            price=Money(Decimal("50.00"), "EUR"),
            tax_rate=Decimal(0),
            scope=YOGA_AT_OLD_TOWN,
        )
    )

    purchase = gym.sell_product.execute(
        ana.id, pack.product_id, method=PaymentMethod.CASH, recorded_by="Dee"
    )

    [grant] = gym.members.get_by_id(ana.id).grants
    assert (grant.grant_id, grant.scope) == (purchase.grant_id, YOGA_AT_OLD_TOWN)


def test_a_freed_spot_locks_no_waiting_member_whose_credits_are_for_other_classes(gym, places):
    spin = gym.add_class("Spin", capacity=1, location="Old Town")
    dee = gym.add_member("Dee", credits=1)
    dees = gym.book_class.execute(dee.id, spin.id)
    ana, cara = yoga_member(gym), gym.add_member("Cara", credits=1)
    gym.queue_up(spin, ana, cara)

    with gym.uow() as uow:
        freed = uow.classes.get_by_id(spin.id, for_update=True)
        freed.remove_booking(dee.id, dees.id, now=gym.clock.now())
        waitlist = Waitlist(freed, uow.waitlist.get_by_class(spin.id))
        locked = lock_for_free_spots(uow, freed, waitlist, gym.policy, gym.clock.now())

    assert set(locked) == {cara.id}
