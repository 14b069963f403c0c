"""A location's opening rules: a class lies within its hours on its own clock and outside
its closures; a location with no hours at all is open at all times."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.locations import (
    Closure,
    InvalidOpeningRulesException,
    OpeningInterval,
    OpeningRules,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = range(5)
MONDAY = date(2030, 3, 4)


def hours(opens: int, closes: int) -> tuple[OpeningInterval, ...]:
    return (OpeningInterval(time(opens), time(closes)),)


def old_town(**extra) -> OpeningRules:
    week = {day: hours(6, 22) for day in WEEKDAYS} | {5: hours(8, 20)}
    return OpeningRules("Old Town", LONDON, {**week, **extra.pop("hours", {})}, **extra)


def at(day: date, hour: int, minute: int = 0, zone=LONDON) -> datetime:
    return datetime.combine(day, time(hour, minute), zone)


def test_a_location_with_no_hours_is_open_at_all_times():
    rules = OpeningRules("Main gym", LONDON)

    assert rules.refusal(at(MONDAY, 3), at(MONDAY, 4)) is None
    assert rules.refusal(at(MONDAY, 23), at(MONDAY + timedelta(days=1), 1)) is None


def test_a_class_within_the_hours_is_accepted_up_to_the_minute_of_closing():
    assert old_town().refusal(at(MONDAY, 6), at(MONDAY, 7)) is None
    assert old_town().refusal(at(MONDAY, 21), at(MONDAY, 22)) is None


def test_a_class_running_past_closing_is_refused_naming_the_location_day_and_hours():
    refusal = old_town().refusal(at(MONDAY, 21, 30), at(MONDAY, 22, 30))

    assert refusal == (
        "Old Town opens 06:00\u201322:00 on Mondays: a class from 21:30 to 22:30 would run "
        "past closing."
    )


def test_a_class_starting_before_opening_is_refused():
    saturday = MONDAY + timedelta(days=5)

    refusal = old_town().refusal(at(saturday, 7), at(saturday, 9))

    assert refusal is not None
    assert refusal.startswith("Old Town opens 08:00\u201320:00 on Saturdays")
    assert refusal.endswith("would start before opening.")


def test_a_weekday_without_hours_is_closed_once_others_have_some():
    sunday = MONDAY + timedelta(days=6)

    refusal = old_town().refusal(at(sunday, 10), at(sunday, 11))

    assert refusal == "Old Town is closed on Sundays: a class from 10:00 to 11:00 cannot run."


def test_a_day_may_have_several_intervals_and_a_class_must_fit_one_of_them():
    split = (OpeningInterval(time(6), time(12)), OpeningInterval(time(16), time(22)))
    rules = old_town(hours={0: split})

    assert rules.refusal(at(MONDAY, 11), at(MONDAY, 12)) is None
    assert rules.refusal(at(MONDAY, 16), at(MONDAY, 17)) is None
    lunch = rules.refusal(at(MONDAY, 13), at(MONDAY, 14))
    assert lunch == (
        "Old Town opens 06:00\u201312:00 and 16:00\u201322:00 on Mondays: a class from 13:00 "
        "to 14:00 would fall outside them."
    )
    assert rules.refusal(at(MONDAY, 11, 30), at(MONDAY, 12, 30)).endswith("past closing.")


def test_a_class_crossing_midnight_runs_past_closing():
    refusal = old_town().refusal(at(MONDAY, 21), at(MONDAY + timedelta(days=1), 0, 30))

    assert refusal is not None and refusal.endswith("would run past closing.")


def test_overlapping_intervals_of_one_day_are_refused():
    with pytest.raises(InvalidOpeningRulesException) as refused:
        OpeningRules(
            "Old Town",
            LONDON,
            {0: (OpeningInterval(time(6), time(12)), OpeningInterval(time(11), time(14)))},
        )

    assert "On Mondays the hours 06:00\u201312:00 and 11:00\u201314:00 overlap" in str(
        refused.value
    )


def test_an_interval_must_close_after_it_opens():
    with pytest.raises(InvalidOpeningRulesException, match="must come after opening"):
        OpeningInterval(time(22), time(6))


def test_a_closure_must_not_end_before_it_starts():
    with pytest.raises(InvalidOpeningRulesException, match="cannot be before its first day"):
        Closure(date(2030, 12, 26), date(2030, 12, 25))


def test_a_class_on_a_closed_day_is_refused_with_the_reason():
    christmas = date(2030, 12, 25)
    rules = old_town(closures=(Closure(christmas, date(2030, 12, 26), "Christmas"),))

    assert rules.refusal(at(christmas, 10), at(christmas, 11)) == (
        "Old Town is closed on 25 Dec (Christmas)."
    )
    boxing_day = date(2030, 12, 26)
    assert rules.refusal(at(boxing_day, 10), at(boxing_day, 11)) == (
        "Old Town is closed on 26 Dec (Christmas)."
    )
    assert rules.refusal(at(date(2030, 12, 27), 10), at(date(2030, 12, 27), 11)) is None


def test_a_closure_holds_at_a_location_that_is_always_open():
    day = date(2030, 8, 1)
    rules = OpeningRules("Main gym", LONDON, closures=(Closure(day, day),))

    assert rules.refusal(at(day, 10), at(day, 11)) == "Main gym is closed on 01 Aug."


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        (LONDON, date(2027, 3, 28)),  # spring forward
        (LONDON, date(2027, 10, 31)),  # fall back
        (NEW_YORK, date(2027, 3, 14)),
        (NEW_YORK, date(2027, 11, 7)),
    ],
)
def test_hours_are_read_on_the_locations_wall_clock_on_days_the_clocks_change(zone, day):
    """The class is given in UTC; it fits or not by what the location's clock shows."""
    rules = OpeningRules("Gym", zone, {day.weekday(): hours(8, 20)})
    offset = at(day, 12, zone=zone).utcoffset()
    starts_utc = datetime.combine(day, time(19), UTC) - offset  # 19:00 local

    assert rules.refusal(starts_utc, starts_utc + timedelta(hours=1)) is None
    late = rules.refusal(starts_utc + timedelta(minutes=30), starts_utc + timedelta(minutes=90))
    assert late is not None and "from 19:30 to 20:30 would run past closing" in late


