"""The recurring schedule over in-memory fakes: generating a series' sessions (idempotent, in
the gym's time zone) and changing a series (sessions nobody booked follow; booked ones are
reported, and changed only in an explicit second step)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from application.ports import SeriesSession
from application.series import GenerateClassesUseCase, HeldSession, UpdateSeriesUseCase
from domain.entities import FitnessClass, Member
from domain.events import (
    ClassCapacityChanged,
    ClassDeleted,
    ClassScheduled,
    MemberPromotedFromWaitlist,
)
from domain.exceptions import InvalidClassException
from domain.series import (
    ClassSeries,
    InvalidSeriesException,
    SeriesNotFoundException,
    SessionClashException,
)
from tests.fakes import FakeGym

LONDON = ZoneInfo("Europe/London")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
# The unit tests' clock: Monday 4 March 2030, 09:00 in London (GMT).


@dataclass
class Schedule:
    """The gym, its series and the two series use cases, wired as the composition root does."""

    gym: FakeGym
    generate: GenerateClassesUseCase
    update: UpdateSeriesUseCase

    @property
    def series(self):
        return self.gym.series

    @property
    def sessions(self):
        return self.gym.sessions

    def add_series(self, **fields) -> ClassSeries:
        """Spin, Mondays and Wednesdays at 18:00 for 45 minutes, 12 places, from today."""
        defaults = {
            "name": "Spin",
            "weekdays": {MON, WED},
            "start_time": time(18, 0),
            "duration": timedelta(minutes=45),
            "capacity": 12,
            "first_date": self.gym.clock.now().date(),
            "instructor": "Kim",
            "location": "Studio 1",
        }
        series = ClassSeries.create(**{**defaults, **fields})
        self.series.save(series)
        return series

    def sessions_of(self, series: ClassSeries) -> list[FitnessClass]:
        return self.sessions.sessions(series.id)

    def session_on(self, series: ClassSeries, day: date) -> FitnessClass:
        [session] = [s for s in self.sessions_of(series) if s.starts_at.date() == day]
        return session

    def book(self, session: FitnessClass, *names: str) -> list[Member]:
        members = [self.gym.add_member(name, credits=1) for name in names]
        for member in members:
            self.gym.book_class.execute(member.id, session.id)
        return members

    def edit(self, session: FitnessClass, **changes) -> None:
        """Staff edit one session on its own (the plain class form)."""
        stored = self.gym.classes.get_by_id(session.id)
        for name, value in changes.items():
            setattr(stored, name, value)
        self.gym.classes.save(stored)


def local_times(sessions: list[FitnessClass]) -> list[str]:
    return [f"{session.starts_at.astimezone(LONDON):%a %d %b %H:%M}" for session in sessions]


@pytest.fixture
def schedule(gym) -> Schedule:
    """The gym's series use cases, computing the schedule in London time."""
    return Schedule(
        gym,
        GenerateClassesUseCase(uow=gym.uow, clock=gym.clock, zone=LONDON),
        UpdateSeriesUseCase(uow=gym.uow, clock=gym.clock, zone=LONDON),
    )


# --- Generating ---------------------------------------------------------------------------------


def test_generating_creates_the_sessions_of_the_next_weeks_at_the_series_local_time(schedule):
    # given
    spin = schedule.add_series(description="Hills")

    # when
    summary = schedule.generate.execute(weeks=2)

    # then
    sessions = schedule.sessions_of(spin)
    assert local_times(sessions) == [
        "Mon 04 Mar 18:00",
        "Wed 06 Mar 18:00",
        "Mon 11 Mar 18:00",
        "Wed 13 Mar 18:00",
    ]
    first = sessions[0]
    assert (first.name, first.capacity, first.instructor, first.location) == (
        "Spin",
        12,
        "Kim",
        "Studio 1",
    )
    assert (first.description, first.duration) == ("Hills", timedelta(minutes=45))
    assert (summary.created, summary.skipped) == (4, 0)
    assert (summary.first_date, summary.last_date) == (date(2030, 3, 4), date(2030, 3, 17))
    scheduled = schedule.gym.events_of(ClassScheduled)
    assert [(e.class_id, e.series_id, e.starts_at) for e in scheduled] == [
        (session.id, spin.id, session.starts_at) for session in sessions
    ]


