"""A class's page in admin is its roster: who is booked and who waits, each with their credits;
staff add a member (booked, or waitlisted when full) and cancel one booking as staff from
there. Driven through the test client as a superuser; setup rows come from the factories."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, WaitlistEntry
from classes.models import FitnessClass
from members.models import CreditGrant
from tests.factories import (
    BookingFactory,
    CreditGrantFactory,
    FitnessClassFactory,
    MemberFactory,
    WaitlistEntryFactory,
    full_class,
    member_with_credits,
)
from tests.web.test_admin import admin_url, messages_of
from web.admin_actions import APPLY, FORM_PREFIX

pytestmark = pytest.mark.django_db

# Queries of a class's page, whatever the number of booked and waiting members: session,
# user, the class (its counts are subqueries), the roster and the waitlist (balances and
# positions are subqueries), whether it may be deleted, and the content type (cached after
# the first page). Pinned, and shown constant at two sizes below.
CLASS_PAGE_QUERIES = 7


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def class_page(client, fitness_class):
    return client.get(admin_url(FitnessClass, "change", fitness_class.pk))


def roster_and_waitlist(response):
    roster, waitlist = (inline.formset for inline in response.context["inline_admin_formsets"])
    return [form.instance for form in roster.forms], [form.instance for form in waitlist.forms]


def add_member(client, fitness_class, member):
    """Choose "Add a member to this class…" on the class's page, then answer its form."""
    url = admin_url(FitnessClass, "change", fitness_class.pk)
    asked = client.post(
        url, {"CHANGE_FORM-action": "add_member", "_selected_action": str(fitness_class.pk)}
    )
    assert asked.status_code == 200, "the action asks which member first"
    answer = {**dict(asked.context["carried"]), APPLY: "yes", f"{FORM_PREFIX}-member": member.pk}
    return asked, client.post(url, answer, follow=True)


def described(fitness_class) -> str:
    return f"{fitness_class.name}, {timezone.localtime(fitness_class.starts_at):%a %d %b %H:%M}"


# --- The roster ----------------------------------------------------------------------------------


def test_the_roster_shows_each_booked_members_spendable_credits(admin_client):
    spin = FitnessClassFactory(capacity=5)
    ana = member_with_credits(3, name="Ana")
    ben = MemberFactory(name="Ben")
    CreditGrantFactory(member=ben, amount=4, expires_at=timezone.now() - timedelta(days=1))
    cara = MemberFactory(name="Cara")
    for member in (ana, ben, cara):
        BookingFactory(member=member, fitness_class=spin)
    BookingFactory(fitness_class=spin, status="cancelled", cancelled_at=timezone.now())

    response = class_page(admin_client, spin)

    roster, _ = roster_and_waitlist(response)
    assert [(b.member.name, b.member_balance) for b in roster] == [
        ("Ana", 3),
        ("Ben", 0),
        ("Cara", 0),
    ], "expired credit does not count, and cancelled bookings are not on the roster"


def test_the_roster_keeps_members_marked_at_check_in_with_their_mark(admin_client):
    spin = FitnessClassFactory(starts_at=timezone.now() - timedelta(minutes=30))
    BookingFactory(fitness_class=spin, member=MemberFactory(name="Ana"), status="attended")
    BookingFactory(fitness_class=spin, member=MemberFactory(name="Ben"), status="no_show")

    roster, _ = roster_and_waitlist(class_page(admin_client, spin))

    assert sorted((b.member.name, b.status) for b in roster) == [
        ("Ana", "attended"),
        ("Ben", "no_show"),
    ]


def test_the_waitlist_is_shown_in_promotion_order_with_positions_and_credits(admin_client):
    spin = full_class(capacity=1)
    now = timezone.now()
    second = WaitlistEntryFactory(
        fitness_class=spin, member=member_with_credits(0, name="Ben"), created_at=now
    )
    first = WaitlistEntryFactory(
        fitness_class=spin,
        member=member_with_credits(2, name="Ana"),
        created_at=now - timedelta(minutes=10),
    )

    _, waitlist = roster_and_waitlist(class_page(admin_client, spin))

    assert [(e.pk, e.position_in_line, e.member_balance) for e in waitlist] == [
        (first.pk, 1, 2),
        (second.pk, 2, 0),
    ]


def test_each_confirmed_booking_links_to_its_staff_cancel_page_and_back(admin_client):
    spin = FitnessClassFactory()
    confirmed = BookingFactory(fitness_class=spin)
    attended = BookingFactory(fitness_class=spin, status="attended")

    html = class_page(admin_client, spin).content.decode()

    back = admin_url(FitnessClass, "change", spin.pk).replace("/", "%2F")
    cancel = reverse("admin:bookings_booking_staff_cancel", args=[confirmed.pk])
    assert f'href="{cancel}?next={back}"' in html
    assert reverse("admin:bookings_booking_staff_cancel", args=[attended.pk]) not in html


