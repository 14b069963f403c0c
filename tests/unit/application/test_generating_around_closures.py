"""Generating a series' sessions leaves out the days its location is closed, says which and
why, and brings them back once the closure is lifted."""

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from application.series import GenerateClassesUseCase
from domain.locations import Closure
from domain.series import ClassSeries

LONDON = ZoneInfo("Europe/London")
MON, WED = 0, 2
# The unit tests' clock: Monday 4 March 2030, 09:00 in London.
EASTER_CLOSURE = Closure(date(2030, 3, 11), date(2030, 3, 13), "Refurbishment")


@pytest.fixture
def generate(gym) -> GenerateClassesUseCase:
    return GenerateClassesUseCase(uow=gym.uow, clock=gym.clock, zone=LONDON)


def add_spin(gym, location: str = "Old Town") -> ClassSeries:
    series = ClassSeries.create(
        name="Spin",
        weekdays={MON, WED},
        start_time=time(18),
        duration=timedelta(minutes=45),
        capacity=12,
        first_date=date(2030, 3, 4),
        location=location,
    )
    gym.series.save(series)
    return series


def session_days(gym, series: ClassSeries) -> list[date]:
    return [s.starts_at.astimezone(LONDON).date() for s in gym.sessions.sessions(series.id)]


def test_a_closed_day_gets_no_session_and_the_summary_says_why(gym, generate):
    spin = add_spin(gym)
    gym.series.closures["Old Town"] = (EASTER_CLOSURE,)

    summary = generate.execute(weeks=2)

    assert session_days(gym, spin) == [date(2030, 3, 4), date(2030, 3, 6)]
    assert (summary.created, summary.skipped, summary.closed) == (2, 0, 2)
    assert summary.describe().endswith(
        "Skipped 2 sessions on days their location is closed: Spin on 11 Mar "
        "(Refurbishment), Spin on 13 Mar (Refurbishment)."
    )


def test_another_locations_closure_changes_nothing(gym, generate):
    spin = add_spin(gym, location="Riverside")
    gym.series.closures["Old Town"] = (EASTER_CLOSURE,)

    summary = generate.execute(weeks=2)

    assert len(session_days(gym, spin)) == 4
    assert summary.closed == 0
    assert "closed" not in summary.describe()


def test_a_dry_run_says_it_would_skip_and_saves_nothing(gym, generate):
    spin = add_spin(gym)
    gym.series.closures["Old Town"] = (Closure(date(2030, 3, 6), date(2030, 3, 6)),)

    summary = generate.execute(weeks=1, dry_run=True)

    assert session_days(gym, spin) == []
    assert "Would skip 1 session on a day its location is closed: Spin on 06 Mar." in (
        summary.describe()
    )


def test_lifting_the_closure_brings_the_day_back_on_the_next_run(gym, generate):
    spin = add_spin(gym)
    gym.series.closures["Old Town"] = (EASTER_CLOSURE,)
    generate.execute(weeks=2)

    gym.series.closures["Old Town"] = ()
    summary = generate.execute(weeks=2)

    assert (summary.created, summary.skipped, summary.closed) == (2, 2, 0)
    assert date(2030, 3, 11) in session_days(gym, spin)
