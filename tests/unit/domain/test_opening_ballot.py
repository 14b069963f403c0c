"""The fair opening ballot: only the requests in its window count, the draw ignores the order
they came in, each entrant has the same chance of a spot and of each place in the queue (a
chi-squared test over fixed seeds), and a recorded seed reproduces the draw."""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from domain.ballot import BallotWindow, draw, new_seed
from domain.exceptions import InvalidBallotException

OPENS = datetime(2030, 3, 4, 6, tzinfo=UTC)
ENTRANTS = [f"member-{n:02d}" for n in range(10)]
# The 0.1 % critical value of the chi-squared distribution with 9 degrees of freedom: ten
# equally likely outcomes exceed it by chance once in a thousand fixed-seed runs.
CHI_SQUARED_9_AT_0_001 = 27.88


def chi_squared(counts: Counter, outcomes: list[str], expected: float) -> float:
    return sum((counts[outcome] - expected) ** 2 / expected for outcome in outcomes)


def test_the_window_collects_from_opening_for_its_length():
    window = BallotWindow(timedelta(minutes=10))

    assert window.collects(OPENS, OPENS)
    assert window.collects(OPENS, OPENS + timedelta(minutes=9, seconds=59))
    assert not window.collects(OPENS, OPENS + timedelta(minutes=10))
    assert not window.collects(OPENS, OPENS - timedelta(seconds=1))
    assert window.closes_at(OPENS) == OPENS + timedelta(minutes=10)


@pytest.mark.parametrize("lasting", [timedelta(0), timedelta(days=2)])
def test_a_window_of_no_time_or_too_long_is_refused(lasting):
    with pytest.raises(InvalidBallotException):
        BallotWindow(lasting)


def test_the_arrival_order_and_repeated_requests_change_nothing():
    shuffled = random.Random(7).sample(ENTRANTS, len(ENTRANTS))

    first = draw(ENTRANTS, 3, seed=42)
    again = draw([*shuffled, *shuffled[:4]], 3, seed=42)

    assert first == again
    assert len(first.winners) == 3 and len(first.waitlisted) == 7
    assert sorted(first.winners + first.waitlisted) == ENTRANTS


def test_a_recorded_seed_reproduces_the_draw_and_another_seed_draws_anew():
    seed = new_seed()

    assert draw(ENTRANTS, 4, seed) == draw(ENTRANTS, 4, seed)
    assert {draw(ENTRANTS, 4, seed + n).winners for n in range(20)} != {
        draw(ENTRANTS, 4, seed).winners
    }


def test_every_entrant_is_as_likely_to_win_a_spot():
    runs = 6000
    wins = Counter(winner for seed in range(runs) for winner in draw(ENTRANTS, 3, seed).winners)

    expected = runs * 3 / len(ENTRANTS)
    assert chi_squared(wins, ENTRANTS, expected) < CHI_SQUARED_9_AT_0_001


def test_every_entrant_is_as_likely_to_be_first_in_the_queue():
    runs = 6000
    firsts = Counter(draw(ENTRANTS, 3, seed).waitlisted[0] for seed in range(runs))

    assert chi_squared(firsts, ENTRANTS, runs / len(ENTRANTS)) < CHI_SQUARED_9_AT_0_001


def test_the_chi_squared_test_catches_a_draw_that_favours_the_quickest():
    """The control: first come, first served fails the same test."""
    runs = 6000
    wins = Counter(winner for _ in range(runs) for winner in ENTRANTS[:3])

    assert chi_squared(wins, ENTRANTS, runs * 3 / len(ENTRANTS)) > CHI_SQUARED_9_AT_0_001


def test_fewer_entrants_than_spots_all_win_and_negative_spots_are_refused():
    few = draw(ENTRANTS[:2], 5, seed=1)

    assert sorted(few.winners) == ENTRANTS[:2] and few.waitlisted == ()
    with pytest.raises(InvalidBallotException):
        draw(ENTRANTS, -1, seed=1)