def test_the_class_page_links_to_its_check_in_page(admin_client):
    spin = FitnessClassFactory()

    html = class_page(admin_client, spin).content.decode()

    assert f'href="{reverse("bookings:checkin", args=[spin.pk])}"' in html
    assert f'href="{reverse("bookings:checkin_today")}"' in html


@pytest.mark.parametrize("members", [3, 30])
def test_the_class_page_runs_the_same_queries_for_3_and_30_members(
    admin_client, django_assert_max_num_queries, members
):
    spin = full_class(capacity=members)
    for booking in spin.bookings.all():
        CreditGrantFactory(member=booking.member, amount=2)
    WaitlistEntryFactory.create_batch(members, fitness_class=spin)

    with django_assert_max_num_queries(CLASS_PAGE_QUERIES):
        response = class_page(admin_client, spin)

    roster, waitlist = roster_and_waitlist(response)
    assert (len(roster), len(waitlist)) == (members, members)
    assert {booking.member_balance for booking in roster} == {2}


# --- Adding a member -----------------------------------------------------------------------------


def test_adding_a_member_books_them_and_spends_a_credit(admin_client, services):
    spin = FitnessClassFactory(name="Spin", capacity=2)
    ana = member_with_credits(2, name="Ana Silva")

    asked, done = add_member(admin_client, spin, ana)

    assert asked.context["objects"] == [described(spin)]
    booking = Booking.objects.get(member=ana, fitness_class=spin)
    assert booking.status == "confirmed"
    assert ana.credit_grants.get().remaining == 1
    assert messages_of(done) == [f"Booked Ana Silva on {described(spin)}; one credit was spent."]
    assert done.redirect_chain[-1][0] == admin_url(FitnessClass, "change", spin.pk)


def test_adding_a_member_to_a_full_class_puts_them_on_its_waitlist(admin_client, services):
    spin = full_class(capacity=1, name="Spin")
    WaitlistEntryFactory(fitness_class=spin, created_at=timezone.now() - timedelta(minutes=5))
    ana = member_with_credits(1, name="Ana Silva")

    _, done = add_member(admin_client, spin, ana)

    assert not Booking.objects.filter(member=ana).exists()
    assert WaitlistEntry.objects.filter(member=ana, fitness_class=spin).exists()
    assert ana.credit_grants.get().remaining == 1, "waiting costs nothing"
    assert messages_of(done) == [
        f"{described(spin)} is full: Ana Silva is number 2 on its waitlist."
    ]


def test_adding_a_member_without_credits_is_refused_with_the_domains_message(
    admin_client, services
):
    spin = FitnessClassFactory(name="Spin")
    ana = member_with_credits(0, name="Ana Silva")

    _, done = add_member(admin_client, spin, ana)

    assert not Booking.objects.exists()
    assert messages_of(done) == [
        "Ana Silva: You have no credits left. Class packs are in the shop, online or at the "
        "front desk."
    ]


def test_adding_a_member_already_booked_is_refused(admin_client, services):
    spin = FitnessClassFactory(name="Spin")
    ana = member_with_credits(1, name="Ana Silva")
    BookingFactory(member=ana, fitness_class=spin)

    _, done = add_member(admin_client, spin, ana)

    assert Booking.objects.filter(member=ana).count() == 1
    assert messages_of(done) == ["Ana Silva: You are already booked on this class."]
    assert CreditGrant.objects.get(member=ana).remaining == 1


def test_staff_may_add_a_member_whose_booking_is_paused_and_outside_the_booking_window(
    admin_client, services
):
    far_ahead = FitnessClassFactory(name="Spin", starts_at=timezone.now() + timedelta(days=60))
    ana = member_with_credits(1, name="Ana Silva")
    ana.bookings_paused_until = timezone.now() + timedelta(days=3)
    ana.save()

    _, done = add_member(admin_client, far_ahead, ana)

    assert Booking.objects.get(member=ana).fitness_class == far_ahead
    assert messages_of(done)[0].startswith("Booked Ana Silva on Spin")


def test_the_member_is_chosen_by_searching_as_staff_type(admin_client):
    spin = FitnessClassFactory()
    MemberFactory(name="Ana Silva", email="ana@example.com")
    MemberFactory(name="Ben Jones")
    url = admin_url(FitnessClass, "change", spin.pk)

    asked = admin_client.post(
        url, {"CHANGE_FORM-action": "add_member", "_selected_action": str(spin.pk)}
    )
    search = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "bookings", "model_name": "booking", "field_name": "member", "term": "ana"},
    )

    assert 'data-ajax--url="/admin/autocomplete/"' in asked.content.decode()
    assert [row["text"] for row in search.json()["results"]] == ["Ana Silva"]


