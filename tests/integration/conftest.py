"""Integration fixtures shared by the delivery tests."""

import signal

import pytest


@pytest.fixture
def signal_handlers_restored():
    """`process_events` installs its own SIGTERM/SIGINT handlers; put pytest's back."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)
