"""A member's changes to a membership bought online reach its Stripe subscription first, over
the membership page with the fake Stripe server: cancel at the period end and its undo, freeze
and unfreeze. Stripe saying no is told to her and changes nothing here; what the membership
refuses never reaches Stripe; a desk membership makes no call."""

import html
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from domain.sales import PaymentMethod
from events.models import StoredEvent
from gymbooking.composition import services as build
from members.models import Membership
from tests.factories import MembershipPlanFactory, work_at_every_location
from tests.fakes.stripe_billing import deliver, subscribed
from web.admin_actions import APPLY, FORM_PREFIX

pytestmark = pytest.mark.django_db

PAGE = reverse("memberships:mine")


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def plan(db):
    return MembershipPlanFactory(name="Eight a month")


@pytest.fixture
def online(client, member, stripe_fake, services, plan):
    """Her membership, bought online; the fake's requests so far forgotten."""
    deliver(client, subscribed(services, stripe_fake, str(member.pk), str(plan.pk)))
    stripe_fake.requests.clear()
    return Membership.objects.get(member=member)


def updates(fake, membership) -> list:
    return fake.requests_to("POST", f"/v1/subscriptions/{membership.external_subscription_id}")


def follow(client, url: str, data: dict | None = None) -> str:
    return text(client.post(url, data or {}, follow=True))


def test_cancelling_sets_the_subscription_to_cancel_at_its_period_end_and_undo_clears_it(
    member_client, stripe_fake, online
):
    cancelled = follow(member_client, reverse("memberships:cancel"), {"confirm": "on"})
    subscription = dict(stripe_fake.subscriptions[online.external_subscription_id])
    kept = follow(member_client, reverse("memberships:undo_cancel"))

    online.refresh_from_db()
    [cancel, undo] = updates(stripe_fake, online)
    assert cancel.params == {"cancel_at_period_end": "true"}
    assert undo.params == {"cancel_at_period_end": "false"}
    assert cancel.idempotency_key and undo.idempotency_key != cancel.idempotency_key
    assert subscription["cancel_at_period_end"] is True
    assert "ends at the end of this period" in cancelled
    assert "will renew as before" in kept
    assert not online.cancel_at_period_end
    assert not stripe_fake.subscriptions[online.external_subscription_id]["cancel_at_period_end"]


def test_freezing_pauses_collection_until_the_day_after_and_unfreezing_resumes_it(
    member_client, stripe_fake, online
):
    today = timezone.localdate()
    first, last = today + timedelta(days=2), today + timedelta(days=8)

    frozen = follow(
        member_client,
        reverse("memberships:freeze"),
        {"starts_on": first.isoformat(), "ends_on": last.isoformat()},
    )
    paused = stripe_fake.subscriptions[online.external_subscription_id]["pause_collection"]
    unfrozen = follow(member_client, reverse("memberships:unfreeze"))

    [pause, resume] = updates(stripe_fake, online)
    resumes = datetime.combine(
        last + timedelta(days=1), time(), tzinfo=ZoneInfo(django_settings.TIME_ZONE)
    )
    assert pause.params == {
        "pause_collection": {"behavior": "void", "resumes_at": str(int(resumes.timestamp()))}
    }
    assert paused == {"behavior": "void", "resumes_at": int(resumes.timestamp())}
    assert resume.params == {"pause_collection": ""}
    assert stripe_fake.subscriptions[online.external_subscription_id]["pause_collection"] is None
    assert "Your membership is frozen" in frozen
    assert "Your membership is unfrozen" in unfrozen
    assert StoredEvent.objects.filter(type="MembershipUnfrozen").count() == 1


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("memberships:cancel", {"confirm": "on"}),
        ("memberships:freeze", "dates"),
    ],
)
def test_stripe_refusing_is_said_and_nothing_changes(member_client, stripe_fake, online, url, data):
    if data == "dates":
        today = timezone.localdate()
        data = {"starts_on": today.isoformat(), "ends_on": (today + timedelta(3)).isoformat()}
    before = StoredEvent.objects.count()
    stripe_fake.fail_with(500)

    page = follow(member_client, reverse(url), data)

    online.refresh_from_db()
    assert "refused the change, so nothing was changed" in page
    assert (online.cancel_at_period_end, online.freezes) == (False, [])
    assert StoredEvent.objects.count() == before


def test_a_deleted_subscription_refuses_undo_at_stripe_and_nothing_changes(
    client, member_client, stripe_fake, online
):
    subscription = stripe_fake.subscriptions[online.external_subscription_id]
    subscription["status"] = "canceled"  # in Stripe's dashboard
    deliver(client, stripe_fake.event_about("customer.subscription.deleted", subscription))

    page = follow(member_client, reverse("memberships:undo_cancel"))

    online.refresh_from_db()
    assert "refused the change, so nothing was changed" in page
    assert online.cancel_at_period_end


def test_what_the_membership_refuses_never_reaches_stripe(member_client, stripe_fake, online):
    today = timezone.localdate()

    too_long = follow(
        member_client,
        reverse("memberships:freeze"),
        {"starts_on": today.isoformat(), "ends_on": (today + timedelta(days=90)).isoformat()},
    )
    not_frozen = follow(member_client, reverse("memberships:unfreeze"))

    assert "A freeze lasts at most" in too_long
    assert "not frozen" in not_frozen
    assert not stripe_fake.requests


def test_a_desk_membership_changes_without_calling_stripe(
    member_client, member, stripe_fake, services, plan
):
    services.start_membership.execute(
        str(member.pk), str(plan.pk), method=PaymentMethod.CASH, recorded_by="Dee"
    )

    page = follow(member_client, reverse("memberships:cancel"), {"confirm": "on"})

    assert "ends at the end of this period" in page
    assert Membership.objects.get(member=member).cancel_at_period_end
    assert not stripe_fake.requests


def test_without_stripe_an_online_membership_is_not_changed(
    member_client, settings, stripe_fake, online
):
    settings.STRIPE_SECRET_KEY = ""
    build.cache_clear()

    page = follow(member_client, reverse("memberships:cancel"), {"confirm": "on"})

    online.refresh_from_db()
    assert "billed online" in page
    assert not online.cancel_at_period_end


def test_staff_freezing_or_cancelling_a_membership_billed_online_tell_stripe_first(
    client, django_user_model, stripe_fake, online
):
    manager = django_user_model.objects.create_user(username="max", is_staff=True)
    manager.groups.add(Group.objects.get(name="Manager"))
    work_at_every_location(manager)
    client.force_login(manager)
    today = timezone.localdate()

    def act(action, **values):
        data = {"action": action, "_selected_action": [str(online.pk)], "index": 0}
        if values:
            data |= {APPLY: "yes", **{f"{FORM_PREFIX}-{k}": v for k, v in values.items()}}
        return client.post(reverse("admin:members_membership_changelist"), data, follow=True)

    act("freeze", starts_on=today + timedelta(days=2), ends_on=today + timedelta(days=4))
    act("cancel_at_end")

    online.refresh_from_db()
    [pause, cancel] = updates(stripe_fake, online)
    assert "pause_collection" in str(pause.params)
    assert cancel.params == {"cancel_at_period_end": "true"}
    assert online.freezes and online.cancel_at_period_end
