"""docs/payments.md tells the truth: the settings it names are the ones the site reads (and
the example environment lists), the webhook address and event types are the ones served, and
the events it says are logged exist."""

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from domain import events
from payments.webhooks import HANDLERS

BASE_DIR = Path(__file__).resolve().parents[2]
DOC = (BASE_DIR / "docs" / "payments.md").read_text()
EXAMPLE_ENVIRONMENT = (BASE_DIR / "deploy" / "gymbooking.env.example").read_text()


def test_every_setting_it_names_is_read_and_in_the_example_environment():
    named = set(re.findall(r"`(STRIPE_[A-Z_]+)`", DOC))
    listed = set(re.findall(r"^#?(STRIPE_[A-Z_]+)=", EXAMPLE_ENVIRONMENT, re.M))

    assert named == listed
    assert len(named) >= 3
    assert all(hasattr(settings, name) for name in named)


def test_the_webhook_address_and_event_types_are_the_ones_served():
    assert reverse("payments:stripe_webhook") == "/payments/stripe/webhook/"
    assert reverse("payments:stripe_webhook") in DOC
    named = set(
        re.findall(r"`((?:checkout\.session|invoice|customer\.subscription)\.[a-z_]+)`", DOC)
    )
    assert named == set(HANDLERS)


def test_the_events_it_says_are_logged_exist():
    named = set(re.findall(r"`([A-Z][a-z]+(?:[A-Z][a-z]+)+)`", DOC))

    assert {"OnlineCheckoutStarted", "ClassPackPurchased", "OnlinePaymentRefunded"} <= named
    assert {"MembershipCheckoutStarted", "MembershipRenewed", "OnlineMembershipRefunded"} <= named
    assert "LateMembershipPaymentRefunded" in named
    assert all(hasattr(events, name) for name in named)
