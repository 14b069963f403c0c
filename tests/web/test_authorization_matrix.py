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
add, change or delete permission the page needs (a missing object redirects, or is a 404 in
the admins of rows that belong to a location and of the event log), otherwise 403; anyone
without staff status goes to the admin sign-in.

The Front desk and the Manager work at the world's location only. Every admin page, action,
search, filter and autocomplete is asked again by them about the rows of another location
(`elsewhere`): a 404 (or a 403) for its objects, and never its name, its classes', series' or
rooms' names in what comes back. Superusers and holders of `work_at_every_location` see it.
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

from bookings.models import Booking, WaitlistEntry
from classes.models import ClassSeries, FitnessClass
from events.models import Delivery, StoredEvent
from locations.models import Location, Room
from locations.scoping import LocationScopedAdmin
from members.models import Membership, PendingSignUp
from members.signups import link_path_args
from notifications.models import Notification
from ops.models import JobRun, WorkerHeartbeat
from payments.models import StripeCustomer, StripeEvent
from sales.models import Fee, MembershipPayment
from tests.factories import (
    BookingFactory,
    ClassSeriesFactory,
    CreditGrantFactory,
    DeliveryFactory,
    FitnessClassFactory,
    LocationFactory,
    MemberFactory,
    MembershipFactory,
    MembershipPaymentFactory,
    PurchaseFactory,
    RoomFactory,
    StoredEventFactory,
    WaitlistEntryFactory,
    work_at_every_location,
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
# Ana's receipt: Ben gets a 404, never a hint that it exists.
OWN_OBJECT_PAGE = Rule(
    get=by_role(anonymous=REDIRECT, member=200, other_member=404, other=REDIRECT),
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
# A change her own form asks for (freezing her membership): done and sent back to her page,
# or the page again with the form's errors.
MEMBER_FORM_ACTION = Rule(get=MEMBER_ACTION.get, post=MEMBER_FORM.post)
# An old address, moved for good.
MOVED = Rule(get=by_role(other=301), post=by_role(other=301))
# Stripe's webhook: signed by Stripe or refused; here Stripe is not configured (404).
WEBHOOK = Rule(get=by_role(other=405), post=by_role(other=404))
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
    (r"^purchases:receipt ", OWN_OBJECT_PAGE),
    (r"^two_factor:turn_off ", TWO_FACTOR_OFF),
    (r"^(classes:schedule|classes:detail|bookings:mine) ", MEMBER_READ_PAGE),
    (
        r"^(members:credits|members:calendar|members:your_data|notifications:list|sales:shop|"
        r"payments:paid|fees:mine|purchases:history|memberships:mine) ",
        MEMBER_PAGE,
    ),
    (r"^sales:packs ", MOVED),
    (r"^payments:stripe_webhook ", WEBHOOK),
    (
        r"^(bookings:book|bookings:join_waitlist|bookings:leave_waitlist|members:download_data|"
        r"members:reset_calendar_token|notifications:mark_all_read|payments:buy|payments:join|"
        r"memberships:unfreeze|memberships:undo_cancel) ",
        MEMBER_ACTION,
    ),
    (r"^members:home_location ", MEMBER_FORM),
    (r"^memberships:(freeze|cancel) ", MEMBER_FORM_ACTION),
    (r"^bookings:cancel ", OWN_OBJECT_ACTION),
    (r"^members:set_up_account ", SET_UP_ACCOUNT),
    (r"^members:calendar_feed ", SECRET_FEED),
    (r"^bookings:(checkin_today|checkin) ", CHECK_IN),
    (r"^bookings:(checkin_mark|checkin_mark_unmarked) ", CHECK_IN_ACTION),
    (r"^reports:(report|csv|revenue|revenue_csv) ", REPORTS),
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


def a_fee(booking) -> Fee:
    return Fee.objects.create(
        member=booking.member,
        booking=booking,
        fitness_class=booking.fitness_class,
        kind="no_show",
        amount="5.00",
        currency="EUR",
        imposed_at=timezone.now(),
    )


@pytest.fixture
def world(member, other_member, django_user_model):
    fitness_class = FitnessClassFactory(starts_at=timezone.now() + timezone.timedelta(days=2))
    booking = BookingFactory(member=member, fitness_class=fitness_class)
    a_fee(booking)
    WaitlistEntryFactory(member=member, fitness_class=FitnessClassFactory())
    CreditGrantFactory(member=member)
    purchase = PurchaseFactory(credit_grant__member=member)
    MembershipPaymentFactory(
        membership=MembershipFactory(member=member), location=fitness_class.location
    )
    StripeCustomer.objects.create(member=member, customer_id="cus_world")
    StripeEvent.objects.create(
        event_id="evt_world",
        type="checkout.session.completed",
        created=timezone.now(),
        processed_at=timezone.now(),
        outcome="Sold.",
    )
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
            user.staffed_locations.add(fitness_class.location)
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
    return {
        "users": users,
        "class": fitness_class,
        "booking": booking,
        "member": member,
        "purchase": purchase,
    }


def concrete_url(route: str, name: str, world, instance=None) -> tuple[str, bool]:
    """The route with its parameters filled in from `world` (or about `instance`), and whether
    the object exists."""
    values = {
        "class_id": str(world["class"].pk),
        "booking_id": str(world["booking"].pk),
        "purchase_id": str(world["purchase"].pk),
        "receipt_id": str(world["purchase"].pk),
        "content_type_id": "1",
        "id": str(world["member"].user.pk),
        # No such pack: without Stripe configured, buying online is refused before looking.
        "product_id": "00000000-0000-0000-0000-000000000001",
        # No such plan either: joining online is refused the same way.
        "plan_id": "00000000-0000-0000-0000-000000000001",
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
        instance = instance or admin_model(route).objects.first()
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


# --- Staff of one location, and another location's rows -------------------------------------

ELSEWHERE = "Harbour Side Gym"
HIDDEN_NAMES = (ELSEWHERE, "Secret Sunrise Spin", "Hidden Harbour Yoga", "Hidden Room Nine")
SCOPED_ROLES = ("front_desk", "manager")
ADMIN_PAGES = [(route, name) for route, name in PATTERNS if rule_for(route, name) == ADMIN_MODEL]


@pytest.fixture
def elsewhere(world):
    """Another location's class (Ana booked it, someone waits for it, Ana was told about it,
    its events are logged), series, room and a membership of one of its members, by model."""
    location = LocationFactory(name=ELSEWHERE, time_zone="America/New_York")
    fitness_class = FitnessClassFactory(
        name="Secret Sunrise Spin",
        location=location,
        starts_at=timezone.now() + timezone.timedelta(days=3),
    )
    event = StoredEventFactory(class_id=fitness_class.pk, member_id=world["member"].pk)
    membership = MembershipFactory(member=MemberFactory(home_location=location))
    return {
        Location: location,
        FitnessClass: fitness_class,
        Booking: BookingFactory(member=world["member"], fitness_class=fitness_class),
        Fee: a_fee(Booking.objects.get(member=world["member"], fitness_class=fitness_class)),
        WaitlistEntry: WaitlistEntryFactory(fitness_class=fitness_class),
        ClassSeries: ClassSeriesFactory(
            name="Hidden Harbour Yoga", location=location, start_time=time(7, 0)
        ),
        Room: RoomFactory(location=location, name="Hidden Room Nine"),
        Membership: membership,
        MembershipPayment: MembershipPaymentFactory(membership=membership, location=location),
        Notification: Notification.objects.create(
            member=world["member"],
            fitness_class=fitness_class,
            title="Secret Sunrise Spin was cancelled",
            body="Harbour Side Gym is sorry.",
        ),
        StoredEvent: event,
        Delivery: DeliveryFactory(event=event),
    }


def signed_in(world, role: str) -> Client:
    client = Client()
    sign_in_verified(client, world["users"][role])
    return client


def admin_url(model, page: str) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}")


def leaks(response) -> list[str]:
    """The other location's names in a response (its body, or where it redirects)."""
    text = response.content.decode(errors="replace") + response.get("Location", "")
    return [name for name in HIDDEN_NAMES if name in text]


def url_about(route: str, name: str, world, elsewhere) -> tuple[str, bool]:
    """The admin page's address, about the other location's object when it has one of that
    model (and whether it is one)."""
    hidden = elsewhere.get(admin_model(route)) if "<path:object_id>" in route else None
    return concrete_url(route, name, world, instance=hidden)[0], hidden is not None


@pytest.mark.parametrize(("route", "name"), ADMIN_PAGES, ids=[f"{n} {r}" for r, n in ADMIN_PAGES])
def test_staff_of_one_location_never_reach_another_locations_rows(
    route, name, world, elsewhere, settings
):
    settings.GYM_STAFF_MFA_REQUIRED = True
    wrong = []
    for role in SCOPED_ROLES:
        client = signed_in(world, role)
        url, about_hidden = url_about(route, name, world, elsewhere)
        for method in ("GET", "POST"):
            response = getattr(client, method.lower())(url, follow=True)
            if about_hidden and response.status_code not in (403, 404):
                wrong.append(f"{role} {method} {url}: {response.status_code}")
            if found := leaks(response):
                wrong.append(f"{role} {method} {url}: shows {found}")
    assert not wrong, "\n".join(wrong)


def scoped_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, LocationScopedAdmin)
    ]


