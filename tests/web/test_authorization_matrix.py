"""Every URL pattern, every role, GET and POST: each answers as a small table of rules says.

The patterns come from the resolver, so a new page is in the matrix at once, and a pattern no
rule classifies fails the test: nobody can ship a page without saying who may open it. The
roles: anonymous, a member (Ana, who owns the objects in the URLs), another member (Ben, with
Ana's objects), the Front desk, a Manager, a superuser, and staff without any group. Every
answer must also be `Cache-Control: no-store` (one middleware; this proves it is everywhere).

Two-factor sign-in is required for staff (GYM_STAFF_MFA_REQUIRED), so the staff roles run as
sessions that gave their second factor; the members have none (test_two_factor_gate.py shows
that a staff session without one reaches nothing).

Admin model pages follow Django's permissions: a role may open one if it holds the view,
add, change or delete permission the page needs (a missing object redirects), otherwise 403;
anyone without staff status goes to the admin sign-in.
"""

import re
from dataclasses import dataclass
from datetime import time

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from members.models import PendingSignUp
from members.signups import link_path_args
from notifications.models import Notification
from ops.models import JobRun, WorkerHeartbeat
from tests.factories import (
    BookingFactory,
    ClassSeriesFactory,
    CreditGrantFactory,
    DeliveryFactory,
    FitnessClassFactory,
    RoomFactory,
    StoredEventFactory,
    WaitlistEntryFactory,
)
from tests.web.conftest import reset_link
from tests.web.two_factor import enrolled_device, sign_in_verified

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "other_member", "front_desk", "manager", "superuser", "staff")
STAFF_ROLES = ("front_desk", "manager", "superuser", "staff")
MEMBERS = ("member", "other_member")
SIGNED_IN = (*MEMBERS, *STAFF_ROLES)


def walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace or ""]))
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name or ''}" if namespace else pattern.name or ""
            yield prefix + str(pattern.pattern), name


PATTERNS = sorted(set(walk(get_resolver().url_patterns)))


# --- The rules ---------------------------------------------------------------------------------

REDIRECT = 302


@dataclass(frozen=True)
class Rule:
    """Who gets which answers: statuses for GET and POST per role (missing role: as `other`)."""

    get: dict
    post: dict

    def expected(self, role: str, method: str) -> set[int]:
        table = self.get if method == "GET" else self.post
        return table.get(role, table.get("other"))


def by_role(**statuses) -> dict:
    return {
        role: set(value) if isinstance(value, tuple) else {value}
        for role, value in statuses.items()
    }


