"""A location's own rules over the chain's policy (`BookingPolicy.at`): each rule it sets
replaces the chain's, the others stay the chain's, and "none" (0) is not "as the chain"."""

from dataclasses import fields
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.entities import FitnessClass
from domain.values import (
    NO_LOCATION_RULES,
    BookingPolicy,
    LateCancellation,
    LocationRules,
    PromotionInsideWindow,
)

CHAIN = BookingPolicy(
    cancellation_window=timedelta(hours=2),
    booking_opens_before=timedelta(days=14),
    max_upcoming_bookings=10,
    no_show_limit=3,
)
NEW_YORK = ZoneInfo("America/New_York")


def test_a_location_without_rules_keeps_the_chains_policy_whole():
    assert CHAIN.at(NO_LOCATION_RULES) == CHAIN


def test_each_rule_a_location_sets_replaces_the_chains_and_the_others_stay():
    rules = LocationRules(
        cancellation_window=timedelta(hours=12),
        late_cancellation=LateCancellation.FORFEIT,
        refund_expiry_days=60,
        promotion_cutoff=timedelta(minutes=15),
        promotion_inside_window=PromotionInsideWindow.GRACE,
        promotion_grace=timedelta(minutes=10),
        booking_opens_before=timedelta(days=3),
        max_upcoming_bookings=2,
        no_show_limit=1,
        no_show_period=timedelta(days=7),
        no_show_pause=timedelta(days=1),
        reminder_lead=timedelta(hours=3),
    )

    local = CHAIN.at(rules)

    for rule in fields(LocationRules):
        assert getattr(local, rule.name) == getattr(rules, rule.name), rule.name
    assert CHAIN.at(LocationRules(refund_expiry_days=60)) == BookingPolicy(
        cancellation_window=timedelta(hours=2),
        booking_opens_before=timedelta(days=14),
        max_upcoming_bookings=10,
        no_show_limit=3,
        refund_expiry_days=60,
    )


def test_every_rule_of_a_location_is_a_rule_of_the_policy():
    policy_fields = {field.name for field in fields(BookingPolicy)}

    assert {rule.name for rule in fields(LocationRules)} <= policy_fields


@pytest.mark.parametrize(
    ("rules", "rule", "expected"),
    [
        (LocationRules(booking_opens_before=timedelta(0)), "booking_opens_before", None),
        (LocationRules(max_upcoming_bookings=0), "max_upcoming_bookings", None),
        (LocationRules(no_show_limit=0), "no_show_limit", 0),
        (LocationRules(), "booking_opens_before", timedelta(days=14)),
        (LocationRules(), "max_upcoming_bookings", 10),
    ],
)
def test_zero_says_none_where_the_chains_none_means_no_window_or_no_limit(rules, rule, expected):
    assert getattr(CHAIN.at(rules), rule) == expected


def test_a_location_with_no_booking_window_lets_members_book_a_year_ahead():
    starts = datetime(2030, 3, 4, 18, 0, tzinfo=UTC)
    local = CHAIN.at(LocationRules(booking_opens_before=timedelta(0)))

    assert local.booking_is_open(starts, starts - timedelta(days=365))
    assert not CHAIN.booking_is_open(starts, starts - timedelta(days=365))


def test_the_moments_a_rule_names_are_on_the_locations_clock():
    # given booking opens 14 days before a class at 18:00 UTC (13:00 in New York)
    starts = datetime(2030, 3, 18, 18, 0, tzinfo=UTC)

    # then the chain's clock and the location's name the same moment differently
    assert CHAIN.booking_opens_message(starts) == "Booking opens on Mon 4 Mar at 18:00."
    local = CHAIN.at(NO_LOCATION_RULES, NEW_YORK)
    assert local.booking_opens_message(starts) == "Booking opens on Mon 4 Mar at 13:00."


def test_a_class_applies_its_locations_rules_on_its_locations_clock():
    spin = FitnessClass(
        "spin",
        "Spin",
        10,
        starts_at=datetime(2030, 3, 18, 18, 0, tzinfo=UTC),
        location="Riverside",
        time_zone="America/New_York",
        rules=LocationRules(cancellation_window=timedelta(hours=6)),
    )

    policy = spin.policy_from(CHAIN)

    assert policy.cancellation_window == timedelta(hours=6)
    assert policy.zone == NEW_YORK
    assert policy.booking_opens_before == CHAIN.booking_opens_before


def test_a_class_read_without_its_location_keeps_the_chains_policy_and_clock():
    spin = FitnessClass("spin", "Spin", 10, starts_at=datetime(2030, 3, 18, 18, 0, tzinfo=UTC))

    assert spin.policy_from(CHAIN) == CHAIN