@pytest.mark.parametrize("role", SCOPED_ROLES)
def test_lists_searches_and_filters_hold_only_the_staffs_locations(role, world, elsewhere):
    client = signed_in(world, role)
    series = elsewhere[ClassSeries]
    for model, _ in scoped_admins():
        changelist = admin_url(model, "changelist")
        for query in ({}, {"q": "Secret"}, {"q": "Hidden"}, {"series": str(series.pk)}):
            response = client.get(changelist, query)

            assert response.status_code in (200, 302, 403), (changelist, query)
            assert leaks(response) == [], (changelist, query)
            if response.status_code == 200 and "cl" in response.context:
                hidden = elsewhere[model]
                assert hidden.pk not in {row.pk for row in response.context["cl"].result_list}


@pytest.mark.parametrize("role", SCOPED_ROLES)
def test_the_add_pages_offer_only_the_staffs_locations_and_rooms(role, world, elsewhere):
    client = signed_in(world, role)
    for model in (FitnessClass, ClassSeries, Room):
        response = client.get(admin_url(model, "add"))

        assert leaks(response) == []
        if response.status_code == 200:
            form = response.context["adminform"].form
            assert elsewhere[Location] not in form.fields["location"].queryset


# Foreign keys whose targets belong to a location: what their autocomplete could be asked.
AUTOCOMPLETES = [
    ("bookings", "booking", "fitness_class", "Secret"),
    ("classes", "fitnessclass", "location", "Harbour"),
    ("classes", "fitnessclass", "series", "Hidden"),
    ("locations", "room", "location", "Harbour"),
    ("notifications", "notification", "fitness_class", "Secret"),
]