def test_adding_a_member_needs_one_to_be_chosen(admin_client, services):
    spin = FitnessClassFactory()
    url = admin_url(FitnessClass, "change", spin.pk)
    asked = admin_client.post(
        url, {"CHANGE_FORM-action": "add_member", "_selected_action": str(spin.pk)}
    )

    again = admin_client.post(url, {**dict(asked.context["carried"]), APPLY: "yes"})

    assert again.status_code == 200
    assert again.context["form"].errors["member"]
    assert not Booking.objects.exists()


def test_adding_a_member_is_offered_on_a_class_page_only(admin_client):
    spin = FitnessClassFactory()

    listing = admin_client.get(admin_url(FitnessClass, "changelist"))
    page = class_page(admin_client, spin)

    assert "add_member" not in dict(listing.context["action_form"].fields["action"].choices)
    assert "add_member" in dict(page.context["action_form"].fields["action"].choices)


# --- Cancelling one booking as staff from the roster ---------------------------------------------


def staff_cancel_url(booking, next_url: str | None = None) -> str:
    url = reverse("admin:bookings_booking_staff_cancel", args=[booking.pk])
    return f"{url}?next={next_url}" if next_url else url


def test_the_roster_link_asks_for_a_reason_then_cancels_refunds_and_returns_to_the_class(
    admin_client, services
):
    spin = FitnessClassFactory(name="Spin")
    booking = BookingFactory(fitness_class=spin, member=MemberFactory(name="Ana Silva"))
    back = admin_url(FitnessClass, "change", spin.pk)

    asked = admin_client.get(staff_cancel_url(booking, back))
    done = admin_client.post(
        staff_cancel_url(booking),
        {**dict(asked.context["carried"]), APPLY: "yes", f"{FORM_PREFIX}-reason": "Injured"},
        follow=True,
    )

    assert asked.status_code == 200
    assert asked.context["objects"] == [f"Ana Silva: {described(spin)}"]
    booking.refresh_from_db()
    assert (booking.status, booking.cancellation_reason) == ("cancelled", "Injured")
    refund = booking.member.credit_grants.get()
    assert (refund.amount, refund.reason) == (1, "Refund: Spin")
    assert done.redirect_chain[-1][0] == back
    assert messages_of(done) == [
        f"Cancelled the booking of Ana Silva: {described(spin)} and refunded the credit."
    ]


def test_a_staff_cancellation_the_domain_refuses_is_shown_and_changes_nothing(
    admin_client, services
):
    started = FitnessClassFactory(name="Spin", starts_at=timezone.now() - timedelta(minutes=5))
    booking = BookingFactory(fitness_class=started, member=MemberFactory(name="Ana Silva"))

    done = admin_client.post(
        staff_cancel_url(booking), {APPLY: "yes", f"{FORM_PREFIX}-reason": ""}, follow=True
    )

    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert not CreditGrant.objects.exists()
    assert messages_of(done) == [
        f"Ana Silva: {described(started)}: "
        "This class has already started, so it can no longer be changed."
    ]
    assert done.redirect_chain[-1][0] == admin_url(Booking, "change", booking.pk)


def test_the_staff_cancel_page_goes_back_only_to_this_site(admin_client, services):
    booking = BookingFactory()

    done = admin_client.post(
        staff_cancel_url(booking, "https://evil.example.com/"),
        {APPLY: "yes", f"{FORM_PREFIX}-reason": "", "next": "https://evil.example.com/"},
    )

    assert done.status_code == 302
    assert done.url == admin_url(Booking, "change", booking.pk)


def test_the_staff_cancel_page_of_an_unknown_booking_is_not_found(admin_client):
    unknown = reverse("admin:bookings_booking_staff_cancel", args=["not-a-booking"])

    assert admin_client.get(unknown).status_code == 404


def test_the_roster_after_a_staff_cancellation_no_longer_lists_the_member(admin_client, services):
    spin = FitnessClassFactory()
    booking = BookingFactory(fitness_class=spin)

    admin_client.post(staff_cancel_url(booking), {APPLY: "yes", f"{FORM_PREFIX}-reason": ""})

    roster, _ = roster_and_waitlist(class_page(admin_client, spin))
    assert roster == []
    html = class_page(admin_client, spin).content.decode()
    assert not re.search(r"cancel-as-staff/", html)
