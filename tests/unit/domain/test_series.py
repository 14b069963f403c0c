"""A class series: valid or refused with a clear message, and the start moments of its
sessions, 18:00 on the gym's clock whatever the clocks do."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.events import ClassScheduled
from domain.exceptions import DomainException
from domain.series import (
    ClassSeries,
    InvalidSeriesException,
    describe_weekdays,
    local_start,
    session_starts,
    weeks_ahead,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def spin(**changes) -> ClassSeries:
    """Spin on Mondays and Wednesdays at 18:00 for 45 minutes, from Monday 4 March 2030."""
    fields = {
        "name": "Spin",
        "weekdays": {MON, WED},
        "start_time": time(18, 0),
        "duration": timedelta(minutes=45),
        "capacity": 12,
        "first_date": date(2030, 3, 4),
        "instructor": "Kim",
    }
    return ClassSeries.create(**{**fields, **changes})


def local(moments: list[datetime], zone=LONDON) -> list[str]:
    return [f"{moment.astimezone(zone):%a %d %b %H:%M %Z}" for moment in moments]


# --- A valid series -----------------------------------------------------------------------------


def test_a_series_keeps_what_it_is_given():
    series = spin(description=" Hills ", location="Studio 1", last_date=date(2030, 6, 30))

    assert series.id and series.name == "Spin"
    assert series.weekdays == frozenset({MON, WED})
    assert (series.start_time, series.duration, series.capacity) == (
        time(18, 0),
        timedelta(minutes=45),
        12,
    )
    assert (series.first_date, series.last_date) == (date(2030, 3, 4), date(2030, 6, 30))
    assert series.get_domain_events() == []


def test_the_name_is_trimmed():
    assert spin(name="  Spin  ").name == "Spin"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "  "}, "Give the series a name."),
        ({"weekdays": set()}, "Choose at least one weekday."),
        ({"weekdays": {7}}, "Weekdays are numbered from 0 (Monday) to 6 (Sunday)."),
        ({"weekdays": {-1}}, "Weekdays are numbered from 0 (Monday) to 6 (Sunday)."),
        ({"weekdays": "mon"}, "Choose the weekdays the series runs on."),
        ({"start_time": "18:00"}, "The start time is a time on the gym's clock"),
        ({"start_time": time(18, tzinfo=UTC)}, "without a time zone"),
        ({"duration": timedelta(0)}, "longer than 0 minutes and at most 24 hours"),
        ({"duration": timedelta(hours=25)}, "at most 24 hours"),
        ({"capacity": 0}, "The capacity must be a whole number from 1 to 1000."),
        ({"capacity": True}, "The capacity must be a whole number from 1 to 1000."),
        # The class's limit: a series above it could generate no session at all.
        ({"capacity": 1001}, "The capacity must be a whole number from 1 to 1000."),
        ({"first_date": None}, "Give the date of the first session."),
        ({"last_date": date(2030, 3, 3)}, "The last date cannot be before the first date."),
    ],
)
def test_an_invalid_series_is_refused_with_a_clear_message(changes, message):
    with pytest.raises(InvalidSeriesException, match=re.escape(message)):
        spin(**changes)


def test_an_invalid_series_is_a_business_refusal():
    assert issubclass(InvalidSeriesException, DomainException)


def test_a_one_day_series_may_end_on_its_first_date():
    assert spin(last_date=date(2030, 3, 4)).last_date == date(2030, 3, 4)


def test_a_changed_series_keeps_its_id_and_is_validated_again():
    series = spin()

    changed = series.changed(instructor="Marco", capacity=14)

    assert changed.id == series.id
    assert (changed.instructor, changed.capacity) == ("Marco", 14)
    assert series.differences(changed) == ("capacity", "instructor")
    assert series.instructor == "Kim", "the original is left as it was"
    with pytest.raises(InvalidSeriesException):
        series.changed(capacity=0)


def test_an_unchanged_series_has_no_differences():
    series = spin()

    assert series.differences(series.changed(weekdays=[WED, MON])) == ()


# --- Session start moments ------------------------------------------------------------------------


def test_sessions_fall_on_the_series_weekdays_between_two_dates_both_included():
    starts = session_starts(spin(), date(2030, 3, 4), date(2030, 3, 13), LONDON)

    assert local(starts) == [
        "Mon 04 Mar 18:00 GMT",
        "Wed 06 Mar 18:00 GMT",
        "Mon 11 Mar 18:00 GMT",
        "Wed 13 Mar 18:00 GMT",
    ]
    assert all(start.tzinfo is UTC for start in starts), "stored in UTC"


def test_no_session_before_the_first_date_or_after_the_last():
    series = spin(first_date=date(2030, 3, 6), last_date=date(2030, 3, 11))

    starts = series.session_starts(date(2030, 3, 1), date(2030, 3, 31), LONDON)

    assert local(starts) == ["Wed 06 Mar 18:00 GMT", "Mon 11 Mar 18:00 GMT"]


def test_an_empty_period_has_no_sessions():
    assert session_starts(spin(), date(2030, 3, 13), date(2030, 3, 4), LONDON) == []


def test_a_session_stays_at_18_00_local_when_the_clocks_go_forward():
    # given: British Summer Time starts on Sunday 31 March 2030
    series = spin(weekdays={SAT, SUN, MON})

    # when
    starts = series.session_starts(date(2030, 3, 30), date(2030, 4, 1), LONDON)

    # then: 18:00 on the gym's clock every day, one hour earlier in UTC after the change
    assert local(starts) == [
        "Sat 30 Mar 18:00 GMT",
        "Sun 31 Mar 18:00 BST",
        "Mon 01 Apr 18:00 BST",
    ]
    assert [start.hour for start in starts] == [18, 17, 17]


def test_a_session_stays_at_18_00_local_when_the_clocks_go_back():
    # given: British Summer Time ends on Sunday 27 October 2030
    series = spin(weekdays={SAT, SUN})

    # when
    starts = series.session_starts(date(2030, 10, 26), date(2030, 10, 27), LONDON)

    # then
    assert local(starts) == ["Sat 26 Oct 18:00 BST", "Sun 27 Oct 18:00 GMT"]
    assert [start.hour for start in starts] == [17, 18]


def test_the_time_zone_is_the_one_given():
    # given: New York changes its clocks on 10 March 2030, three weeks before London
    series = spin(weekdays={SAT, SUN})

    starts = series.session_starts(date(2030, 3, 9), date(2030, 3, 10), NEW_YORK)

    assert local(starts, NEW_YORK) == ["Sat 09 Mar 18:00 EST", "Sun 10 Mar 18:00 EDT"]
    assert [start.hour for start in starts] == [23, 22]


def test_a_start_time_the_clocks_skip_is_moved_on_by_the_gap():
    # 01:30 does not exist in London on 31 March 2030: the clocks go from 01:00 to 02:00
    moment = local_start(date(2030, 3, 31), time(1, 30), LONDON)

    assert moment == datetime(2030, 3, 31, 1, 30, tzinfo=UTC)
    assert f"{moment.astimezone(LONDON):%H:%M %Z}" == "02:30 BST"


def test_a_start_time_the_clocks_repeat_is_the_first_of_the_two():
    # 01:30 happens twice in London on 27 October 2030
    moment = local_start(date(2030, 10, 27), time(1, 30), LONDON)

    assert moment == datetime(2030, 10, 27, 0, 30, tzinfo=UTC)
    assert f"{moment.astimezone(LONDON):%H:%M %Z}" == "01:30 BST"


# --- Generation window, sessions, wording --------------------------------------------------------


def test_n_weeks_ahead_is_n_whole_weeks_from_today():
    assert weeks_ahead(date(2030, 3, 4), 1) == (date(2030, 3, 4), date(2030, 3, 10))
    assert weeks_ahead(date(2030, 3, 4), 4) == (date(2030, 3, 4), date(2030, 3, 31))


@pytest.mark.parametrize("weeks", [0, -1, 53, 2.5, "4"])
def test_generating_is_limited_to_1_to_52_weeks(weeks):
    with pytest.raises(InvalidSeriesException, match="from 1 to 52 weeks ahead"):
        weeks_ahead(date(2030, 3, 4), weeks)


def test_a_new_session_has_the_series_details_and_its_scheduling_is_recorded():
    # given
    series = spin(location="Studio 1", description="Hills")
    starts_at = datetime(2030, 3, 4, 18, 0, tzinfo=UTC)
    now = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)

    # when
    session = series.new_session(starts_at)
    series.record_scheduled(session, now=now)

    # then
    assert (session.name, session.capacity, session.instructor, session.location) == (
        "Spin",
        12,
        "Kim",
        "Studio 1",
    )
    assert (session.starts_at, session.ends_at) == (starts_at, starts_at + timedelta(minutes=45))
    assert session.description == "Hills"
    [event] = series.get_domain_events()
    assert isinstance(event, ClassScheduled)
    assert (event.class_id, event.series_id, event.starts_at, event.occurred_at) == (
        session.id,
        series.id,
        starts_at,
        now,
    )


def test_weekdays_are_described_in_order():
    assert describe_weekdays({FRI, MON, WED}) == "Mon, Wed, Fri"