def test_generating_twice_creates_nothing_the_second_time(schedule):
    # given
    spin = schedule.add_series()
    schedule.generate.execute(weeks=2)
    schedule.gym.clear_history()

    # when
    summary = schedule.generate.execute(weeks=2)

    # then
    assert (summary.created, summary.skipped) == (0, 4)
    assert len(schedule.sessions_of(spin)) == 4
    assert schedule.gym.events == []


def test_a_longer_horizon_adds_only_the_missing_weeks(schedule):
    spin = schedule.add_series()
    schedule.generate.execute(weeks=1)

    summary = schedule.generate.execute(weeks=2)

    assert (summary.created, summary.skipped) == (2, 2)
    assert len(schedule.sessions_of(spin)) == 4


def test_sessions_stay_at_18_00_local_when_the_clocks_go_forward(schedule):
    # given: Monday 25 March 2030; British Summer Time starts on Sunday 31 March
    schedule.gym.clock.advance(days=21)
    spin = schedule.add_series()

    # when
    schedule.generate.execute(weeks=2)

    # then
    sessions = schedule.sessions_of(spin)
    assert local_times(sessions) == [
        "Mon 25 Mar 18:00",
        "Wed 27 Mar 18:00",
        "Mon 01 Apr 18:00",
        "Wed 03 Apr 18:00",
    ]
    assert [session.starts_at.astimezone(UTC).hour for session in sessions] == [18, 18, 17, 17]


def test_a_session_that_would_have_started_already_today_is_not_created(schedule):
    # given: Monday, 18:30 in London
    schedule.gym.clock.advance(hours=9, minutes=30)
    spin = schedule.add_series()

    # when
    summary = schedule.generate.execute(weeks=1)

    # then
    assert local_times(schedule.sessions_of(spin)) == ["Wed 06 Mar 18:00"]
    assert (summary.created, summary.skipped) == (1, 0)


def test_a_session_cancelled_on_its_own_is_not_generated_again(schedule):
    # given
    spin = schedule.add_series()
    schedule.generate.execute(weeks=1)
    monday = schedule.session_on(spin, date(2030, 3, 4))
    schedule.gym.cancel_class.execute(monday.id, "Instructor ill")

    # when
    summary = schedule.generate.execute(weeks=1)

    # then
    assert summary.created == 0
    sessions = schedule.sessions_of(spin)
    assert len(sessions) == 2
    assert sessions[0].is_cancelled


def test_a_session_moved_on_its_own_is_not_generated_again_at_the_old_time(schedule):
    # given: this Monday's session moved to 19:00
    spin = schedule.add_series()
    schedule.generate.execute(weeks=1)
    monday = schedule.session_on(spin, date(2030, 3, 4))
    schedule.edit(monday, starts_at=monday.starts_at + timedelta(hours=1))

    # when
    summary = schedule.generate.execute(weeks=1)

    # then
    assert summary.created == 0
    assert local_times(schedule.sessions_of(spin)) == ["Mon 04 Mar 19:00", "Wed 06 Mar 18:00"]


def test_a_session_staff_moved_to_another_day_is_not_generated_again_on_its_old_day(schedule):
    # given: this Monday's session moved by staff to Tuesday
    spin = schedule.add_series()
    schedule.generate.execute(weeks=1)
    monday = schedule.session_on(spin, date(2030, 3, 4))
    tuesday = monday.starts_at + timedelta(days=1)
    schedule.gym.reschedule_class.execute(monday.id, tuesday, tuesday + monday.duration)

    # when
    summary = schedule.generate.execute(weeks=1)

    # then the series remembers Monday's session: Monday stays free
    assert (summary.created, summary.skipped) == (0, 2)
    assert local_times(schedule.sessions_of(spin)) == ["Tue 05 Mar 18:00", "Wed 06 Mar 18:00"]