PUBLIC_FORM = Rule(get=by_role(other=200), post=by_role(other=(200, 302)))
PUBLIC_PAGE = Rule(get=by_role(other=200), post=by_role(other=405))
# Sign-up sends signed-in visitors on.
SIGN_UP = Rule(get=by_role(anonymous=200, other=(200, 302)), post=by_role(other=(200, 302)))
# A sign-up link (a fresh one): its page for visitors, whose POST creates the account (a
# redirect, then signed in); signed-in visitors are sent on.
SIGN_UP_LINK = Rule(
    get=by_role(anonymous=200, other=302), post=by_role(anonymous=(200, 302), other=302)
)
# Ana's reset link: it moves its token out of the address (a redirect); once she has signed
# in again the token is stale, and the page says the link is invalid.
RESET_LINK = Rule(get=by_role(other=(200, 302)), post=by_role(other=(200, 302)))
SIGN_OUT = Rule(get=by_role(other=405), post=by_role(other=302))
SIGNED_IN_FORM = Rule(
    get=by_role(anonymous=REDIRECT, other=200), post=by_role(anonymous=REDIRECT, other=(200, 302))
)
SIGNED_IN_PAGE = Rule(
    get=by_role(anonymous=REDIRECT, other=200), post=by_role(anonymous=REDIRECT, other=405)
)
SIGNED_IN_ACTION = Rule(get=by_role(other=405), post=by_role(anonymous=REDIRECT, other=302))
# Member pages: staff without a member profile are sent to the admin.
MEMBER_PAGE = Rule(
    get=by_role(anonymous=REDIRECT, member=200, other_member=200, other=REDIRECT),
    post=by_role(other=405),
)
# The schedule, a class and my bookings show the same read-only page to a POST.
MEMBER_READ_PAGE = Rule(get=MEMBER_PAGE.get, post=MEMBER_PAGE.get)
# A member's own form (her home gym): saved and sent back to it, or shown with its errors.
MEMBER_FORM = Rule(
    get=MEMBER_PAGE.get,
    post=by_role(anonymous=REDIRECT, member=(200, 302), other_member=(200, 302), other=REDIRECT),
)
MEMBER_ACTION = Rule(
    get=by_role(other=405),
    post=by_role(anonymous=REDIRECT, member=302, other_member=302, other=REDIRECT),
)
# Ana's booking: Ben gets a 404, never a hint that it exists.
OWN_OBJECT_ACTION = Rule(
    get=by_role(other=405),
    post=by_role(anonymous=REDIRECT, member=302, other_member=404, other=REDIRECT),
)
# A login without a member sets up its account; everyone else has one or is staff.
SET_UP_ACCOUNT = Rule(get=by_role(other=405), post=by_role(other=(302, 404)))
# The secret address is the key: whoever has it gets the feed.
SECRET_FEED = Rule(get=by_role(other=200), post=by_role(other=405))
# The front desk's tablet page and the reports: staff with the permission.
# (Signed-in members are refused; the check-in's empty mark form is a 400.)
CHECK_IN = Rule(
    get=by_role(
        anonymous=REDIRECT,
        **dict.fromkeys(MEMBERS, 403),
        front_desk=200,
        manager=200,
        superuser=200,
        staff=403,
    ),
    post=by_role(other=405),
)
CHECK_IN_ACTION = Rule(
    get=by_role(other=405),
    post=by_role(
        anonymous=REDIRECT,
        **dict.fromkeys(MEMBERS, 403),
        front_desk=(302, 400),
        manager=(302, 400),
        superuser=(302, 400),
        staff=403,
    ),
)
REPORTS = Rule(
    get=by_role(
        anonymous=REDIRECT,
        **dict.fromkeys(MEMBERS, REDIRECT),
        front_desk=403,
        manager=200,
        superuser=200,
        staff=403,
    ),
    post=by_role(
        anonymous=REDIRECT,
        **dict.fromkeys(MEMBERS, REDIRECT),
        front_desk=403,
        manager=405,
        superuser=405,
        staff=403,
    ),
)
# Probes and metrics: answered before any session (metrics: this address is allowed).
OPERATIONS = Rule(get=by_role(other=(200, 503)), post=by_role(other=(200, 405, 503)))
# The admin's own pages: staff only.
ADMIN_SITE = Rule(
    get=by_role(anonymous=REDIRECT, **dict.fromkeys(MEMBERS, REDIRECT), other=200),
    post=by_role(anonymous=REDIRECT, **dict.fromkeys(MEMBERS, REDIRECT), other=(200, 302, 405)),
)
# An app's index: 404 for staff who may see none of its models.
ADMIN_APP_INDEX = Rule(
    get=by_role(anonymous=REDIRECT, **dict.fromkeys(MEMBERS, REDIRECT), staff=404, other=200),
    post=by_role(anonymous=REDIRECT, **dict.fromkeys(MEMBERS, REDIRECT), staff=404, other=200),
)
ADMIN_LOGIN = Rule(
    get=by_role(anonymous=200, **dict.fromkeys(MEMBERS, 200), other=REDIRECT),
    post=by_role(other=200),
)
ADMIN_SIGN_OUT = Rule(
    get=by_role(anonymous=REDIRECT, **dict.fromkeys(MEMBERS, REDIRECT), other=405),
    post=by_role(other=(200, 302)),
)
# Unknown admin addresses and the "view on site" hop: staff get a redirect or a 404.
ADMIN_CATCH_ALL = Rule(
    get=by_role(anonymous=REDIRECT, **dict.fromkeys(MEMBERS, REDIRECT), other=(302, 404)),
    post=by_role(anonymous=REDIRECT, **dict.fromkeys(MEMBERS, REDIRECT), other=(302, 404)),
)
AUTOCOMPLETE = Rule(
    get=by_role(anonymous=REDIRECT, **dict.fromkeys(MEMBERS, REDIRECT), other=403),
    post=by_role(anonymous=REDIRECT, **dict.fromkeys(MEMBERS, REDIRECT), other=(403, 405)),
)
# Two-factor pages. Staff have an app and gave its code; members have none (nor need one).
TWO_FACTOR_ENROL = Rule(
    get=by_role(anonymous=REDIRECT, **dict.fromkeys(MEMBERS, 200), other=REDIRECT),
    post=by_role(anonymous=REDIRECT, **dict.fromkeys(MEMBERS, 200), other=REDIRECT),
)
TWO_FACTOR_VERIFY = Rule(get=by_role(other=REDIRECT), post=by_role(other=REDIRECT))
# New recovery codes: for a login with an app (the empty form: the page again).
TWO_FACTOR_CODES = Rule(
    get=by_role(anonymous=REDIRECT, **dict.fromkeys(MEMBERS, REDIRECT), other=200),
    post=by_role(anonymous=REDIRECT, **dict.fromkeys(MEMBERS, REDIRECT), other=200),
)
# Staff may not turn it off while the setting requires it; members have nothing to turn off.
TWO_FACTOR_OFF = Rule(
    get=by_role(anonymous=REDIRECT, **dict.fromkeys(MEMBERS, REDIRECT), other=403),
    post=by_role(anonymous=REDIRECT, **dict.fromkeys(MEMBERS, REDIRECT), other=403),
)
# The security log: the Manager and superusers read it; the Front desk and other staff may not.
SECURITY_LOG = Rule(
    get=by_role(
        anonymous=REDIRECT,
        **dict.fromkeys(MEMBERS, REDIRECT),
        front_desk=403,
        manager=200,
        superuser=200,
        staff=403,
    ),
    post=by_role(
        anonymous=REDIRECT,
        **dict.fromkeys(MEMBERS, REDIRECT),
        front_desk=403,
        manager=(200, 302),
        superuser=(200, 302),
        staff=403,
    ),
)
ADMIN_MODEL = "admin model page"  # decided by the role's permissions, below

