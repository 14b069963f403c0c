"""Enrolling an authenticator app in a real browser: a staff login is sent to the
enrolment page, reads the key off it (as a person types it into an app), confirms it with
the code computed from that key, and sees its recovery codes, then the admin; nothing on the
way breaks the Content-Security-Policy (the QR code is inline SVG, no script)."""

from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import totp

from tests.browser.test_content_security_policy import signed_in_context


@pytest.fixture
def desk(transactional_db, django_user_model, settings):
    settings.GYM_STAFF_MFA_REQUIRED = True
    # Staff status is enough to need it (the groups, which transactional tests flush, too).
    return django_user_model.objects.create_user(username="desk", is_staff=True)


def test_a_staff_login_enrols_its_app_and_reaches_the_admin(new_context, live_server, desk):
    context = signed_in_context(new_context, live_server, desk)
    page = context.new_page()

    page.goto(live_server.url + reverse("admin:index"))

    assert page.url.startswith(live_server.url + reverse("two_factor:enrol"))
    assert page.locator("svg.qr-code").is_visible()
    found = page.evaluate("window.__cspViolations")  # each page records its own
    key = page.locator(".otp-secret").inner_text().replace(" ", "")
    code = f"{totp(b32decode(key)):06d}"
    page.get_by_label("Code from your app").fill(code)
    page.get_by_role("button", name="Turn on").click()

    assert page.get_by_role("heading", name="Your recovery codes").is_visible()
    assert page.locator(".recovery-codes li").count() == 10
    found += page.evaluate("window.__cspViolations")
    page.get_by_role("link", name="I have saved them").click()
    assert page.url == live_server.url + reverse("admin:index")
    assert found == []
