"""A waiting member's odds: the share of past joins at her number that got a spot, told only
from a big enough sample; classes are alike within an hour of each other's time of day."""

from datetime import time

import pytest

from domain.waitlist_odds import MINIMUM_SAMPLE, at_a_like_time, odds_at


@pytest.mark.parametrize(
    ("one", "other", "alike"),
    [
        (time(7, 0), time(7, 45), True),
        (time(7, 0), time(8, 0), True),
        (time(7, 0), time(8, 1), False),
        (time(23, 30), time(0, 15), True),  # across midnight
        (time(7, 0), time(18, 0), False),
    ],
)
def test_classes_are_alike_within_an_hour_of_each_others_time(one, other, alike):
    assert at_a_like_time(one, other) is alike


def test_the_odds_count_only_the_joins_at_that_number():
    outcomes = [(1, True), (1, True), (1, False), (2, False), (2, True), (3, False)] * 2

    first, second = odds_at(1, outcomes), odds_at(2, outcomes)

    assert (first.got_in, first.sample) == (4, 6)
    assert first.describe() == (
        "On past classes like this one, number 1 on the waitlist got a spot 4 times out of 6 (67%)."
    )
    assert (second.got_in, second.sample) == (2, 4)
    assert not second.known and "Too few past classes" in second.describe()


def test_no_history_is_too_few_to_tell():
    odds = odds_at(1, [])

    assert (odds.sample, odds.known) == (0, False)
    assert MINIMUM_SAMPLE > 0