# (name or route pattern, rule): the first that matches a pattern's "name route" decides.
RULES = [
    (r"^(login|password_reset) ", PUBLIC_FORM),
    (r"^(password_reset_done|password_reset_complete) ", PUBLIC_PAGE),
    (r"^members:signup ", SIGN_UP),
    (r"^members:confirm_signup ", SIGN_UP_LINK),
    (r"^password_reset_confirm ", RESET_LINK),
    (r"^logout ", SIGN_OUT),
    (r"^password_change ", SIGNED_IN_FORM),
    (r"^password_change_done ", SIGNED_IN_PAGE),
    (r"^sign_out_other_sessions ", SIGNED_IN_ACTION),
    (r"^two_factor:overview ", SIGNED_IN_PAGE),
    (r"^two_factor:enrol ", TWO_FACTOR_ENROL),
    (r"^two_factor:verify ", TWO_FACTOR_VERIFY),
    (r"^two_factor:recovery_codes ", TWO_FACTOR_CODES),
    (r"^two_factor:turn_off ", TWO_FACTOR_OFF),
    (r"^(classes:schedule|classes:detail|bookings:mine) ", MEMBER_READ_PAGE),
    (r"^(members:credits|members:calendar|members:your_data|notifications:list) ", MEMBER_PAGE),
    (
        r"^(bookings:book|bookings:join_waitlist|bookings:leave_waitlist|members:download_data|"
        r"members:reset_calendar_token|notifications:mark_all_read) ",
        MEMBER_ACTION,
    ),
    (r"^members:home_location ", MEMBER_FORM),
    (r"^bookings:cancel ", OWN_OBJECT_ACTION),
    (r"^members:set_up_account ", SET_UP_ACCOUNT),
    (r"^members:calendar_feed ", SECRET_FEED),
    (r"^bookings:(checkin_today|checkin) ", CHECK_IN),
    (r"^bookings:(checkin_mark|checkin_mark_unmarked) ", CHECK_IN_ACTION),
    (r"^reports:(report|csv) ", REPORTS),
    (r"^ops:", OPERATIONS),
    (r"^admin:login ", ADMIN_LOGIN),
    (r"^admin:logout ", ADMIN_SIGN_OUT),
    (r"^admin:(index|password_change|password_change_done|jsi18n) ", ADMIN_SITE),
    (r"^admin:app_list ", ADMIN_APP_INDEX),
    (r"^admin:autocomplete ", AUTOCOMPLETE),
    (r"^admin:(view_on_site )?.*\(\?P<url>|^admin:view_on_site ", ADMIN_CATCH_ALL),
    (r"^admin:events_securityevent_changelist ", SECURITY_LOG),
    (r"^admin:\S* admin/\w+/\w+/", ADMIN_MODEL),
]


