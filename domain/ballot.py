"""A fair opening ballot: for a class whose demand at opening exceeds its spots, the requests
made in the first minutes after booking opens are drawn at random instead of first come, so
being quickest (or a bot) gains nothing. The winners are booked and the rest waitlisted in the
drawn order.

The draw is reproducible and auditable: it depends only on the set of requests and a recorded
seed. Requests are put in one canonical order (by member id) before shuffling, so the order
in which they arrived, which is what speed would buy, plays no part. The shuffle is Python's
Mersenne Twister, whose sequence for a seed has not changed since Python 3.2.
"""

import random
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain import exceptions

# The most a ballot's window may stay open after booking opens.
MAX_BALLOT_WINDOW = timedelta(hours=24)


def new_seed() -> int:
    """A seed for a draw, from the operating system's randomness (recorded with the draw)."""
    return secrets.randbits(63)


@dataclass(frozen=True)
class BallotWindow:
    """Requests from when booking opens until `lasting` after it go into the ballot."""

    lasting: timedelta

    def __post_init__(self) -> None:
        if not timedelta(0) < self.lasting <= MAX_BALLOT_WINDOW:
            raise exceptions.InvalidBallotException()

    def collects(self, opens_at: datetime, now: datetime) -> bool:
        return opens_at <= now < opens_at + self.lasting

    def closes_at(self, opens_at: datetime) -> datetime:
        return opens_at + self.lasting


@dataclass(frozen=True)
class Draw:
    """The outcome of a ballot: who won a spot and the order the rest wait in, with the seed
    that reproduces it."""

    seed: int
    winners: tuple[str, ...]
    waitlisted: tuple[str, ...]


def draw(member_ids: Iterable[str], spots: int, seed: int) -> Draw:
    """Draw `spots` winners among the members who asked (each once, however often she asked),
    the rest waitlisted in the drawn order."""
    if spots < 0:
        raise exceptions.InvalidBallotException()
    entrants = sorted(set(member_ids))
    random.Random(seed).shuffle(entrants)
    return Draw(seed=seed, winners=tuple(entrants[:spots]), waitlisted=tuple(entrants[spots:]))