def test_a_session_staff_deleted_is_not_generated_again(schedule):
    # given: this Monday's session deleted by staff (added by mistake)
    spin = schedule.add_series()
    schedule.generate.execute(weeks=1)
    monday = schedule.session_on(spin, date(2030, 3, 4))
    schedule.gym.delete_class.execute(monday.id)

    # when
    summary = schedule.generate.execute(weeks=1)

    # then
    assert (summary.created, summary.skipped) == (0, 2)
    assert local_times(schedule.sessions_of(spin)) == ["Wed 06 Mar 18:00"]
    [deleted] = schedule.gym.events_of(ClassDeleted)
    assert (deleted.class_id, deleted.series_id) == (monday.id, spin.id)


def test_moving_a_session_onto_another_session_of_its_series_is_refused(schedule):
    # given Monday's and Wednesday's sessions
    spin = schedule.add_series()
    schedule.generate.execute(weeks=1)
    monday = schedule.session_on(spin, date(2030, 3, 4))
    wednesday = schedule.session_on(spin, date(2030, 3, 6))
    schedule.gym.clear_history()

    # when staff move Monday's onto Wednesday's
    with pytest.raises(SessionClashException) as refused:
        schedule.gym.reschedule_class.execute(monday.id, wednesday.starts_at, wednesday.ends_at)

    # then nothing changed
    assert "Another session of this series starts at that time" in str(refused.value)
    assert local_times(schedule.sessions_of(spin)) == ["Mon 04 Mar 18:00", "Wed 06 Mar 18:00"]
    assert schedule.gym.events == []


def test_a_session_of_a_series_may_move_to_a_free_time_on_another_sessions_day(schedule):
    spin = schedule.add_series()
    schedule.generate.execute(weeks=1)
    monday = schedule.session_on(spin, date(2030, 3, 4))
    wednesday = schedule.session_on(spin, date(2030, 3, 6))

    schedule.gym.reschedule_class.execute(
        monday.id, wednesday.starts_at + timedelta(hours=2), wednesday.ends_at + timedelta(hours=2)
    )

    assert local_times(schedule.sessions_of(spin)) == ["Wed 06 Mar 18:00", "Wed 06 Mar 20:00"]


def test_one_bad_series_is_reported_and_the_others_still_get_their_sessions(schedule):
    # given a series stored with a capacity the domain refuses (saved before the limit was
    # checked), and Yoga after it
    broken = schedule.add_series(name="Broken")
    broken.capacity = 5000
    schedule.series.save(broken)
    yoga = schedule.add_series(name="Yoga", weekdays={TUE})

    # when every series is generated
    summary = schedule.generate.execute(weeks=1)

    # then Yoga got its session and the broken series is reported by name and reason
    assert [result.series_id for result in summary.results] == [yoga.id]
    assert len(schedule.sessions_of(yoga)) == 1
    assert schedule.sessions_of(broken) == []
    [failed] = summary.failed
    assert (failed.series_id, failed.name) == (broken.id, "Broken")
    assert failed.error == "The capacity must be a whole number from 1 to 1000."
    assert summary.describe().endswith(
        "1 series failed — Broken: The capacity must be a whole number from 1 to 1000."
    )


def test_a_bad_series_generated_on_its_own_is_refused(schedule):
    broken = schedule.add_series(name="Broken")
    broken.capacity = 5000
    schedule.series.save(broken)

    with pytest.raises(InvalidClassException):
        schedule.generate.execute(weeks=1, series_id=broken.id)


def test_a_series_starts_on_its_first_date_and_stops_after_its_last(schedule):
    spin = schedule.add_series(first_date=date(2030, 3, 6), last_date=date(2030, 3, 13))

    schedule.generate.execute(weeks=4)

    assert local_times(schedule.sessions_of(spin)) == [
        "Wed 06 Mar 18:00",
        "Mon 11 Mar 18:00",
        "Wed 13 Mar 18:00",
    ]


def test_a_series_that_has_ended_is_left_out_of_a_run_over_all_series(schedule):
    schedule.add_series(first_date=date(2030, 2, 1), last_date=date(2030, 3, 3))
    yoga = schedule.add_series(name="Yoga", weekdays={TUE})

    summary = schedule.generate.execute(weeks=1)

    assert [result.series_id for result in summary.results] == [yoga.id]
    assert summary.created == 1