def rule_for(route: str, name: str):
    key = f"{name} {route}"
    for pattern, rule in RULES:
        if re.search(pattern, key):
            return rule
    return None


def test_every_url_pattern_is_classified():
    unclassified = [
        f"{name or '(unnamed)'} {route}" for route, name in PATTERNS if not rule_for(route, name)
    ]

    assert unclassified == []


# --- The admin's permissions ---------------------------------------------------------------


def admin_model(route: str):
    app_label, model_name = re.match(r"admin/(\w+)/(\w+)/", route).groups()
    return apps.get_model(app_label, model_name)


def admin_expected(route: str, name: str, user, method: str, exists: bool) -> set[int]:
    """What the page's ModelAdmin allows this user (its `has_*_permission`, which may refuse
    more than the user's permissions: the event log is read-only, bookings are made through
    the use cases), answered as Django's admin answers."""
    if user is None or not user.is_staff:
        return {REDIRECT}
    if route.endswith("<path:object_id>/"):
        return {REDIRECT}  # Django's old address of a change page: it redirects there
    model = admin_model(route)
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = user

    def may(action: str) -> bool:
        return getattr(model_admin, f"has_{action}_permission")(request)

    viewer = may("view") or may("change")
    if name.endswith("_changelist"):
        allowed = viewer
        answers = {200, 302} if method == "POST" else {200}
    elif name.endswith("_add"):
        allowed = may("add")
        answers = {200}
    elif name.endswith("_delete"):
        allowed = may("delete")
        answers = {200, 302}
    elif name.endswith(("_change", "_history")) or not name:
        allowed = may("change") if method == "POST" and name.endswith("_change") else viewer
        answers = {200, 302} if exists else {302}
    else:  # the app's own admin views (give a login, staff cancel, booked sessions)
        allowed = viewer
        answers = {200, 302, 403, 404, 405}
    return answers if allowed else {403}


# --- The people and the objects ------------------------------------------------------------------


