"""Every booking rule is the class's location's: two locations with different rules on the
same day give different outcomes for the same action — booking, joining a waitlist,
cancelling (late or not), refunds, promotion and its cut-off, no-show pauses and their
reconsideration, staff adding a member, erasure refunds and reminders. A location that sets
nothing keeps the chain's rules, which the rest of the unit suite covers."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.entities import BookingStatus
from domain.events import MemberBookingsPaused, MemberPromotedFromWaitlist
from domain.exceptions import (
    BookingNotCancellableException,
    BookingNotOpenException,
    BookingsPausedException,
    LateBookingNotConfirmedException,
    TooManyBookingsException,
    WaitlistClosedException,
)
from domain.values import BookingPolicy, LateCancellation, PromotionInsideWindow
from tests.fakes import FakeGym

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
CHAIN = BookingPolicy(
    cancellation_window=2 * HOUR,
    booking_opens_before=14 * DAY,
    max_upcoming_bookings=10,
    no_show_limit=3,
)


@pytest.fixture
def gym(now) -> FakeGym:
    """The chain's Old Town keeps the chain's rules; Riverside sets its own, on New York's
    clock."""
    gym = FakeGym(now=now, policy=CHAIN)
    gym.add_location("Old Town")
    gym.add_location(
        "Riverside",
        "America/New_York",
        cancellation_window=12 * HOUR,
        late_cancellation=LateCancellation.FORFEIT,
        refund_expiry_days=90,
        booking_opens_before=3 * DAY,
        max_upcoming_bookings=1,
        promotion_cutoff=30 * timedelta(minutes=1),
        promotion_inside_window=PromotionInsideWindow.GRACE,
        promotion_grace=timedelta(minutes=20),
        no_show_limit=1,
        no_show_period=7 * DAY,
        no_show_pause=2 * DAY,
        reminder_lead=3 * HOUR,
    )
    return gym


def one_at_each(gym, **kwargs):
    """The same class, at the same time, at both locations."""
    return (
        gym.add_class("Spin", location="Old Town", **kwargs),
        gym.add_class("Spin", location="Riverside", **kwargs),
    )


def test_the_booking_window_is_the_locations(gym):
    # given Spin starts in 5 days at both: booking opens 14 days before at Old Town, 3 at
    # Riverside
    old_town, riverside = one_at_each(gym, starts_in=5 * DAY)
    ana = gym.add_member("Ana", credits=2)

    # when/then she books at Old Town, and Riverside says when it opens, on its own clock
    gym.book_class.execute(ana.id, old_town.id)
    with pytest.raises(BookingNotOpenException) as refused:
        gym.book_class.execute(ana.id, riverside.id)
    opens = (riverside.starts_at - 3 * DAY).astimezone(ZoneInfo("America/New_York"))
    assert str(refused.value) == (
        f"Booking opens on {opens:%a} {opens.day} {opens:%b} at {opens:%H:%M}."
    )
    assert gym.booked(riverside) == frozenset()
    assert gym.credits(ana) == 1


def test_the_booking_window_message_is_on_the_classs_location_clock(gym, now):
    # given a class at Riverside (New York) starting at 23:00 UTC in 10 days
    riverside = gym.add_class("Spin", location="Riverside", starts_in=10 * DAY)
    ana = gym.add_member("Ana", credits=1)

    with pytest.raises(BookingNotOpenException) as refused:
        gym.book_class.execute(ana.id, riverside.id)

    # then the moment is named in New York, five hours (or four) behind UTC
    in_utc = riverside.starts_at - 3 * DAY
    assert f"at {in_utc:%H:%M}." not in str(refused.value)


def test_the_upcoming_bookings_limit_is_the_locations_and_counts_its_own_bookings(gym):
    # given Ana holds one upcoming booking at Riverside (limit 1) and one at Old Town
    ana = gym.add_member("Ana", credits=4)
    gym.book_class.execute(ana.id, gym.add_class("Spin", location="Riverside").id)
    gym.book_class.execute(
        ana.id, gym.add_class("Yoga", location="Old Town", starts_in=DAY + 2 * HOUR).id
    )
    old_town = gym.add_class("Spin", location="Old Town", starts_in=2 * DAY)
    riverside = gym.add_class("Spin", location="Riverside", starts_in=3 * DAY)

    # when/then Old Town (limit 10, counting its own) takes her; Riverside is at its limit
    gym.book_class.execute(ana.id, old_town.id)
    with pytest.raises(TooManyBookingsException):
        gym.book_class.execute(ana.id, riverside.id)
    assert gym.credits(ana) == 1


def test_cancelling_inside_one_locations_window_but_not_the_others(gym):
    # given both classes start in 6 hours: outside Old Town's 2-hour window, inside
    # Riverside's 12 hours, where a late cancellation forfeits the credit
    old_town, riverside = one_at_each(gym, starts_in=6 * HOUR)
    ana, ben = gym.add_member("Ana", credits=1), gym.add_member("Ben", credits=1)
    at_old_town = gym.book_class.execute(ana.id, old_town.id)
    at_riverside = gym.book_class.execute(ben.id, riverside.id, late_confirmed=True)

    # when each cancels
    refunded = gym.cancel_booking.execute(at_old_town.id)
    forfeited = gym.cancel_booking.execute(at_riverside.id)

    # then Old Town refunds, Riverside frees the spot and keeps the credit
    assert refunded.status is BookingStatus.CANCELLED and refunded.refunded
    assert forfeited.status is BookingStatus.LATE_CANCELLED
    assert (gym.credits(ana), gym.credits(ben)) == (1, 0)
    assert gym.booked(riverside) == frozenset()


def test_booking_inside_a_locations_own_window_asks_for_consent_first(gym):
    old_town, riverside = one_at_each(gym, starts_in=6 * HOUR)
    ana, ben = gym.add_member("Ana", credits=1), gym.add_member("Ben", credits=1)

    gym.book_class.execute(ana.id, old_town.id)
    with pytest.raises(LateBookingNotConfirmedException) as asked:
        gym.book_class.execute(ben.id, riverside.id)
    assert "cancelling within 12 hours of the start does not refund" in str(asked.value)


def test_a_late_cancellation_is_refused_where_the_location_refuses_it(now):
    # given the chain forfeits, Old Town refuses; both classes start in an hour
    gym = FakeGym(now=now, policy=BookingPolicy(late_cancellation=LateCancellation.FORFEIT))
    gym.add_location("Old Town", late_cancellation=LateCancellation.REFUSE)
    gym.add_location("Riverside")
    old_town, riverside = one_at_each(gym, starts_in=HOUR)
    ana, ben = gym.add_member("Ana", credits=1), gym.add_member("Ben", credits=1)
    at_old_town = gym.book_class.execute(ana.id, old_town.id, late_confirmed=True)
    at_riverside = gym.book_class.execute(ben.id, riverside.id, late_confirmed=True)

    with pytest.raises(BookingNotCancellableException):
        gym.cancel_booking.execute(at_old_town.id)
    assert gym.cancel_booking.execute(at_riverside.id).status is BookingStatus.LATE_CANCELLED
    assert gym.booked(old_town) == {ana.id}


def refund_expiry(gym, member) -> timedelta:
    """How long the member's newest grant lasts."""
    newest = max(gym.members.get_by_id(member.id).grants, key=lambda g: g.expires_at)
    return newest.expires_at - gym.clock.now()


