"""The strict Content-Security-Policy as Chromium enforces it: no page a member or staff opens
(the member pages, the sign-in, the admin's index, lists and change pages, the reports with
their charts, the check-in) has anything the policy blocks. Each page records every
`securitypolicyviolation` event from its first script on; one is a failure."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.browser.support import class_page, in_hours
from tests.factories import BookingFactory, FitnessClassFactory

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(
        `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
        `at ${event.sourceFile}:${event.lineNumber}`
    );
});
"""


def violations_on(context, url: str, live_server) -> list[str]:
    page = context.new_page()
    response = page.goto(live_server.url + url)
    assert response.status == 200, url
    assert response.headers.get("content-security-policy"), url
    page.wait_for_load_state("load")
    return [f"{url}: {violation}" for violation in page.evaluate("window.__cspViolations")]


def signed_in_context(new_context, live_server, user):
    client = Client()
    client.force_login(user)
    context = new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    name = settings.SESSION_COOKIE_NAME
    context.add_cookies(
        [{"name": name, "value": client.cookies[name].value, "url": live_server.url}]
    )
    return context


@pytest.fixture
def staff(transactional_db, django_user_model):
    return django_user_model.objects.create_user(
        username="manager", is_staff=True, is_superuser=True
    )


def test_no_member_page_breaks_the_policy(new_context, live_server, ana):
    fitness_class = FitnessClassFactory(starts_at=in_hours(30))
    BookingFactory(member=ana, fitness_class=fitness_class)
    context = signed_in_context(new_context, live_server, ana.user)
    pages = [
        reverse("classes:schedule"),
        class_page(fitness_class),
        reverse("bookings:mine"),
        reverse("members:credits"),
        reverse("notifications:list"),
        reverse("members:calendar"),
        reverse("members:your_data"),
        reverse("password_change"),
    ]

    found = [violation for url in pages for violation in violations_on(context, url, live_server)]

    assert found == []


def test_the_sign_in_pages_keep_to_the_policy(new_context, live_server, transactional_db):
    context = new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    pages = [reverse("login"), reverse("password_reset"), reverse("admin:login")]

    found = [violation for url in pages for violation in violations_on(context, url, live_server)]

    assert found == []


def test_no_admin_or_staff_page_breaks_the_policy(new_context, live_server, staff, ana):
    fitness_class = FitnessClassFactory(starts_at=in_hours(2))
    BookingFactory(member=ana, fitness_class=fitness_class)
    context = signed_in_context(new_context, live_server, staff)
    pages = [
        reverse("admin:index"),
        reverse("admin:members_member_changelist"),
        reverse("admin:members_member_change", args=[ana.pk]),
        reverse("admin:classes_fitnessclass_change", args=[fitness_class.pk]),
        reverse("admin:classes_fitnessclass_add"),
        reverse("admin:auth_user_change", args=[ana.user.pk]),
        reverse("admin:events_storedevent_changelist"),
        reverse("reports:report"),
        reverse("bookings:checkin_today"),
        reverse("bookings:checkin", args=[fitness_class.pk]),
    ]

    found = [violation for url in pages for violation in violations_on(context, url, live_server)]

    assert found == []
