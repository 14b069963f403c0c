"""The gym's one way of writing moments, days and counts: in the gym's time zone on both sides
of a clock change, whatever zone is active, and with the right plural."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from web import formatting

# Europe/London moves to BST (UTC+1) at 01:00 UTC on Sunday 31 March 2030.
BEFORE_THE_CHANGE = datetime(2030, 3, 30, 18, 0, tzinfo=UTC)
AFTER_THE_CHANGE = datetime(2030, 4, 1, 17, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def test_staff_time_is_the_gyms_wall_clock_on_both_sides_of_a_clock_change():
    assert formatting.staff_time(BEFORE_THE_CHANGE) == "Sat 30 Mar 18:00"
    assert formatting.staff_time(AFTER_THE_CHANGE) == "Mon 01 Apr 18:00"


def test_the_hour_the_clocks_go_forward_is_skipped():
    assert formatting.staff_time(datetime(2030, 3, 31, 0, 59, tzinfo=UTC)) == "Sun 31 Mar 00:59"
    assert formatting.staff_time(datetime(2030, 3, 31, 1, 0, tzinfo=UTC)) == "Sun 31 Mar 02:00"


def test_the_gyms_zone_wins_over_the_active_one():
    with timezone.override("Asia/Tokyo"):
        assert formatting.staff_time(BEFORE_THE_CHANGE) == "Sat 30 Mar 18:00"
        assert formatting.member_time(AFTER_THE_CHANGE) == "Mon 1 Apr 18:00"


def test_a_class_s_zone_by_name_or_tzinfo_wins_over_the_installations():
    # 2027-03-14: New York has sprung forward (UTC-4), London has not (UTC+0)
    moment = datetime(2027, 3, 14, 22, 0, tzinfo=UTC)

    assert formatting.member_time(moment, "America/New_York") == "Sun 14 Mar 18:00"
    assert formatting.staff_time(moment, ZoneInfo("America/New_York")) == "Sun 14 Mar 18:00"
    assert formatting.staff_time(moment) == formatting.staff_time(moment, "") == "Sun 14 Mar 22:00"


def test_a_change_of_the_gyms_zone_is_followed(settings):
    settings.TIME_ZONE = "Asia/Tokyo"

    assert formatting.staff_time(BEFORE_THE_CHANGE) == "Sun 31 Mar 03:00"


def test_staff_forms_are_zero_padded():
    assert formatting.staff_time_with_year(AFTER_THE_CHANGE) == "Mon 01 Apr 2030 18:00"
    assert formatting.staff_day(AFTER_THE_CHANGE) == "Mon 01 Apr"


def test_member_forms_are_not_padded():
    assert formatting.member_time(BEFORE_THE_CHANGE) == "Sat 30 Mar 18:00"
    assert formatting.member_time(AFTER_THE_CHANGE) == "Mon 1 Apr 18:00"
    assert formatting.member_time_with_year(AFTER_THE_CHANGE) == "Mon 1 April 2030, 18:00"


def test_a_members_day_has_the_year_only_when_it_is_not_the_current_one():
    now = datetime(2030, 12, 31, 12, 0, tzinfo=UTC)

    assert formatting.member_day(AFTER_THE_CHANGE, now) == "1 April"
    assert formatting.member_day(datetime(2031, 1, 2, 9, 0, tzinfo=UTC), now) == "2 January 2031"


def test_a_members_day_and_year_are_the_gyms(settings):
    settings.TIME_ZONE = "Asia/Tokyo"  # UTC+9: 23:30 UTC on 31 December is 1 January there
    new_years_eve_in_utc = datetime(2030, 12, 31, 23, 30, tzinfo=UTC)
    now = datetime(2031, 1, 1, 12, 0, tzinfo=UTC)

    assert formatting.member_day(new_years_eve_in_utc, now) == "1 January"


@pytest.mark.parametrize(
    ("number", "expected"),
    [(0, "0 classes"), (1, "1 class"), (2, "2 classes"), (21, "21 classes")],
)
def test_a_count_takes_the_singular_only_for_one(number, expected):
    assert formatting.count(number, "class", "classes") == expected


def test_a_count_with_the_same_word_for_both():
    assert formatting.count(1, "series", "series") == "1 series"
    assert formatting.count(3, "series", "series") == "3 series"