@pytest.mark.parametrize(
    ("cancel", "days"),
    [
        (lambda gym, booking, spin: gym.cancel_booking.execute(booking.id), (30, 90)),
        (lambda gym, booking, spin: gym.staff_cancel_booking.execute(booking.id), (30, 90)),
        (lambda gym, booking, spin: gym.cancel_class.execute(spin.id, "Flood"), (30, 90)),
    ],
    ids=["member cancels", "staff cancel the booking", "staff cancel the class"],
)
def test_a_refund_expires_after_the_locations_refund_expiry(gym, cancel, days):
    old_town, riverside = one_at_each(gym, starts_in=2 * DAY)
    for spin, expected in zip((old_town, riverside), days, strict=True):
        ana = gym.add_member(f"Ana at {spin.location}", credits=1, expiring_in_days=5)
        booking = gym.book_class.execute(ana.id, spin.id)

        cancel(gym, booking, spin)

        assert refund_expiry(gym, ana) == timedelta(days=expected), spin.location


def test_erasing_a_member_refunds_each_booking_by_its_locations_refund_expiry(gym):
    old_town = gym.add_class("Spin", location="Old Town", starts_in=2 * DAY)
    riverside = gym.add_class("Spin", location="Riverside", starts_in=DAY)
    ana = gym.add_member("Ana", credits=2)
    gym.book_class.execute(ana.id, old_town.id)
    gym.book_class.execute(ana.id, riverside.id)

    gym.erase_member.execute(ana.id)

    grants = sorted(gym.members.get_by_id(ana.id).grants, key=lambda g: g.expires_at)
    refunds = [grant.expires_at - gym.clock.now() for grant in grants[-2:]]
    assert refunds == [timedelta(days=30), timedelta(days=90)]