def test_one_series_can_be_generated_on_its_own(schedule):
    spin = schedule.add_series()
    yoga = schedule.add_series(name="Yoga", weekdays={TUE})

    summary = schedule.generate.execute(weeks=1, series_id=yoga.id)

    assert [result.name for result in summary.results] == ["Yoga"]
    assert schedule.sessions_of(spin) == []
    assert len(schedule.sessions_of(yoga)) == 1


def test_a_dry_run_says_what_it_would_create_and_creates_nothing(schedule):
    # given
    spin = schedule.add_series()

    # when
    summary = schedule.generate.execute(weeks=2, dry_run=True)

    # then
    assert summary.dry_run and summary.created == 4
    assert schedule.sessions_of(spin) == []
    assert schedule.gym.events == []
    assert summary.describe() == (
        "Would create 4 sessions for 1 series from 04 Mar to 17 Mar 2030 (0 already there). "
        "Dry run: nothing was saved."
    )


def test_the_summary_says_what_was_created_and_what_was_there(schedule):
    schedule.add_series()
    schedule.add_series(name="Yoga", weekdays={TUE})
    schedule.generate.execute(weeks=1)

    summary = schedule.generate.execute(weeks=2)

    assert summary.describe() == (
        "Created 3 sessions for 2 series from 04 Mar to 17 Mar 2030 (3 already there)."
    )


