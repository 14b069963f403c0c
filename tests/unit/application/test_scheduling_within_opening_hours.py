"""A class added, moved or relocated must fit its location's opening hours and closures, as
the use cases decide (whoever calls them); one kept where and when it was, renamed, is never
refused by opening rules made after it."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain.exceptions import OutsideOpeningHoursException
from domain.locations import Closure, OpeningInterval, OpeningRules

MONDAY_NOON = datetime(2030, 12, 23, 12, tzinfo=UTC)
CHRISTMAS_EVE = date(2030, 12, 24)
HOUR = timedelta(hours=1)


@pytest.fixture
def old_town(gym):
    """Open 07:00 to 21:00 on weekdays, closed at weekends and on Christmas Eve (clock: UTC)."""
    gym.opening_hours.rules["Old Town"] = OpeningRules(
        location="Old Town",
        hours={weekday: (OpeningInterval(time(7), time(21)),) for weekday in range(5)},
        closures=(Closure(CHRISTMAS_EVE, CHRISTMAS_EVE, "Christmas Eve"),),
    )
    return "Old Town"


def schedule(gym, starts_at: datetime, location: str = "Old Town"):
    return gym.schedule_class.execute(
        "Spin", 10, starts_at=starts_at, ends_at=starts_at + HOUR, location=location
    )


def test_a_class_within_the_hours_is_added(gym, old_town):
    added = schedule(gym, MONDAY_NOON)

    assert gym.classes.get_by_id(added.id).location == "Old Town"


@pytest.mark.parametrize(
    ("starts_at", "why"),
    [
        (MONDAY_NOON.replace(hour=20, minute=30), "would run past closing"),
        (MONDAY_NOON + timedelta(days=5), "closed on Saturdays"),
        (MONDAY_NOON + timedelta(days=1), r"closed on 24 Dec \(Christmas Eve\)"),
    ],
    ids=["past closing", "weekend", "closure"],
)
def test_a_class_outside_the_hours_is_not_added(gym, old_town, starts_at, why):
    with pytest.raises(OutsideOpeningHoursException, match=why):
        schedule(gym, starts_at)

    assert gym.events == []


def test_moving_a_class_past_closing_is_refused_and_it_keeps_its_time(gym, old_town):
    spin = schedule(gym, MONDAY_NOON)
    gym.clear_history()

    with pytest.raises(OutsideOpeningHoursException):
        gym.reschedule_class.execute(spin.id, MONDAY_NOON.replace(hour=21), MONDAY_NOON + 10 * HOUR)

    assert gym.classes.get_by_id(spin.id).starts_at == MONDAY_NOON
    assert gym.events == []


def test_relocating_a_class_to_a_location_closed_then_is_refused(gym, old_town):
    saturday = schedule(gym, MONDAY_NOON + timedelta(days=5), location="Riverside")

    with pytest.raises(OutsideOpeningHoursException, match="closed on Saturdays"):
        gym.change_class_details.execute(saturday.id, location="Old Town")

    assert gym.classes.get_by_id(saturday.id).location == "Riverside"


def test_a_class_kept_where_and_when_it_was_is_renamed_under_hours_made_after_it(gym):
    saturday = schedule(gym, MONDAY_NOON + timedelta(days=5))
    gym.opening_hours.rules["Old Town"] = OpeningRules(
        location="Old Town",
        hours={weekday: (OpeningInterval(time(7), time(21)),) for weekday in range(5)},
    )

    assert gym.change_class_details.execute(saturday.id, name="Weekend Spin") == ("name",)