def test_promotion_inside_the_window_follows_the_locations_rule(gym):
    # given both classes are full and start in 90 minutes: inside Old Town's window, where
    # nobody is promoted, and Riverside's, which promotes with 20 minutes' grace
    old_town, riverside = one_at_each(gym, starts_in=DAY, capacity=1, booked=1)
    ben, cy = gym.add_member("Ben"), gym.add_member("Cy")
    gym.queue_up(old_town, ben)
    gym.queue_up(riverside, cy)
    gym.clock.advance(seconds=(DAY - 90 * timedelta(minutes=1)).total_seconds())
    gym.clear_history()

    # when staff free a spot in each
    for spin in (old_town, riverside):
        [taken] = gym.bookings.get_confirmed_by_class(spin.id)
        gym.staff_cancel_booking.execute(taken.id)

    # then only Cy, at Riverside, is promoted, free to cancel for 20 minutes
    [promoted] = gym.events_of(MemberPromotedFromWaitlist)
    assert promoted.member_id == cy.id
    assert promoted.grace is True
    assert promoted.refundable_until == gym.clock.now() + timedelta(minutes=20)
    assert gym.waiting(old_town) == [ben.id]


def test_the_promotion_cut_off_is_the_locations(now):
    # given the chain promotes until the start; Riverside stops 30 minutes before; both
    # classes start in 20 minutes and promote inside the window
    grace = BookingPolicy(promotion_inside_window=PromotionInsideWindow.GRACE)
    gym = FakeGym(now=now, policy=grace)
    gym.add_location("Old Town")
    gym.add_location("Riverside", promotion_cutoff=timedelta(minutes=30))
    old_town, riverside = one_at_each(gym, starts_in=DAY, capacity=1, booked=1)
    ben, cy = gym.add_member("Ben"), gym.add_member("Cy")
    gym.queue_up(old_town, ben)
    gym.queue_up(riverside, cy)
    gym.clock.advance(seconds=(DAY - timedelta(minutes=20)).total_seconds())

    # when a spot frees up in each; and Dee tries to join Riverside's waitlist
    for spin in (old_town, riverside):
        [taken] = gym.bookings.get_confirmed_by_class(spin.id)
        gym.staff_cancel_booking.execute(taken.id)
    dee = gym.add_member("Dee")

    # then Ben is promoted at Old Town; Cy waits at Riverside, whose list is closed to Dee
    assert gym.booked(old_town) == {ben.id}
    assert gym.waiting(riverside) == [cy.id]
    with pytest.raises(WaitlistClosedException) as refused:
        gym.join_waitlist.execute(dee.id, riverside.id)
    assert "within 30 minutes of the start" in str(refused.value)


