"""The Stripe settings, as the settings module reads them in a fresh interpreter: off without
a key, and a publishable key or a bad timeout refused at start-up rather than at a payment."""

import pytest
from django.conf import settings

from tests.deploy.test_settings_from_env import load_settings


def stripe_settings(**variables: str):
    return load_settings(DEBUG="True", **variables)


def test_by_default_online_payment_is_off_and_the_api_is_stripes():
    assert settings.STRIPE_SECRET_KEY == settings.STRIPE_WEBHOOK_SECRET == ""
    assert settings.STRIPE_API_BASE == "https://api.stripe.com"
    assert stripe_settings().returncode == 0


@pytest.mark.parametrize(
    ("variables", "complaint"),
    [
        ({"STRIPE_SECRET_KEY": "pk_test_123"}, "never the publishable one"),
        ({"STRIPE_SECRET_KEY": "sk_test_123", "STRIPE_TIMEOUT_SECONDS": "0"}, "at least 1"),
    ],
)
def test_a_wrong_stripe_setting_refuses_to_start(variables, complaint):
    loaded = stripe_settings(**variables)

    assert loaded.returncode != 0
    assert complaint in loaded.stderr


@pytest.mark.parametrize("key", ["sk_test_123", "rk_live_123"])
def test_a_secret_or_restricted_key_is_taken(key):
    loaded = stripe_settings(STRIPE_SECRET_KEY=key)

    assert loaded.returncode == 0, loaded.stderr