def test_a_session_another_run_stored_first_is_counted_as_already_there(schedule):
    # given: another run stores Wednesday's session just before this one does
    spin = schedule.add_series()
    wednesday = datetime(2030, 3, 6, 18, 0, tzinfo=UTC)
    schedule.sessions.taken_by_another_run.add(wednesday)

    # when
    summary = schedule.generate.execute(weeks=1)

    # then: one session on Wednesday, and only this run's own session announced
    assert (summary.created, summary.skipped) == (1, 1)
    assert local_times(schedule.sessions_of(spin)) == ["Mon 04 Mar 18:00", "Wed 06 Mar 18:00"]
    [event] = schedule.gym.events_of(ClassScheduled)
    assert event.starts_at == datetime(2030, 3, 4, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize("weeks", [0, 53])
def test_generating_too_few_or_too_many_weeks_is_refused(schedule, weeks):
    schedule.add_series()

    with pytest.raises(InvalidSeriesException, match="from 1 to 52 weeks ahead"):
        schedule.generate.execute(weeks=weeks)


def test_generating_an_unknown_series_is_refused(schedule):
    with pytest.raises(SeriesNotFoundException):
        schedule.generate.execute(weeks=1, series_id="no-such-series")


# --- Changing a series: step one ----------------------------------------------------------------


@pytest.fixture
def spin(schedule) -> ClassSeries:
    """Spin with two weeks of sessions: Mon 4, Wed 6, Mon 11 and Wed 13 March at 18:00."""
    series = schedule.add_series()
    schedule.generate.execute(weeks=2)
    schedule.gym.clear_history()
    return series


def test_a_change_applies_to_upcoming_sessions_nobody_booked_and_reports_the_booked_ones(
    schedule, spin
):
    # given: Ana booked Wednesday 6 March
    wednesday = schedule.session_on(spin, date(2030, 3, 6))
    schedule.book(wednesday, "Ana")

    # when
    update = schedule.update.execute(spin.id, instructor="Marco", location="Studio 2")

    # then
    instructors = [(s.instructor, s.location) for s in schedule.sessions_of(spin)]
    assert instructors == [
        ("Marco", "Studio 2"),
        ("Kim", "Studio 1"),
        ("Marco", "Studio 2"),
        ("Marco", "Studio 2"),
    ]
    assert update.changed == ("instructor", "location")
    assert (update.updated, update.removed) == (3, 0)
    assert update.held == (HeldSession(wednesday.id, wednesday.starts_at),)
    assert schedule.series.get_by_id(spin.id).instructor == "Marco"


def test_a_session_whose_only_booking_was_cancelled_is_still_left_alone(schedule, spin):
    # given
    wednesday = schedule.session_on(spin, date(2030, 3, 6))
    schedule.book(wednesday, "Ana")
    [booking] = schedule.gym.bookings.get_confirmed_by_class(wednesday.id)
    schedule.gym.cancel_booking.execute(booking.id)

    # when
    update = schedule.update.execute(spin.id, instructor="Marco")

    # then
    assert schedule.gym.classes.get_by_id(wednesday.id).instructor == "Kim"
    assert [held.class_id for held in update.held] == [wednesday.id]


def test_a_waiting_member_makes_a_session_booked():
    assert SeriesSession("c1", datetime(2030, 3, 4, tzinfo=UTC), waiting=1).has_bookings
    assert not SeriesSession("c1", datetime(2030, 3, 4, tzinfo=UTC)).has_bookings


def test_sessions_that_have_started_never_change(schedule, spin):
    # given: Monday's session is over
    schedule.gym.clock.advance(days=1)

    # when
    update = schedule.update.execute(spin.id, instructor="Marco")

    # then
    assert [s.instructor for s in schedule.sessions_of(spin)] == ["Kim", "Marco", "Marco", "Marco"]
    assert update.updated == 3


def test_cancelled_sessions_never_change(schedule, spin):
    monday = schedule.sessions_of(spin)[0]
    schedule.gym.cancel_class.execute(monday.id, "Flood")

    update = schedule.update.execute(spin.id, instructor="Marco")

    assert schedule.gym.classes.get_by_id(monday.id).instructor == "Kim"
    assert update.updated == 3 and update.held == ()


def test_a_detail_given_to_one_session_on_its_own_is_kept(schedule, spin):
    # given: Sam stands in on Wednesday 6 March
    wednesday = schedule.session_on(spin, date(2030, 3, 6))
    schedule.edit(wednesday, instructor="Sam")

    # when
    schedule.update.execute(spin.id, instructor="Marco", location="Studio 2")

    # then: Sam stays, and the session still follows the series' new location
    stored = schedule.gym.classes.get_by_id(wednesday.id)
    assert (stored.instructor, stored.location) == ("Sam", "Studio 2")
    assert [s.instructor for s in schedule.sessions_of(spin)] == ["Marco", "Sam", "Marco", "Marco"]


def test_a_new_start_time_moves_the_unbooked_sessions_but_never_a_booked_one(schedule):
    # given: Spin from Monday 25 March, across the change to summer time on 31 March
    schedule.gym.clock.advance(days=21)
    spin = schedule.add_series()
    schedule.generate.execute(weeks=2)
    wednesday = schedule.session_on(spin, date(2030, 3, 27))
    schedule.book(wednesday, "Ana")

    # when
    update = schedule.update.execute(spin.id, start_time=time(19, 0), duration=timedelta(hours=1))

    # then: 19:00 on the gym's clock before and after the change; the booked session stays
    sessions = schedule.sessions_of(spin)
    assert local_times(sessions) == [
        "Mon 25 Mar 19:00",
        "Wed 27 Mar 18:00",
        "Mon 01 Apr 19:00",
        "Wed 03 Apr 19:00",
    ]
    assert [s.duration for s in sessions] == [
        timedelta(hours=1),
        timedelta(minutes=45),
        timedelta(hours=1),
        timedelta(hours=1),
    ]
    assert update.schedule_changed == ("start_time", "duration")
    assert [held.class_id for held in update.held] == [wednesday.id]


def test_a_session_is_never_moved_into_the_past(schedule, spin):
    # given: Monday, 17:30; today's session starts at 18:00
    schedule.gym.clock.advance(hours=8, minutes=30)

    # when: the series moves to 17:00
    schedule.update.execute(spin.id, start_time=time(17, 0))

    # then: today's session stays where it was, the later ones move
    assert local_times(schedule.sessions_of(spin)) == [
        "Mon 04 Mar 18:00",
        "Wed 06 Mar 17:00",
        "Mon 11 Mar 17:00",
        "Wed 13 Mar 17:00",
    ]


def test_dropping_a_weekday_removes_its_unbooked_sessions_and_keeps_the_booked_ones(schedule, spin):
    # given
    booked = schedule.session_on(spin, date(2030, 3, 13))
    schedule.book(booked, "Ana")

    # when
    update = schedule.update.execute(spin.id, weekdays={MON, FRI})

    # then
    assert local_times(schedule.sessions_of(spin)) == [
        "Mon 04 Mar 18:00",
        "Mon 11 Mar 18:00",
        "Wed 13 Mar 18:00",
    ]
    assert (update.removed, update.updated) == (1, 2)
    assert [held.class_id for held in update.held] == [booked.id]


def test_the_dates_a_schedule_gains_are_filled_by_the_next_generation(schedule, spin):
    schedule.update.execute(spin.id, weekdays={MON, WED, FRI})

    summary = schedule.generate.execute(weeks=2)

    assert summary.created == 2
    assert len(schedule.sessions_of(spin)) == 6


def test_a_date_the_series_dropped_comes_back_when_the_series_takes_its_weekday_back(
    schedule, spin
):
    # given Wednesdays dropped (their sessions nobody booked are removed) and taken back
    update = schedule.update.execute(spin.id, weekdays={MON})
    assert update.removed == 2
    assert len(schedule.gym.events_of(ClassDeleted)) == 2
    schedule.update.execute(spin.id, weekdays={MON, WED})

    # when
    summary = schedule.generate.execute(weeks=2)

    # then the series forgot the dates it dropped itself: they are generated again
    assert summary.created == 2
    assert len(schedule.sessions_of(spin)) == 4


def test_a_session_moved_to_another_day_on_its_own_is_not_removed(schedule, spin):
    # given: Wednesday 6 March's session moved to Tuesday 5 March
    wednesday = schedule.session_on(spin, date(2030, 3, 6))
    schedule.edit(wednesday, starts_at=wednesday.starts_at - timedelta(days=1))

    # when
    update = schedule.update.execute(spin.id, instructor="Marco")

    # then
    assert update.removed == 0
    assert schedule.gym.classes.get_by_id(wednesday.id).instructor == "Marco"


def test_a_new_capacity_applies_to_unbooked_sessions_through_the_class_rules(schedule, spin):
    # given
    wednesday = schedule.session_on(spin, date(2030, 3, 6))
    schedule.book(wednesday, "Ana")
    schedule.gym.clear_history()

    # when
    schedule.update.execute(spin.id, capacity=14)

    # then
    assert [s.capacity for s in schedule.sessions_of(spin)] == [14, 12, 14, 14]
    changes = schedule.gym.events_of(ClassCapacityChanged)
    assert [(e.old_capacity, e.new_capacity) for e in changes] == [(12, 14)] * 3
    assert wednesday.id not in {e.class_id for e in changes}


def test_an_invalid_change_is_refused_and_nothing_changes(schedule, spin):
    with pytest.raises(InvalidSeriesException, match="whole number from 1 to 1000"):
        schedule.update.execute(spin.id, instructor="Marco", capacity=0)

    assert schedule.series.get_by_id(spin.id).instructor == "Kim"
    assert {s.instructor for s in schedule.sessions_of(spin)} == {"Kim"}


def test_a_change_that_changes_nothing_touches_no_session(schedule, spin):
    schedule.book(schedule.sessions_of(spin)[1], "Ana")

    update = schedule.update.execute(spin.id, instructor="Kim")

    assert update.changed == () and update.updated == 0 and update.held == ()


def test_changing_an_unknown_series_is_refused(schedule):
    with pytest.raises(SeriesNotFoundException):
        schedule.update.execute("no-such-series", instructor="Marco")


# --- Changing a series: step two, once staff confirm --------------------------------------------


def test_the_booked_sessions_to_confirm_say_what_would_change(schedule, spin):
    # given
    wednesday = schedule.session_on(spin, date(2030, 3, 6))
    schedule.book(wednesday, "Ana", "Ben")
    schedule.update.execute(spin.id, instructor="Marco", capacity=14)

    # when
    [change] = schedule.update.booked_sessions_to_confirm(spin.id)

    # then
    assert (change.class_id, change.starts_at, change.confirmed, change.waiting) == (
        wednesday.id,
        wednesday.starts_at,
        2,
        0,
    )
    assert change.changes == (("instructor", "Kim", "Marco"), ("capacity", 12, 14))


def test_applying_to_booked_sessions_gives_them_the_details_and_capacity_not_the_time(
    schedule, spin
):
    # given
    wednesday = schedule.session_on(spin, date(2030, 3, 6))
    schedule.book(wednesday, "Ana")
    schedule.update.execute(
        spin.id, name="Spin & Core", instructor="Marco", capacity=14, start_time=time(19, 0)
    )
    schedule.gym.clear_history()

    # when
    result = schedule.update.apply_to_booked(spin.id, [wednesday.id])

    # then
    stored = schedule.gym.classes.get_by_id(wednesday.id)
    assert (stored.name, stored.instructor, stored.capacity) == ("Spin & Core", "Marco", 14)
    assert local_times([stored]) == ["Wed 06 Mar 18:00"]
    assert result.updated == (wednesday.id,) and result.refused == ()
    [changed] = schedule.gym.events_of(ClassCapacityChanged)
    assert changed.class_id == wednesday.id
    assert schedule.update.booked_sessions_to_confirm(spin.id) == []


def test_a_capacity_below_a_sessions_bookings_is_refused_for_that_session_alone(schedule):
    # given: two sessions, one with two members booked, one with one
    spin = schedule.add_series(capacity=3)
    schedule.generate.execute(weeks=1)
    monday, wednesday = schedule.sessions_of(spin)
    schedule.book(monday, "Ana", "Ben")
    schedule.book(wednesday, "Cara")
    schedule.update.execute(spin.id, capacity=1, instructor="Marco")

    # when
    result = schedule.update.apply_to_booked(spin.id, [monday.id, wednesday.id])

    # then: Monday keeps its capacity but gets the instructor; Wednesday gets both
    stored = [schedule.gym.classes.get_by_id(s.id) for s in (monday, wednesday)]
    assert [(s.capacity, s.instructor) for s in stored] == [(3, "Marco"), (1, "Marco")]
    assert result.refused == (
        (monday.id, monday.starts_at, "The capacity cannot go below 2: 2 members are booked."),
    )
    assert set(result.updated) == {monday.id, wednesday.id}


def test_a_larger_capacity_promotes_the_first_waiting_member(schedule):
    # given: a one-place session, Ana booked and Ben waiting
    spin = schedule.add_series(capacity=1)
    schedule.generate.execute(weeks=1)
    monday = schedule.sessions_of(spin)[0]
    schedule.book(monday, "Ana")
    ben = schedule.gym.add_member("Ben", credits=1)
    schedule.gym.join_waitlist.execute(ben.id, monday.id)
    schedule.update.execute(spin.id, capacity=2)

    # when
    schedule.update.apply_to_booked(spin.id, [monday.id])

    # then
    assert ben.id in schedule.gym.booked(monday)
    assert [e.member_id for e in schedule.gym.events_of(MemberPromotedFromWaitlist)] == [ben.id]


def test_only_the_chosen_booked_sessions_change(schedule, spin):
    monday, wednesday = schedule.sessions_of(spin)[:2]
    schedule.book(monday, "Ana")
    schedule.book(wednesday, "Ben")
    schedule.update.execute(spin.id, instructor="Marco")

    schedule.update.apply_to_booked(spin.id, [wednesday.id])

    assert schedule.gym.classes.get_by_id(monday.id).instructor == "Kim"
    assert schedule.gym.classes.get_by_id(wednesday.id).instructor == "Marco"


def test_a_session_that_is_not_an_upcoming_one_of_the_series_is_refused(schedule, spin):
    # given: Monday's session has started; Yoga is another series
    monday = schedule.sessions_of(spin)[0]
    schedule.gym.clock.advance(hours=9, minutes=30)
    other = schedule.gym.add_class("Yoga")

    # when
    result = schedule.update.apply_to_booked(spin.id, [monday.id, other.id])

    # then
    assert result.updated == ()
    assert sorted(result.refused) == sorted(
        (class_id, None, "It is not an upcoming session of this series.")
        for class_id in (monday.id, other.id)
    )
