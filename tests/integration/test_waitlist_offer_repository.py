"""Waitlist offers in the database: stored as the entity has them, answered or run out, found
when their time is up, and at most one open offer to a member for one class; the in-memory
twin the use case tests run on answers alike."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.offer_repository import DjangoWaitlistOfferRepository
from domain.exceptions import OfferNotFoundException
from domain.waitlist_offers import OfferState, WaitlistOffer
from tests.factories import FitnessClassFactory, MemberFactory, WaitlistEntryFactory
from tests.fakes.repositories import ConstraintViolation, InMemoryWaitlistOfferRepository

pytestmark = pytest.mark.django_db

QUARTER = timedelta(minutes=15)


def an_offer(now, *, member=None, fitness_class=None) -> WaitlistOffer:
    entry = WaitlistEntryFactory(
        member=member or MemberFactory(), fitness_class=fitness_class or FitnessClassFactory()
    )
    return WaitlistOffer.make(
        member_id=str(entry.member_id),
        class_id=str(entry.fitness_class_id),
        waitlist_entry_id=str(entry.pk),
        now=now,
        lasting=QUARTER,
    )


@pytest.fixture(params=["django", "in memory"])
def offers(request):
    return (
        DjangoWaitlistOfferRepository()
        if request.param == "django"
        else (InMemoryWaitlistOfferRepository())
    )


def test_an_offer_is_stored_and_read_back_as_it_was_made(offers):
    now = timezone.now()
    made = an_offer(now)

    offers.add(made)
    read = offers.get_by_id(made.id, for_update=True)

    assert (read.id, read.member_id, read.class_id, read.waitlist_entry_id) == (
        made.id,
        made.member_id,
        made.class_id,
        made.waitlist_entry_id,
    )
    assert (read.made_at, read.expires_at, read.state) == (now, now + QUARTER, OfferState.OPEN)


def test_its_answer_is_saved_and_only_open_offers_past_their_time_are_found(offers):
    now = timezone.now()
    accepted, late, later, in_time = (an_offer(now - QUARTER * n) for n in (3, 2, 3, 0))
    for offer in (accepted, late, later, in_time):
        offers.add(offer)

    accepted.accept(now=now - QUARTER * 3)
    offers.save(accepted)

    assert offers.get_by_id(accepted.id).state is OfferState.ACCEPTED
    assert offers.ids_run_out(now) == [later.id, late.id]


@pytest.mark.parametrize("offer_id", ["00000000-0000-0000-0000-000000000000", "not-an-id"])
def test_an_unknown_offer_is_not_found(offers, offer_id):
    with pytest.raises(OfferNotFoundException):
        offers.get_by_id(offer_id)


def test_a_second_open_offer_to_her_for_one_class_is_refused_by_the_database(offers):
    now = timezone.now()
    first = an_offer(now)
    offers.add(first)
    entry = WaitlistEntryFactory()
    again = WaitlistOffer.make(
        member_id=first.member_id,
        class_id=first.class_id,
        waitlist_entry_id=str(entry.pk),
        now=now,
        lasting=QUARTER,
    )

    with pytest.raises((IntegrityError, ConstraintViolation)), transaction.atomic():
        offers.add(again)

    first.decline(now=now)
    offers.save(first)
    offers.add(again)  # once she answered, a new offer may be made
    assert offers.get_by_id(again.id).state is OfferState.OPEN