@pytest.mark.parametrize(("app_label", "model_name", "field_name", "term"), AUTOCOMPLETES)
def test_autocomplete_never_finds_another_locations_rows(
    app_label, model_name, field_name, term, world, elsewhere
):
    query = {"app_label": app_label, "model_name": model_name, "field_name": field_name}
    superuser = signed_in(world, "superuser").get(
        reverse("admin:autocomplete"), {**query, "term": term}
    )
    for role in SCOPED_ROLES:
        response = signed_in(world, role).get(
            reverse("admin:autocomplete"), {**query, "term": term}
        )

        assert response.status_code in (200, 403)
        assert leaks(response) == []
    if superuser.status_code == 200:  # the control: the chain's managers find it
        assert leaks(superuser) != []


# Each admin action over rows of a location, and how to tell it did nothing.
ACTIONS = [
    (FitnessClass, "cancel_classes", {"form-reason": "Closed"}),
    (Booking, "cancel_as_staff", {"form-reason": "Closed"}),
    (ClassSeries, "generate_sessions", {"form-weeks": "2"}),
    (Room, "delete_selected", {"post": "yes"}),
    (Location, "delete_selected", {"post": "yes"}),
]


@pytest.mark.parametrize(("model", "action", "confirmation"), ACTIONS)
@pytest.mark.parametrize("role", SCOPED_ROLES)
def test_actions_never_touch_another_locations_rows(
    role, model, action, confirmation, world, elsewhere
):
    hidden = elsewhere[model]
    before = model.objects.filter(pk=hidden.pk).values().get()
    classes_before = FitnessClass.objects.count()
    client = signed_in(world, role)
    changelist = admin_url(model, "changelist")
    for step in ({}, {"form-confirmed": "1", **confirmation}):
        response = client.post(
            changelist,
            {"action": action, "_selected_action": [str(hidden.pk)], "index": "0", **step},
            follow=True,
        )

        assert response.status_code in (200, 403)
        assert leaks(response) == []
    assert model.objects.filter(pk=hidden.pk).values().get() == before
    assert FitnessClass.objects.count() == classes_before


@pytest.mark.parametrize("role", ("superuser", "chain_manager"))
def test_the_chain_managers_see_every_location(role, world, elsewhere, django_user_model):
    if role == "chain_manager":
        user = work_at_every_location(world["users"]["manager"])
        user.staffed_locations.clear()
        role = "manager"
    client = signed_in(world, role)
    hidden = elsewhere[FitnessClass]

    listed = client.get(reverse("admin:classes_fitnessclass_changelist"))
    page = client.get(reverse("admin:classes_fitnessclass_change", args=[hidden.pk]))

    assert "Secret Sunrise Spin" in listed.content.decode()
    assert page.status_code == 200
    assert ELSEWHERE in page.content.decode()
