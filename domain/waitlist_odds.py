"""A waiting member's odds, from the gym's own history instead of a bare position: of the
members who joined the waitlist of a past class like this one at the same number, how many
got a spot. A class is like another when it has its name (any case), at its location, and
starts within an hour of its time of day on the location's clock: the 07:00 Spin is not the
18:00 one. Too small a sample says so rather than guess.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time

# Fewer joins at a number than this, and the odds are not told.
MINIMUM_SAMPLE = 5
# Two classes of one name are alike within this many minutes of each other's time of day.
SAME_TIME_OF_DAY_MINUTES = 60


def at_a_like_time(one: time, other: time) -> bool:
    """Within an hour of each other on the clock, across midnight too."""
    apart = abs((one.hour * 60 + one.minute) - (other.hour * 60 + other.minute))
    return min(apart, 24 * 60 - apart) <= SAME_TIME_OF_DAY_MINUTES


@dataclass(frozen=True)
class WaitlistOdds:
    position: int
    got_in: int
    sample: int

    @property
    def known(self) -> bool:
        return self.sample >= MINIMUM_SAMPLE

    def describe(self) -> str:
        if not self.known:
            return (
                f"Too few past classes like this one had a number {self.position} on the "
                "waitlist to say how often it got a spot."
            )
        share = round(100 * self.got_in / self.sample)
        return (
            f"On past classes like this one, number {self.position} on the waitlist got a "
            f"spot {self.got_in} times out of {self.sample} ({share}%)."
        )


def odds_at(position: int, outcomes: Iterable[tuple[int, bool]]) -> WaitlistOdds:
    """The odds of number `position`, from past joins (the number joined at, whether she
    got a spot)."""
    at_position = [got_in for joined_at, got_in in outcomes if joined_at == position]
    return WaitlistOdds(position=position, got_in=sum(at_position), sample=len(at_position))
