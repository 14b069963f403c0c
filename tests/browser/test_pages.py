"""The member pages as a browser shows them: usable with the keyboard alone, without sideways
scrolling on a 375-pixel phone, and a form whose CSRF cookie has gone explains itself."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from bookings.models import Booking
from tests.browser.support import PHONE, class_page, in_hours, schedule_day_of
from tests.factories import BookingFactory, FitnessClassFactory, WaitlistEntryFactory, full_class

BOOK = re.compile(r"^Book\b")
MAX_TABS = 40


def focused(page) -> dict:
    """The element with the keyboard focus: its text and how its outline is drawn."""
    return page.evaluate(
        """() => {
            const element = document.activeElement;
            const style = getComputedStyle(element);
            return {
                tag: element.tagName.toLowerCase(),
                text: element.textContent.trim(),
                outlineStyle: style.outlineStyle,
                outlineWidth: parseFloat(style.outlineWidth),
            };
        }"""
    )


def test_a_member_books_with_the_keyboard_alone_and_sees_where_the_focus_is(open_browser, ana):
    # given an open class, on its page
    spin = FitnessClassFactory(name="Spin", starts_at=in_hours(26))
    page = open_browser(ana)
    page.goto(class_page(spin))

    # when she presses Tab until the Book button has the focus
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if focused(page)["text"].startswith("Book"):
            break
    else:
        raise AssertionError(f"Book was not reached in {MAX_TABS} presses of Tab")

    # then the focus is visible: an outline is drawn around the button
    button = focused(page)
    assert button["tag"] == "button"
    assert button["outlineStyle"] != "none"
    assert button["outlineWidth"] > 0

    # and Enter books the class
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("You're booked on Spin")
    expect(page.locator(".class-header .badge")).to_have_text("Booked")
    assert Booking.objects.filter(member=ana, fitness_class=spin, status="confirmed").exists()


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(open_browser, ana):
    # given a member on the schedule
    page = open_browser(ana)
    page.goto(reverse("classes:schedule"))

    # when she presses Tab once, then Enter
    page.keyboard.press("Tab")
    skip = focused(page)
    page.keyboard.press("Enter")

    # then the first stop was the skip link, shown while focused, and the main content has
    # the focus
    assert skip["text"] == "Skip to content"
    assert skip["outlineStyle"] != "none"
    assert page.evaluate("document.activeElement.id") == "content"


def test_no_member_page_scrolls_sideways_on_a_375_pixel_phone(open_browser, services, ana):
    # given a member with a booking, a waitlist place, a past class, credits and notifications,
    # and classes in every state, with long names
    long = {"instructor": "Maximiliana Fitzgerald-Okonkwo", "location": "Studio 3 (upstairs)"}
    booked = FitnessClassFactory(name="Mobility and Stretching for Runners", **long)
    services.book_class.execute(str(ana.pk), str(booked.pk))
    full = full_class(capacity=2, name="Boxing Conditioning", starts_at=in_hours(30), **long)
    WaitlistEntryFactory(fitness_class=full)
    waiting = full_class(capacity=1, name="Reformer Pilates", starts_at=in_hours(50), **long)
    services.join_waitlist.execute(str(ana.pk), str(waiting.pk))
    open_class = FitnessClassFactory(name="HIIT", starts_at=in_hours(28), **long)
    past = FitnessClassFactory(name="Yoga", starts_at=in_hours(-30), ends_at=in_hours(-29))
    BookingFactory(member=ana, fitness_class=past, status="attended")

    pages = [
        schedule_day_of(booked),
        class_page(booked),
        class_page(full),
        class_page(waiting),
        class_page(open_class),
        class_page(past),
        reverse("bookings:mine"),
        reverse("members:credits"),
        reverse("notifications:list"),
        reverse("members:calendar"),
        reverse("password_change"),
    ]
    visitor_pages = [reverse("login"), reverse("members:signup"), reverse("password_reset")]

    # when each page is opened on a phone, signed in or not
    too_wide = {}
    for browser, paths in (
        (open_browser(ana, PHONE), pages),
        (open_browser(None, PHONE), visitor_pages),
    ):
        for path in paths:
            response = browser.goto(path)
            assert response.status == 200, path
            width = browser.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide[path] = width

    # then none is wider than the screen
    assert too_wide == {}


def test_a_form_sent_without_its_csrf_cookie_explains_itself_and_changes_nothing(
    open_browser, browser_errors, ana
):
    # given a member on a class page whose CSRF cookie has gone (cookies cleared, say)
    spin = FitnessClassFactory(name="Spin", starts_at=in_hours(26))
    page = open_browser(ana)
    page.goto(class_page(spin))
    page.context.clear_cookies(name="csrftoken")
    browser_errors.expect("status of 403 (Forbidden)")  # Chromium logs the refused page

    # when she presses Book
    page.get_by_role("button", name=BOOK).click()

    # then the refusal says what happened and what to do, in the site's own layout
    expect(page.get_by_role("heading", level=1)).to_have_text("This form has expired")
    expect(page.get_by_text("Nothing was changed.")).to_be_visible()
    expect(page.get_by_role("link", name="Go to the schedule")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    assert not Booking.objects.filter(fitness_class=spin).exists()
