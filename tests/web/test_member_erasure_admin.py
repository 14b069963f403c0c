"""Erasing a member from the member admin: a manager confirms on a page that says what will
happen; the front desk is neither offered the action nor able to post it. After an erasure
every page about her past classes still renders — admin, check-in, the report and its CSV."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from classes.models import FitnessClass
from events.models import StoredEvent
from members.models import Member
from tests.factories import (
    BookingFactory,
    FitnessClassFactory,
    WaitlistEntryFactory,
    member_with_credits,
)
from tests.web.test_admin import admin_url, messages_of, run_action
from tests.web.test_staff_roles import action_choices
from web.admin_actions import APPLY, FORM_PREFIX

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(django_user_model):
    """Ana Silva: an upcoming Spin, a past Yoga she attended, a waitlist place and a login."""
    member = member_with_credits(3, name="Ana Silva", email="ana@example.com")
    member.user = django_user_model.objects.create_user(username="ana@example.com")
    member.save()
    now = timezone.now()
    BookingFactory(member=member, fitness_class=FitnessClassFactory(name="Spin"))
    yoga = FitnessClassFactory(name="Yoga", starts_at=now - timedelta(days=2))
    BookingFactory(member=member, fitness_class=yoga, status="attended")
    WaitlistEntryFactory(member=member)
    return member


def test_a_manager_confirms_on_a_page_that_says_what_erasing_does(manager, services, ana):
    asked, done = run_action(manager, Member, "erase_personal_data", [ana], confirm="on")

    page = asked.content.decode()
    assert "Ana Silva &lt;ana@example.com&gt;" in page
    assert "Cancel 1 upcoming booking" in page
    assert "Delete the login ana@example.com" in page
    assert messages_of(done) == ["Erased the personal data of 1 member."]
    ana.refresh_from_db()
    assert (ana.name, ana.user, ana.erased_at is not None) == ("Erased member", None, True)
    erased = StoredEvent.objects.get(type="MemberErased")
    assert (erased.actor_kind, erased.actor_label) == ("staff", "boss")


def test_without_the_confirmation_nothing_is_erased(manager, services, ana):
    url = admin_url(Member, "changelist")
    response = manager.post(
        url, {"action": "erase_personal_data", "_selected_action": [str(ana.pk)], APPLY: "yes"}
    )

    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    ana.refresh_from_db()
    assert ana.name == "Ana Silva" and ana.erased_at is None


def test_the_action_is_on_the_members_own_page_for_a_manager(manager, ana):
    page = manager.get(admin_url(Member, "change", ana.pk))

    assert "erase_personal_data" in action_choices(page)


def test_the_front_desk_is_not_offered_erasure_and_cannot_post_it(front_desk, services, ana):
    listing = front_desk.get(admin_url(Member, "changelist"))
    assert "erase_personal_data" not in action_choices(listing)

    front_desk.post(
        admin_url(Member, "changelist"),
        {
            "action": "erase_personal_data",
            "_selected_action": [str(ana.pk)],
            APPLY: "yes",
            f"{FORM_PREFIX}-confirm": "on",
        },
    )

    ana.refresh_from_db()
    assert ana.name == "Ana Silva" and ana.erased_at is None
    assert not StoredEvent.objects.filter(type="MemberErased").exists()


def test_erasing_an_erased_member_again_is_harmless(manager, services, ana):
    services.erase_member.execute(str(ana.pk))

    _, done = run_action(manager, Member, "erase_personal_data", [ana], confirm="on")

    assert messages_of(done) == ["Erased the personal data of 1 member."]
    assert StoredEvent.objects.filter(type="MemberErased").count() == 1


def test_every_page_about_her_past_classes_still_renders_after_erasure(admin_client, services, ana):
    yoga = FitnessClass.objects.get(name="Yoga")
    services.erase_member.execute(str(ana.pk))
    booking = Booking.objects.get(member=ana, fitness_class=yoga)
    period = {
        "start": (yoga.starts_at - timedelta(days=1)).date().isoformat(),
        "end": (yoga.starts_at + timedelta(days=1)).date().isoformat(),
    }

    pages = [
        admin_url(Member, "changelist"),
        admin_url(Member, "change", ana.pk),
        admin_url(FitnessClass, "change", yoga.pk),
        admin_url(Booking, "changelist"),
        admin_url(Booking, "change", booking.pk),
        admin_url(StoredEvent, "changelist"),
        reverse("bookings:checkin", args=[yoga.pk]),
        reverse("reports:report") + "?" + "&".join(f"{k}={v}" for k, v in period.items()),
        reverse("reports:csv") + "?" + "&".join(f"{k}={v}" for k, v in period.items()),
    ]

    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert b"Ana Silva" not in response.content, url
    roster = admin_client.get(admin_url(FitnessClass, "change", yoga.pk)).content.decode()
    assert "Erased member" in roster