def test_a_class_after_the_clocks_go_forward_is_judged_by_its_wall_clock():
    """On London's spring-forward Sunday 01:00 UTC is 02:00 on the clock (BST), not 01:00."""
    rules = OpeningRules("Gym", LONDON, {6: hours(2, 4)})
    starts = datetime(2027, 3, 28, 1, 0, tzinfo=UTC)

    assert rules.refusal(starts, starts + timedelta(hours=2)) is None
    assert rules.refusal(starts - timedelta(minutes=30), starts + timedelta(hours=1)) == (
        "Gym opens 02:00\u201304:00 on Sundays: a class from 00:30 to 03:00 would start "
        "before opening."
    )


def test_a_series_is_judged_on_each_of_its_weekdays():
    rules = old_town()

    assert rules.series_refusal([0, 2, 5], time(18), timedelta(hours=1)) is None
    refusal = rules.series_refusal([0, 5], time(19, 30), timedelta(hours=1))
    assert refusal == (
        "Old Town opens 08:00\u201320:00 on Saturdays: a session from 19:30 to 20:30 would "
        "run past closing."
    )
    assert rules.series_refusal([6], time(10), timedelta(hours=1)).startswith(
        "Old Town is closed on Sundays: a session"
    )


def test_a_day_is_described_as_the_schedule_shows_it():
    christmas = date(2030, 12, 25)
    rules = old_town(closures=(Closure(christmas, christmas, "Christmas"),))
    sunday = MONDAY + timedelta(days=6)

    assert rules.describe_day(MONDAY) == "Open 06:00\u201322:00"
    assert rules.describe_day(sunday) == "Closed"
    assert rules.describe_day(christmas) == "Closed: Christmas"
    assert OpeningRules("Main gym", LONDON).describe_day(MONDAY) == ""
