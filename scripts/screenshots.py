"""Regenerate the README's screenshots from the demo data: `make screenshots`.

Builds a throwaway SQLite database in a temporary folder (migrate, then `seed_demo`), serves it
with `manage.py runserver` on a free localhost port, signs in as the demo member
ana@example.com in Debian's Chromium (headless, through Playwright) and saves, into
docs/screenshots/:

    schedule.png, class.png, my-bookings.png                    desktop, 1280 x 900
    schedule-phone.png, class-phone.png, my-bookings-phone.png  phone, 375 x 812

The demo's week starts on the day it is seeded, so the pictures change with the date. The
server is stopped whatever happens; the exit status is non-zero if anything failed.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOGIN = ("ana@example.com", "gymbooking-demo")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
STARTUP_SECONDS = 30


class Failed(Exception):
    """A step failed; the message says which and why."""


def main() -> int:
    if not Path(CHROMIUM).exists():
        print(f"Chromium not installed at {CHROMIUM}; apt-get install chromium", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="gymbooking-screenshots-") as name:
        folder = Path(name)
        pictures = folder / "pictures"
        pictures.mkdir()
        env = demo_environment(folder)
        try:
            manage(env, "migrate", "--no-input")
            manage(env, "seed_demo")
            with demo_server(env, folder / "server.log") as base_url:
                take_screenshots(base_url, pictures)
        except Failed as failure:
            print(f"screenshots: {failure}", file=sys.stderr)
            return 1
        publish(pictures)
    return 0


def demo_environment(folder: Path) -> dict[str, str]:
    """The environment of the demo's commands: its own database, development settings."""
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
        "DEBUG": "True",  # runserver serves the stylesheet only in debug mode
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "GYM_SELF_SIGNUP": "True",
        "PYTHONUNBUFFERED": "1",
    }


def manage(env: dict[str, str], *command: str) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise Failed(f"manage.py {' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def demo_server(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """`manage.py runserver` on a free port for the `with` block (its URL), then stopped."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(process, base_url, log_path)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_up(process: subprocess.Popen, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Failed(f"the server stopped at start:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/accounts/login/", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise Failed(f"the server did not answer within {STARTUP_SECONDS} s")


def take_screenshots(base_url: str, into: Path) -> None:
    """Sign in as the demo member on a desktop and on a phone; save each page's picture."""
    from playwright.sync_api import Error, expect, sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            for suffix, viewport in (("", DESKTOP), ("-phone", PHONE)):
                context = browser.new_context(base_url=base_url, viewport=viewport)
                context.set_default_timeout(15_000)
                page = context.new_page()
                sign_in(page, expect)
                pick_schedule_day(page)
                shoot(page, into / f"schedule{suffix}.png")
                open_class_with_an_action(page)
                shoot(page, into / f"class{suffix}.png")
                main_nav = page.get_by_role("navigation", name="Main")
                main_nav.get_by_role("link", name="My bookings").click()
                expect(page.get_by_role("heading", level=1)).to_have_text("My bookings")
                shoot(page, into / f"my-bookings{suffix}.png")
                context.close()
            browser.close()
    except (Error, AssertionError) as failure:
        raise Failed(f"the browser could not take the screenshots: {failure}") from failure


def publish(pictures: Path) -> None:
    """Replace the old pictures with the new ones (only once every new one was taken)."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for old in OUTPUT.glob("*.png"):
        old.unlink()
    for new in sorted(pictures.glob("*.png")):
        shutil.copyfile(new, OUTPUT / new.name)
        print(f"wrote {(OUTPUT / new.name).relative_to(ROOT)}")


def sign_in(page, expect) -> None:
    email, password = LOGIN
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Schedule")


def pick_schedule_day(page) -> None:
    """Stay on today, or go to the next day if it has more classes: late in the day most of
    today's classes are past."""
    today = page.locator("tr.class-row").count()
    page.get_by_role("navigation", name="Days").get_by_role("link", name="Next day").click()
    if page.locator("tr.class-row").count() <= today:
        page.go_back()


def open_class_with_an_action(page) -> None:
    """A class of the schedule with an action: one Ana is booked on that is full (the page
    says what cancelling costs and how many wait), else one she is booked on, else an open
    one she can book."""
    rows = page.locator("tr.class-row")
    full = page.locator(".spots-left", has_text=re.compile(r"^\s*0 of"))
    candidates = (
        rows.filter(has=page.locator(".badge-booked")).filter(has=full),
        rows.filter(has=page.locator(".badge-booked")),
        rows.filter(has=page.locator(".badge-open")),
    )
    for choice in candidates:
        if choice.count():
            choice.first.get_by_role("link").click()
            page.locator(".class-action form").wait_for()
            return
    raise Failed("no class on the schedule offers an action")


def shoot(page, path: Path) -> None:
    page.mouse.move(0, 0)  # no hover effects
    page.screenshot(path=path, animations="disabled")


if __name__ == "__main__":
    sys.exit(main())
