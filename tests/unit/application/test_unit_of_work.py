"""The unit of work: what passes through its repositories has its events dispatched at
commit, in the order they were recorded; a failed block dispatches nothing and keeps nothing."""

from datetime import timedelta

import pytest

from domain.entities import Member
from domain.events import (
    ClassCapacityChanged,
    ClassSpotBecameAvailable,
    CreditsAdded,
    MemberRegistered,
    PasswordChanged,
    PasswordResetRequested,
)
from domain.values import Email


def test_the_events_of_loaded_entities_are_dispatched_at_commit_in_the_order_recorded(gym):
    # given a member and a class, both stored
    ana = gym.add_member("Ana", credits=0)
    spin = gym.add_class("Spin", capacity=5)
    gym.clear_history()
    now = gym.clock.now()

    # when one unit of work loads both and records events on them, alternately
    with gym.uow() as uow:
        member = uow.members.get_by_id(ana.id, for_update=True)
        fitness_class = uow.classes.get_by_id(spin.id, for_update=True)
        fitness_class.change_capacity(6, now=now)
        member.add_credits(2, expiry_days=30, now=now)
        uow.members.save(member)
        uow.classes.save(fitness_class)
        assert gym.events == [], "nothing is dispatched before the block ends"

    # then every event is dispatched once, in the order it was recorded, not entity by entity
    assert [type(event) for event in gym.events] == [
        ClassCapacityChanged,
        ClassSpotBecameAvailable,
        CreditsAdded,
    ]
    assert member.get_domain_events() == [] and fitness_class.get_domain_events() == []


def test_an_entity_only_saved_through_the_unit_of_work_has_its_events_collected(gym):
    # when a new member is created outside the repositories and saved through them
    with gym.uow() as uow:
        member = Member.register("Ben", Email("ben@example.com"), now=gym.clock.now())
        uow.members.save(member)

    # then its registration is dispatched and it is stored
    assert [type(event) for event in gym.events] == [MemberRegistered]
    assert gym.members.get_by_id(member.id).name == "Ben"


def test_entities_returned_in_a_list_are_tracked_too(gym):
    # given two members
    ids = [gym.add_member(name, credits=0).id for name in ("Ana", "Ben")]
    gym.clear_history()

    # when both are loaded at once and given credits
    with gym.uow() as uow:
        for member in uow.members.get_by_ids(ids, for_update=True):
            member.add_credits(1, expiry_days=30, now=gym.clock.now())
            uow.members.save(member)

    # then each member's credits were announced
    assert sorted(event.member_id for event in gym.events) == sorted(ids)


def test_a_block_that_raises_dispatches_nothing_and_keeps_nothing(gym):
    # given a member without credit
    ana = gym.add_member("Ana", credits=0)
    gym.clear_history()

    # when a unit of work gives her a credit, saves it, then fails
    with pytest.raises(RuntimeError), gym.uow() as uow:
        member = uow.members.get_by_id(ana.id, for_update=True)
        member.add_credits(1, expiry_days=30, now=gym.clock.now())
        uow.members.save(member)
        raise RuntimeError("the database went away")

    # then no event went out and the credit is not stored
    assert gym.events == []
    assert gym.credits(ana) == 0


def test_a_handler_that_fails_at_commit_rolls_the_whole_unit_back(gym):
    # given a handler of the credit event that fails (the in-memory dispatcher is fail-fast)
    def broken_handler(event):
        raise RuntimeError("handler failed")

    gym.dispatcher.register(CreditsAdded, broken_handler, name="broken")
    ana = gym.add_member("Ana", credits=0)

    # when a unit of work records a credit
    with pytest.raises(RuntimeError, match="handler failed"), gym.uow() as uow:
        member = uow.members.get_by_id(ana.id, for_update=True)
        member.add_credits(1, expiry_days=30, now=gym.clock.now())
        uow.members.save(member)

    # then the change it made is undone with it
    assert gym.credits(ana) == 0


def test_units_of_work_nest_and_each_dispatches_its_own_events(gym):
    # given a class with a waiting member and a booked one who cancels
    spin = gym.add_class("Spin", capacity=1, starts_in=timedelta(days=2), booked=1)
    ben = gym.add_member("Ben", credits=1)
    gym.queue_up(spin, ben)
    [booking] = gym.bookings.get_active_by_class(spin.id)
    gym.clear_history()

    # when the booking is cancelled (its unit of work dispatches the freed spot, whose
    # handler promotes in a unit of work of its own, inside the first)
    gym.cancel_booking.execute(booking.id)

    # then Ben got the spot, and every event was dispatched once
    assert gym.booked(spin) == {ben.id}
    names = [type(event).__name__ for event in gym.events]
    assert len(names) == len(set(names)), names
    assert names[:2] == ["BookingCancelled", "ClassSpotBecameAvailable"]
    assert "MemberPromotedFromWaitlist" in names


def test_a_unit_of_work_is_entered_once(gym):
    uow = gym.uow()
    with uow:
        pass

    with pytest.raises(RuntimeError, match="entered once"), uow:
        pass


def test_an_event_about_no_entity_is_dispatched_after_the_entities_events(gym):
    ana = gym.add_member("Ana", credits=0)
    gym.clear_history()
    asked = PasswordResetRequested(email="ana@example.com", site="gym.example.com", secure=True)

    with gym.uow() as uow:
        uow.record(asked)
        member = uow.members.get_by_id(ana.id, for_update=True)
        member.add_credits(1, expiry_days=30, now=gym.clock.now())
        uow.members.save(member)

    assert [type(event) for event in gym.events] == [CreditsAdded, PasswordResetRequested]


def test_asking_for_a_password_reset_records_the_request_and_nothing_else(gym):
    gym.request_password_reset.execute(" ana@example.com ", site="gym.example.com", secure=True)

    [asked] = gym.events
    assert isinstance(asked, PasswordResetRequested)
    assert (asked.email, asked.site, asked.secure) == ("ana@example.com", "gym.example.com", True)
    assert asked.occurred_at == gym.clock.now()


def test_a_changed_password_is_recorded_with_the_login_s_id_only(gym):
    gym.record_password_change.execute(7, site="gym.example.com", secure=True, by_reset=True)

    [changed] = gym.events
    assert isinstance(changed, PasswordChanged)
    assert (changed.user_id, changed.site, changed.secure, changed.by_reset) == (
        "7",
        "gym.example.com",
        True,
        True,
    )
    assert changed.occurred_at == gym.clock.now()
