"""The member's main journeys in a real browser: signing in, booking the last spot, joining the
waitlist, a cancellation promoting the next member, and a cancellation refused inside the
window. Each member has a browser of their own (`open_browser(member)`)."""

import re

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, WaitlistEntry
from classes.models import FitnessClass
from tests.browser.support import (
    PASSWORD,
    class_page,
    in_hours,
    member_with_login,
    section,
)
from tests.factories import BookingFactory, FitnessClassFactory

MINE = reverse("bookings:mine")
BOOK = re.compile(r"^Book\b")


def test_a_member_signs_in_with_the_login_form_and_lands_on_the_schedule(page, django_user_model):
    # given a member with a password
    member_with_login(django_user_model, "Ana Silva", "ana@example.com", password=PASSWORD)

    # when she signs in through the form
    page.goto(reverse("login"))
    page.get_by_label("E-mail").fill("ana@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # then she is on the schedule, signed in
    expect(page.get_by_role("heading", level=1)).to_have_text("Schedule")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("My bookings")


def test_a_member_books_the_last_spot_of_a_class(open_browser, ana):
    # given a Spin class tomorrow with one spot left
    spin = FitnessClassFactory(name="Spin", capacity=2, starts_at=in_hours(26))
    BookingFactory(fitness_class=spin)
    page = open_browser(ana)

    # when Ana finds it on the schedule, a day at a time from today, opens it and books it
    page.goto(reverse("classes:schedule"))
    for _ in range((timezone.localdate(spin.starts_at) - timezone.localdate()).days):
        page.get_by_role("navigation", name="Days").get_by_role("link", name="Next day").click()
    expect(page.locator(".day h2")).to_contain_text(f"{timezone.localtime(spin.starts_at):%A}")
    row = page.locator("tr.class-row", has=page.get_by_role("link", name="Spin"))
    expect(row).to_contain_text("1 of 2")
    expect(row).to_contain_text("Open")
    row.get_by_role("link", name="Spin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spin")
    page.get_by_role("button", name=BOOK).click()

    # then she is told, the page shows her booked on a full class, and offers to cancel
    expect(page.get_by_role("status")).to_contain_text("You're booked on Spin")
    expect(page.locator(".class-header .badge")).to_have_text("Booked")
    expect(page.locator("dl.details")).to_contain_text("0 of 2")
    expect(page.get_by_role("button", name="Cancel booking")).to_be_visible()
    assert Booking.objects.filter(member=ana, fitness_class=spin, status="confirmed").exists()


def test_a_second_member_joins_the_waitlist_at_position_1_once_the_last_spot_is_taken(
    open_browser, ana, ben
):
    # given a class with one spot, open in Ana's browser and in Ben's
    spin = FitnessClassFactory(name="Spin", capacity=1, starts_at=in_hours(26))
    anas, bens = open_browser(ana), open_browser(ben)
    bens.goto(class_page(spin))
    expect(bens.get_by_role("button", name=BOOK)).to_be_visible()

    # when Ana books the last spot, and Ben reloads and joins the waitlist
    anas.goto(class_page(spin))
    anas.get_by_role("button", name=BOOK).click()
    expect(anas.get_by_role("status")).to_contain_text("You're booked on Spin")
    bens.reload()
    expect(bens.get_by_role("heading", name="This class is full")).to_be_visible()
    expect(bens.get_by_text("You will be number 1 on the waitlist")).to_be_visible()
    bens.get_by_role("button", name="Join the waitlist").click()

    # then Ben is number 1, on the class page and on My bookings
    expect(bens.get_by_role("status")).to_contain_text("You're number 1 on the waitlist for Spin")
    expect(bens.locator(".class-header .badge")).to_have_text("On the waitlist at position 1")
    expect(bens.get_by_role("button", name="Leave the waitlist")).to_be_visible()
    bens.get_by_role("link", name="My bookings").click()
    expect(section(bens, "waitlist-heading")).to_contain_text("Number 1 on the waitlist")
    assert WaitlistEntry.objects.filter(member=ben, fitness_class=spin).exists()


def test_when_the_booked_member_cancels_the_first_waiting_member_gets_the_spot_and_is_told(
    open_browser, services, ana, ben
):
    # given a full class booked by Ana, with Ben first on its waitlist and nothing unread
    spin = FitnessClassFactory(name="Spin", capacity=1, starts_at=in_hours(26))
    services.book_class.execute(str(ana.pk), str(spin.pk))
    services.join_waitlist.execute(str(ben.pk), str(spin.pk))
    bens = open_browser(ben)
    bens.goto(MINE)
    expect(section(bens, "waitlist-heading")).to_contain_text("Number 1 on the waitlist")
    expect(bens.locator(".count-badge")).to_have_count(0)

    # when Ana cancels from My bookings, in her own browser
    anas = open_browser(ana)
    anas.goto(MINE)
    expect(section(anas, "upcoming-heading")).to_contain_text("Your credit will be refunded.")
    anas.get_by_role("button", name=re.compile(r"^Cancel Spin")).click()
    expect(anas.get_by_role("status")).to_contain_text(
        "is cancelled and your credit has been refunded"
    )

    # then Ben, after reloading, has the booking, and a notification telling him so
    bens.reload()
    expect(section(bens, "upcoming-heading")).to_contain_text("Spin")
    expect(section(bens, "waitlist-heading")).to_contain_text("You are not waiting for any class.")
    notifications = bens.get_by_role("link", name=re.compile(r"^Notifications 1 unread$"))
    expect(notifications).to_be_visible()
    notifications.click()
    expect(bens.locator(".notification-unread")).to_contain_text(
        "You're in! A spot opened up: Spin"
    )
    assert Booking.objects.filter(member=ben, fitness_class=spin, status="confirmed").exists()


def test_a_cancellation_inside_the_window_is_refused_with_the_reason(open_browser, services, ana):
    # given Ana booked on a class in three hours, with My bookings open (it offers to cancel)
    yoga = FitnessClassFactory(name="Yoga", starts_at=in_hours(3))
    services.book_class.execute(str(ana.pk), str(yoga.pk))
    page = open_browser(ana)
    page.goto(MINE)
    expect(section(page, "upcoming-heading")).to_contain_text("Your credit will be refunded.")

    # when time passes (the class now starts in an hour: inside the 2-hour window), and she
    # presses the Cancel button of the page she had open
    FitnessClass.objects.filter(pk=yoga.pk).update(starts_at=in_hours(1), ends_at=in_hours(2))
    page.get_by_role("button", name=re.compile(r"^Cancel Yoga")).click()

    # then the cancellation is refused in the domain's words, and nothing changed
    expect(page.get_by_role("status")).to_contain_text(
        re.compile(r"You can't cancel within 2 hours of class start; this class starts in \d+")
    )
    assert Booking.objects.get(member=ana, fitness_class=yoga).status == "confirmed"
    # My bookings now explains instead of offering the button
    upcoming = section(page, "upcoming-heading")
    expect(upcoming).to_contain_text("Cancellation closes 2 hours before the start.")
    expect(upcoming.get_by_role("button", name=re.compile(r"^Cancel"))).to_have_count(0)
    # and so does the class page
    page.goto(class_page(yoga))
    expect(page.get_by_role("heading", name="You're booked")).to_be_visible()
    expect(page.get_by_text("Cancellation closes 2 hours before the start.")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel booking")).to_have_count(0)
