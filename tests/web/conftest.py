"""Members signed in through the test client: Ana (`member`, `member_client`) and Ben
(`other_member`, `other_client`), each a Django user linked to a Member by `Member.user`, who
can also sign in with their e-mail address and `PASSWORD`. Neither holds credits: a test
grants what it needs. `json_lines`: the log lines as production writes them."""

import io
import json
import logging
from functools import cache

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from pythonjsonlogger.json import JsonFormatter

from ops.logcontext import ContextFilter
from tests.factories import MemberFactory, staff_client

PASSWORD = "a-long-test-password"


@cache
def _password_hash() -> str:
    """`PASSWORD` hashed once per test run: hashing is slow on purpose."""
    return make_password(PASSWORD)


def reset_link(user, token: str | None = None) -> str:
    """The path of a password reset link for `user`, as the reset e-mail gives it."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse(
        "password_reset_confirm", args=[uid, token or default_token_generator.make_token(user)]
    )


def _member_with_login(django_user_model, name: str, email: str):
    user = django_user_model.objects.create_user(username=email, email=email)
    user.password = _password_hash()
    user.save(update_fields=["password"])
    return MemberFactory(name=name, email=email, user=user)


@pytest.fixture
def member(db, django_user_model):
    return _member_with_login(django_user_model, "Ana", "ana@example.com")


@pytest.fixture
def member_client(client, member):
    client.force_login(member.user)
    return client


@pytest.fixture
def other_member(db, django_user_model):
    return _member_with_login(django_user_model, "Ben", "ben@example.com")


@pytest.fixture
def other_client(other_member):
    client = Client()
    client.force_login(other_member.user)
    return client


@pytest.fixture
def signup_open(settings):
    """The gym lets people sign up themselves (GYM_SELF_SIGNUP)."""
    settings.GYM_SELF_SIGNUP = True
    return settings


@pytest.fixture
def late_cancellation_forfeits(settings):
    """The gym's "forfeit" policy: requested before `services`, so the use cases and the
    pages read it."""
    settings.GYM_LATE_CANCELLATION = "forfeit"


@pytest.fixture
def four_hour_cancellation_window(settings):
    """A 4-hour cancellation window: requested before `services`, like the policy above."""
    settings.GYM_CANCELLATION_WINDOW_HOURS = 4


@pytest.fixture
def json_lines():
    """Log lines as production writes them (LOG_FORMAT=json): the formatter and filter of
    settings.LOGGING on a handler of the root logger; returns a function giving the parsed
    lines so far."""
    options = dict(django_settings.LOGGING["formatters"]["json"])
    assert options.pop("()") == "pythonjsonlogger.json.JsonFormatter"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(**options))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous_level = root.level
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)


@pytest.fixture
def front_desk(client, django_user_model):
    """The test client, signed in as a Front desk user (a test module may mean another)."""
    return staff_client(client, django_user_model, "Front desk", "desk")


@pytest.fixture
def manager(client, django_user_model):
    """The test client, signed in as a Manager (a test module may mean another)."""
    return staff_client(client, django_user_model, "Manager", "boss")