def no_show_at(gym, member, location, starts_in=HOUR):
    spin = gym.add_class("Spin", location=location, starts_in=starts_in)
    booking = gym.book_class.execute(member.id, spin.id, late_confirmed=True)
    gym.clock.advance(seconds=(spin.ends_at - gym.clock.now()).total_seconds())
    gym.record_attendance.execute([booking.id], attended=False)
    return booking


def test_a_no_show_pauses_by_the_rules_of_the_location_where_it_happened(gym):
    # given Riverside pauses after one no-show for 2 days; Old Town after three
    ana, ben = gym.add_member("Ana", credits=3), gym.add_member("Ben", credits=3)

    # when Ana misses a class at Old Town, Ben one at Riverside
    no_show_at(gym, ana, "Old Town")
    no_show_at(gym, ben, "Riverside")

    # then Ben alone is paused, for Riverside's 2 days, and at every location
    [paused] = gym.events_of(MemberBookingsPaused)
    assert (paused.member_id, paused.no_shows) == (ben.id, 1)
    assert paused.until == gym.clock.now() + 2 * DAY
    with pytest.raises(BookingsPausedException):
        gym.book_class.execute(ben.id, gym.add_class("Yoga", location="Old Town").id)
    gym.book_class.execute(ana.id, gym.add_class("Yoga", location="Riverside").id)


def test_no_shows_count_where_they_happened(now):
    # given both locations pause after two no-shows
    gym = FakeGym(now=now, policy=BookingPolicy(no_show_limit=2))
    gym.add_location("Old Town")
    gym.add_location("Riverside")
    ana = gym.add_member("Ana", credits=3)

    # when she misses one class at each
    no_show_at(gym, ana, "Old Town")
    no_show_at(gym, ana, "Riverside", starts_in=DAY)

    # then neither location has seen two
    assert gym.events_of(MemberBookingsPaused) == []


def test_correcting_a_no_show_reconsiders_the_pause_by_that_locations_rules(gym):
    # given Ben was paused by one no-show at Riverside (limit 1)
    ben = gym.add_member("Ben", credits=3)
    booking = no_show_at(gym, ben, "Riverside")
    assert not gym.members.get_by_id(ben.id).may_book(gym.clock.now())

    # when the front desk corrects it: he came
    gym.record_attendance.execute([booking.id], attended=True)

    # then no no-show is left at Riverside: the pause is lifted
    assert gym.members.get_by_id(ben.id).may_book(gym.clock.now())


def test_staff_adding_a_member_skip_the_locations_limits_but_not_its_refund_rules(gym):
    # given Riverside's booking window (3 days) has not opened for a class in 5 days
    riverside = gym.add_class("Spin", location="Riverside", starts_in=5 * DAY)
    ana = gym.add_member("Ana", credits=1, expiring_in_days=5)

    added = gym.add_member_to_class.execute(ana.id, riverside.id)
    gym.staff_cancel_booking.execute(added.booking.id)

    assert refund_expiry(gym, ana) == timedelta(days=90)


def test_reminders_are_due_by_each_locations_lead_time(gym):
    # given both classes start in 5 hours: inside the chain's 24 hours, outside Riverside's 3
    old_town, riverside = one_at_each(gym, starts_in=5 * HOUR)
    ana, ben = gym.add_member("Ana", credits=1), gym.add_member("Ben", credits=1)
    at_old_town = gym.book_class.execute(ana.id, old_town.id)
    at_riverside = gym.book_class.execute(ben.id, riverside.id, late_confirmed=True)
    now = gym.clock.now()

    assert gym.bookings.ids_due_for_reminder(now, 24 * HOUR) == [at_old_town.id]
    later = now + 2 * HOUR + timedelta(seconds=1)
    due = gym.bookings.ids_due_for_reminder(later, 24 * HOUR)
    assert sorted(due) == sorted([at_old_town.id, at_riverside.id])
