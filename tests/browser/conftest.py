"""Browser tests: pytest-playwright driving Debian's Chromium against pytest-django's live server.

- The browser is /usr/bin/chromium, headless, never one that Playwright downloads. Where it is
  missing these tests are skipped with the reason, unless GYMBOOKING_REQUIRE_BROWSER=1 (CI),
  where a missing browser is an error instead: a skipped browser test must not pass CI.
- `live_server` runs the site in a thread of this process on the test database; it needs
  committed data, so every test here runs with `transactional_db` (pytest-django adds it), and
  the events a request records are delivered after its commit, in the server's thread, as in
  production.
- Playwright's sync API runs an event loop in this thread, so Django is told that ORM calls
  from it (the tests' setup and checks) are fine.
- Every page a test opens is watched: a console error or an uncaught exception fails the test
  (`browser_errors`), unless the test said it expects it.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from members.models import Member
from tests.browser.support import DESKTOP, member_with_login

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("GYMBOOKING_REQUIRE_BROWSER") == "1"
MISSING_BROWSER = f"Chromium not installed at {CHROMIUM}; apt-get install chromium"
# What Chromium needs here: no sandbox (tests may run as root), no GPU, and none of the
# background connections to Google that a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    """Skip this folder's tests when there is no browser, or stop the run if one is required."""
    if CHROMIUM.exists():
        return
    here = Path(__file__).parent
    ours = [item for item in items if here in Path(item.path).parents]
    if not ours:
        return
    if REQUIRE_BROWSER:
        raise pytest.UsageError(
            f"GYMBOOKING_REQUIRE_BROWSER=1 but {MISSING_BROWSER} (the browser tests would be "
            "skipped)."
        )
    skip = pytest.mark.skip(reason=MISSING_BROWSER)
    for item in ours:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options, with Debian's Chromium, headless."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url(live_server):
    """Pages' relative URLs go to the live server (pytest-playwright passes this on to every
    browser context)."""
    return live_server.url


@pytest.fixture(autouse=True)
def _services_from_this_tests_settings(services):
    """The composition root rebuilt for each test (tests/conftest.py's `services`)."""


# --- Watching the pages ----------------------------------------------------------------------


@dataclass
class BrowserErrors:
    """Console errors and uncaught exceptions seen on the pages a test opened."""

    seen: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)

    def expect(self, text: str) -> None:
        """A console error containing `text` is part of what the test does (e.g. a 403)."""
        self.expected.append(text)

    def watch(self, page) -> None:
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.seen.append(f"{page.url}: uncaught {error}"))

    def _console(self, page, message) -> None:
        if message.type != "error":
            return
        self.seen.append(f"{page.url}: {message.text}")

    def unexpected(self) -> list[str]:
        return [error for error in self.seen if not any(x in error for x in self.expected)]


@pytest.fixture
def browser_errors():
    errors = BrowserErrors()
    yield errors
    assert errors.unexpected() == [], "The browser reported errors:\n" + "\n".join(
        errors.unexpected()
    )


@pytest.fixture
def open_browser(browser_errors, new_context, live_server) -> Callable[..., object]:
    """`open_browser(member=None, viewport=DESKTOP)`: a page in a browser of its own (a new
    context: its own cookies), signed in as `member` when one is given."""

    def open_(member: Member | None = None, viewport: dict = DESKTOP):
        context = new_context(viewport=viewport)
        context.set_default_timeout(10_000)
        if member is not None:
            context.add_cookies([session_cookie(member, live_server.url)])
        page = context.new_page()
        browser_errors.watch(page)
        return page

    return open_


@pytest.fixture
def page(open_browser):
    """pytest-playwright's `page`, watched, signed in as nobody."""
    return open_browser()


def session_cookie(member: Member, url: str) -> dict:
    """A session for `member`'s login, made as the test client's force_login makes one."""
    client = Client()
    client.force_login(member.user)
    name = settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value, "url": url}


# --- Members ---------------------------------------------------------------------------------


@pytest.fixture
def ana(transactional_db, django_user_model):
    return member_with_login(django_user_model, "Ana Silva", "ana@example.com", credits=3)


@pytest.fixture
def ben(transactional_db, django_user_model):
    return member_with_login(django_user_model, "Ben Okafor", "ben@example.com", credits=3)
