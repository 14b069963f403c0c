"""Unit-test fixtures: the in-memory gym from tests/fakes/. No Django, no database."""

import pytest

from tests.fakes import DEFAULT_NOW, FakeGym


@pytest.fixture
def now():
    """The moment every unit test starts at (aware, UTC)."""
    return DEFAULT_NOW


@pytest.fixture
def gym(now):
    """A gym with the default policy: 2-hour window, refuse late, 30-day refunds."""
    return FakeGym(now=now)
