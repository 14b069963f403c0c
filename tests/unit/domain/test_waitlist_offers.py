"""The rules of waitlist offers: which mode a freed spot goes out in as the class draws near,
quiet hours holding offers at night, and an offer answered or run out once, an acceptance at
the instant it expires being too late."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.events import (
    WaitlistOfferAccepted,
    WaitlistOfferDeclined,
    WaitlistOfferExpired,
    WaitlistOfferMade,
)
from domain.exceptions import InvalidPromotionPolicyException, OfferNoLongerOpenException
from domain.waitlist_offers import (
    AutoBookRule,
    OfferState,
    PromotionMode,
    PromotionPolicy,
    QuietHours,
    WaitlistOffer,
    mode_for_member,
)

NOW = datetime(2030, 3, 4, 9, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
HOUR = timedelta(hours=1)
# Auto until 12 hours before, offers until 2 hours before, then a broadcast.
SWITCHING = PromotionPolicy(
    switches=((2 * HOUR, PromotionMode.BROADCAST), (12 * HOUR, PromotionMode.OFFER))
)


@pytest.mark.parametrize(
    ("hours_left", "mode"),
    [
        (30, PromotionMode.AUTO),
        (12.01, PromotionMode.AUTO),
        (12, PromotionMode.OFFER),
        (3, PromotionMode.OFFER),
        (2, PromotionMode.BROADCAST),
        (0.25, PromotionMode.BROADCAST),
    ],
)
def test_the_mode_switches_at_each_cut_off_as_the_class_draws_near(hours_left, mode):
    assert SWITCHING.mode_at(NOW + timedelta(hours=hours_left), NOW) is mode


def test_a_class_of_one_mode_keeps_it_whenever_a_spot_frees_up():
    offers = PromotionPolicy(mode=PromotionMode.OFFER)

    assert {offers.mode_at(NOW + HOUR * h, NOW) for h in (0.1, 5, 100)} == {PromotionMode.OFFER}


@pytest.mark.parametrize(
    "policy",
    [
        {"offer_time": timedelta(0)},
        {"switches": ((timedelta(0), PromotionMode.OFFER),)},
        {"mode": "lottery"},
    ],
)
def test_a_policy_that_makes_no_sense_is_refused(policy):
    with pytest.raises((InvalidPromotionPolicyException, ValueError)):
        PromotionPolicy(**policy)


@pytest.mark.parametrize(
    ("local", "due"),
    [
        (datetime(2030, 3, 4, 23, 30), datetime(2030, 3, 5, 7)),  # held overnight
        (datetime(2030, 3, 5, 2, 0), datetime(2030, 3, 5, 7)),  # after midnight
        (datetime(2030, 3, 5, 7, 0), datetime(2030, 3, 5, 7)),  # the end is outside
        (datetime(2030, 3, 4, 21, 59), datetime(2030, 3, 4, 21, 59)),  # not yet quiet
    ],
)
def test_quiet_hours_hold_an_offer_until_they_end_on_the_locations_clock(local, due):
    policy = PromotionPolicy(mode=PromotionMode.OFFER, quiet_hours=QuietHours(time(22), time(7)))

    made = policy.offer_due(local.replace(tzinfo=LONDON), LONDON)

    assert made == due.replace(tzinfo=LONDON)


def offer(now=NOW, lasting=timedelta(minutes=15)) -> WaitlistOffer:
    return WaitlistOffer.make(
        member_id="ana", class_id="spin", waitlist_entry_id="entry", now=now, lasting=lasting
    )


def test_an_offer_is_made_for_its_time_and_accepted_within_it():
    made = offer()

    made.accept(now=NOW + timedelta(minutes=14, seconds=59))

    assert made.state is OfferState.ACCEPTED
    first, accepted = made.get_domain_events()
    assert isinstance(first, WaitlistOfferMade)
    assert (first.expires_at, first.mode) == (NOW + timedelta(minutes=15), "offer")
    assert isinstance(accepted, WaitlistOfferAccepted) and accepted.offer_id == made.id


def test_at_the_instant_it_expires_an_acceptance_is_too_late_and_the_expiry_wins():
    made = offer()
    expiry = NOW + timedelta(minutes=15)

    with pytest.raises(OfferNoLongerOpenException):
        made.accept(now=expiry)
    assert made.expire(now=expiry)

    assert made.state is OfferState.EXPIRED
    assert isinstance(made.get_domain_events()[-1], WaitlistOfferExpired)


def test_an_offer_is_answered_or_runs_out_once():
    declined, accepted = offer(), offer()
    declined.decline(now=NOW)
    accepted.accept(now=NOW)

    with pytest.raises(OfferNoLongerOpenException):
        declined.accept(now=NOW)
    with pytest.raises(OfferNoLongerOpenException):
        accepted.decline(now=NOW)
    assert not declined.expire(now=NOW + HOUR)
    assert not accepted.expire(now=NOW + HOUR)

    assert isinstance(declined.get_domain_events()[-1], WaitlistOfferDeclined)
    assert (declined.state, accepted.state) == (OfferState.DECLINED, OfferState.ACCEPTED)


def test_an_offer_still_in_time_does_not_expire():
    made = offer()

    assert not made.expire(now=NOW + timedelta(minutes=14))
    assert made.is_open_at(NOW + timedelta(minutes=14))
    assert made.expire(now=NOW + timedelta(minutes=16))
    assert not made.expire(now=NOW + timedelta(minutes=17))
    assert [type(e) for e in made.get_domain_events()] == [WaitlistOfferMade, WaitlistOfferExpired]


@pytest.mark.parametrize(
    ("hours_left", "local_hour", "mode"),
    [
        (30, 12, PromotionMode.AUTO),  # notice enough, daytime
        (3, 12, PromotionMode.OFFER),  # too little notice: asked instead
        (30, 23, PromotionMode.OFFER),  # her quiet hours: asked instead
    ],
)
def test_her_own_rule_turns_an_auto_booking_she_would_not_want_into_an_offer(
    hours_left, local_hour, mode
):
    rule = AutoBookRule(min_notice=4 * HOUR, quiet_hours=QuietHours(time(22), time(7)))
    now = datetime(2030, 3, 4, local_hour, tzinfo=LONDON)

    chosen = mode_for_member(
        PromotionMode.AUTO, rule, starts_at=now + hours_left * HOUR, now=now, zone=LONDON
    )

    assert chosen is mode


def test_her_rule_leaves_offers_and_broadcasts_as_they_are_and_by_default_allows_all():
    strict = AutoBookRule(min_notice=48 * HOUR)

    assert (
        mode_for_member(PromotionMode.BROADCAST, strict, starts_at=NOW + HOUR, now=NOW, zone=LONDON)
        is PromotionMode.BROADCAST
    )
    assert AutoBookRule().allows(NOW + timedelta(minutes=5), NOW, LONDON)
    with pytest.raises(InvalidPromotionPolicyException):
        AutoBookRule(min_notice=timedelta(0))