@pytest.fixture
def world(member, other_member, django_user_model):
    fitness_class = FitnessClassFactory(starts_at=timezone.now() + timezone.timedelta(days=2))
    booking = BookingFactory(member=member, fitness_class=fitness_class)
    WaitlistEntryFactory(member=member, fitness_class=FitnessClassFactory())
    CreditGrantFactory(member=member)
    DeliveryFactory(event=StoredEventFactory())
    Notification.objects.create(member=member, title="Hello", body="Hi")
    WorkerHeartbeat.objects.create(name="mail-1", beat_at=timezone.now())
    JobRun.objects.create(job="close_classes", succeeded_at=timezone.now())
    ClassSeriesFactory(name="Yoga", start_time=time(9, 0), duration_minutes=60, capacity=10)
    RoomFactory(location=fitness_class.location)
    AccessAttempt.objects.create(
        username="x@example.com", ip_address="10.0.0.1", failures_since_start=1
    )
    AccessLog.objects.create(username="x@example.com", ip_address="10.0.0.1")
    AccessFailureLog.objects.create(username="x@example.com", ip_address="10.0.0.1")

    def staff(username: str, group: str | None):
        user = django_user_model.objects.create_user(username=username, is_staff=True)
        if group:
            user.groups.add(Group.objects.get(name=group))
        enrolled_device(user)
        return user

    users = {
        "anonymous": None,
        "member": member.user,
        "other_member": other_member.user,
        "front_desk": staff("desk", "Front desk"),
        "manager": staff("boss", "Manager"),
        # No password to hash (slow on purpose): the test client signs everyone in directly.
        "superuser": django_user_model.objects.create_user(
            username="root", is_staff=True, is_superuser=True
        ),
        "staff": staff("plain-staff", None),
    }
    enrolled_device(users["superuser"])
    return {"users": users, "class": fitness_class, "booking": booking, "member": member}


def concrete_url(route: str, name: str, world) -> tuple[str, bool]:
    """The route with its parameters filled in from `world`, and whether the object exists."""
    values = {
        "class_id": str(world["class"].pk),
        "booking_id": str(world["booking"].pk),
        "content_type_id": "1",
        "id": str(world["member"].user.pk),
    }
    exists = True
    if name == "members:confirm_signup":
        pending = PendingSignUp.objects.create(name="Dana", email="dana@example.com")
        return reverse(name, args=link_path_args(pending)), True
    if "<uidb64>" in route:
        return reset_link(world["member"].user), True
    if route.startswith("calendar/"):
        values["token"] = world["member"].calendar_token
    if "<path:object_id>" in route and route.startswith("admin/") and "/r/" not in route:
        instance = admin_model(route).objects.first()
        exists = instance is not None
        values["object_id"] = str(instance.pk) if exists else "0"
    values.setdefault("object_id", "1")
    path = re.sub(r"\(\?P<app_label>[^)]*\)", "members", route)
    path = re.sub(r"\(\?P<url>\.\*\)", "no-such-page/", path)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], path)
    return "/" + path.replace("^", "").replace("$", ""), exists


@pytest.mark.parametrize(("route", "name"), PATTERNS, ids=[f"{n} {r}" for r, n in PATTERNS])
def test_each_role_gets_the_expected_answer(route, name, world, settings):
    settings.GYM_SELF_SIGNUP = True
    settings.GYM_STAFF_MFA_REQUIRED = True
    rule = rule_for(route, name)
    assert rule is not None, f"{name} {route} is not classified"
    url, exists = concrete_url(route, name, world)
    wrong = []
    for role in ROLES:
        user = world["users"][role]
        client = Client()
        if role in STAFF_ROLES:
            sign_in_verified(client, user)
        elif user is not None:
            client.force_login(user)
        for method in ("GET", "POST"):  # POST last: it may sign the role out
            response = getattr(client, method.lower())(url)
            expected = (
                admin_expected(route, name, user, method, exists)
                if rule == ADMIN_MODEL
                else rule.expected(role, method)
            )
            if response.status_code not in expected:
                wrong.append(f"{role} {method} {url}: {response.status_code}, expected {expected}")
            if (
                not url.startswith(("/health/", "/metrics"))
                and response.get("Cache-Control") != "no-store"
            ):
                wrong.append(
                    f"{role} {method} {url}: Cache-Control {response.get('Cache-Control')}"
                )
    assert not wrong, "\n".join(wrong)
