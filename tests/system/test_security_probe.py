"""The security promises, probed from outside as an attacker would: over HTTP only, against
the site deployed as docs/operations.md says (tests/system/conftest.py), reading its database
directly only to see what was (or was not) written.

Sign-in failures count per login and per client address: each test comes from addresses of
its own (X-Forwarded-For, which the site trusts from the proxy) and signs in with logins of
its own, so one test's failures lock nobody out of another.
"""

import re
import secrets
from urllib.parse import urlsplit

import pytest
from django_otp.oath import totp

from tests.system.conftest import BOOKED, PASSWORD, WAITING
from tests.system.http import Browser, Page

pytestmark = [pytest.mark.system, pytest.mark.timeout(90)]

FAILURE_LIMIT = 5  # GYM_LOGIN_FAILURE_LIMIT's default, which the example file keeps
SECURITY_LOG = ("SignInFailed", "SignInLockedOut", "SignInRefused")
TOTP_KEY = secrets.token_hex(20)  # the enrolled manager's authenticator app
STAFF_WITHOUT_APP = "new-manager@gym.example.com"
STAFF_WITH_APP = "manager@gym.example.com"
NONCE = re.compile(r"'nonce-([^']+)'")
NONCE_ATTRIBUTE = re.compile(r'\bnonce="([^"]+)"')

# Two managers with staff status, as an operator makes them: one has not set up an app yet,
# the other has one (whose key the test knows, as the phone does).
STAFF_SEED = f"""
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.queries import create_login

manager = Group.objects.get(name="Manager")
for name, email in (("New Manager", {STAFF_WITHOUT_APP!r}), ("Manager", {STAFF_WITH_APP!r})):
    login = create_login(name, email, {PASSWORD!r})
    login.is_staff = True
    login.save()
    login.groups.add(manager)
TOTPDevice.objects.create(
    user=login, name="Authenticator app", confirmed=True, key={TOTP_KEY!r}
)
"""


@pytest.fixture(scope="module")
def staff(site):
    site.shell(STAFF_SEED)
    return site


# --- Helpers ----------------------------------------------------------------------------------


def directives(page: Page) -> dict[str, list[str]]:
    """The Content-Security-Policy of `page`, by directive (enforced, not report-only)."""
    policy = page.headers.get("Content-Security-Policy")
    assert policy, f"no Content-Security-Policy on {page.url}"
    parsed = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


def nonce_of(page: Page) -> str | None:
    """The policy's nonce, which must be the one the page's inline elements carry. Django
    puts one in only when the page uses it: a page with nothing inline allows nothing."""
    in_policy = set(NONCE.findall(page.headers["Content-Security-Policy"]))
    in_page = set(NONCE_ATTRIBUTE.findall(page.body))
    assert len(in_policy) <= 1 and in_page <= in_policy, (page.url, in_policy, in_page)
    return next(iter(in_policy), None)


def assert_hardened(page: Page) -> None:
    """The headers every page of the site must carry."""
    assert page.status == 200, (page.url, page.status)
    policy = directives(page)
    for kind in ("default-src", "script-src", "style-src"):
        assert kind in policy, f"{page.url}: no {kind}"
        assert "'unsafe-inline'" not in policy[kind], f"{page.url}: {kind} {policy[kind]}"
    assert policy.get("frame-ancestors") == ["'none'"], page.url
    headers = page.headers
    assert "camera=()" in headers.get("Permissions-Policy", ""), page.url
    assert headers.get("Cross-Origin-Opener-Policy") == "same-origin", page.url
    assert headers.get("Referrer-Policy") == "same-origin", page.url
    assert headers.get("X-Content-Type-Options") == "nosniff", page.url
    assert headers.get("X-Frame-Options") == "DENY", page.url
    hsts = re.match(r"max-age=(\d+)", headers.get("Strict-Transport-Security", ""))
    assert hsts and int(hsts.group(1)) >= 31536000, f"{page.url}: no lasting HSTS"


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def security_log(site, username: str) -> list[tuple[str, str]]:
    return site.query(
        "SELECT type, payload::text FROM events_storedevent "
        "WHERE type = ANY(%s) AND payload->>'username' = %s ORDER BY occurred_at",
        list(SECURITY_LOG),
        username,
    )


def counts(site) -> dict[str, int]:
    """How many logins, members and credit grants the database holds."""
    tables = ("auth_user", "members_member", "members_creditgrant")
    return {table: site.query(f"SELECT count(*) FROM {table}")[0][0] for table in tables}


# --- 1. Headers -------------------------------------------------------------------------------


def test_every_kind_of_page_carries_the_security_headers_and_a_fresh_nonce(site):
    node_a, node_b = site.nodes
    anonymous = Browser(client_ip="203.0.113.10")
    ana = Browser(client_ip="203.0.113.11")
    ana.sign_in(node_a.url, BOOKED[1])
    token = site.query("SELECT calendar_token FROM members_member WHERE email = %s", BOOKED[1])

    pages = {
        "anonymous": lambda: anonymous.get(node_a.url + "/accounts/login/"),
        "admin sign-in": lambda: anonymous.get(node_b.url + "/admin/login/"),
        "member": lambda: ana.get(node_b.url + "/me/bookings/"),
    }
    for what, fetch in pages.items():
        # when the same page is fetched twice
        first, second = fetch(), fetch()

        # then both carry the headers, and a nonce (where the page has something inline)
        # of its own
        assert_hardened(first)
        assert_hardened(second)
        if what == "admin sign-in":
            assert nonce_of(first), "the admin's inline script has no nonce"
        assert nonce_of(first) is None or nonce_of(first) != nonce_of(second), what

    # and nothing signed in, nor the private calendar feed, is stored by a browser or a proxy
    member = ana.get(node_a.url + "/me/bookings/")
    assert member.url.endswith("/me/bookings/"), "Ana is not signed in"
    assert member.headers.get("Cache-Control") == "no-store"
    feed = anonymous.get(f"{node_a.url}/calendar/{token[0][0]}.ics")
    assert (feed.status, feed.headers.get_content_type()) == (200, "text/calendar")
    assert feed.headers.get("Cache-Control") == "no-store"


# --- 2. Lockout -------------------------------------------------------------------------------


def test_wrong_passwords_lock_the_login_out_even_for_the_right_one_and_are_logged_without_it(
    site,
):
    node_a, node_b = site.nodes
    guess = f"probe-guess-{secrets.token_hex(8)}"
    attacker = Browser(client_ip="203.0.113.20")

    # given wrong passwords for Ben up to the limit
    answers = [attacker.sign_in(node_a.url, WAITING[1], guess) for _ in range(FAILURE_LIMIT)]
    # then each is refused: the form again, and the last one (which reaches it) paused
    assert [answer.status for answer in answers] == [200] * (FAILURE_LIMIT - 1) + [429]
    assert all('name="password"' in answer.body for answer in answers[:-1])
    assert all("Sign out" not in answer.body for answer in answers)

    # when Ben himself signs in with the right password, from another address and node
    ben = Browser(client_ip="203.0.113.21")
    refused = ben.sign_in(node_b.url, WAITING[1])

    # then he is refused with the lockout page, which offers the password reset
    assert refused.status == 429, refused.status
    assert "Signing in is paused" in refused.body
    assert 'href="/accounts/password_reset/"' in refused.body
    assert "Sign out" not in ben.get(node_b.url + "/me/bookings/").body

    # and the security log holds the failures, the lockout and the refusal, with no password
    rows = security_log(site, WAITING[1])
    kinds = [kind for kind, _ in rows]
    assert kinds.count("SignInFailed") == FAILURE_LIMIT, kinds
    assert kinds.count("SignInLockedOut") == 1, kinds
    assert kinds.count("SignInRefused") >= 1, kinds
    for _, payload in rows:
        assert guess not in payload and PASSWORD not in payload, payload
    for node in site.nodes:
        assert guess not in node.process.log(), f"node {node.name} logged the password"


# --- 3. Staff and the second factor -----------------------------------------------------------


def admin_sign_in(browser: Browser, node_url: str, username: str) -> Page:
    form = browser.get(node_url + "/admin/login/?next=/admin/")
    fields = {"username": username, "password": PASSWORD, "next": "/admin/"}
    return browser.submit(form, "/admin/login/?next=/admin/", fields)


def test_staff_without_an_app_are_sent_to_set_one_up_instead_of_the_admin(staff):
    node_a, node_b = staff.nodes
    browser = Browser(client_ip="203.0.113.30")

    # when a manager with no app signs in at the admin with the right password
    signed_in = admin_sign_in(browser, node_a.url, STAFF_WITHOUT_APP)

    # then she is sent to set up an app, and neither the admin nor a model page opens
    assert path_of(signed_in) == "/accounts/two-factor/enrol/", signed_in.url
    for path in ("/admin/", "/admin/members/member/"):
        page = browser.get(node_b.url + path)
        assert path_of(page) == "/accounts/two-factor/enrol/", (path, page.url)
        assert "Site administration" not in page.body


def test_staff_open_the_admin_only_after_the_code_from_their_app(staff):
    node_a, node_b = staff.nodes
    browser = Browser(client_ip="203.0.113.31")

    # when the manager with an app signs in at the admin with the right password
    signed_in = admin_sign_in(browser, node_a.url, STAFF_WITH_APP)

    # then the admin asks for her code first, whatever page she opens
    assert path_of(signed_in) == "/accounts/two-factor/verify/", signed_in.url
    model_page = browser.get(node_b.url + "/admin/members/member/")
    assert path_of(model_page) == "/accounts/two-factor/verify/", model_page.url
    assert "Site administration" not in model_page.body

    # when she types the code her app shows
    code = f"{totp(bytes.fromhex(TOTP_KEY), 30, 0, 6, 0):06d}"
    verified = browser.submit(signed_in, "/accounts/two-factor/verify/", {"code": code})

    # then the admin opens, and so do its model pages
    assert (path_of(verified), verified.status) == ("/admin/", 200), verified.url
    assert "Site administration" in verified.body
    members = browser.get(node_b.url + "/admin/members/member/")
    assert (path_of(members), members.status) == ("/admin/members/member/", 200)


# --- 4. Sign-up -------------------------------------------------------------------------------


def signed_up(node_url: str, client_ip: str, email: str) -> Page:
    browser = Browser(client_ip=client_ip)
    form = browser.get(node_url + "/accounts/signup/")
    assert form.status == 200, "sign-up is closed on the system site"
    fields = {"name": "Eve", "email": email, "password1": PASSWORD, "password2": PASSWORD}
    return browser.submit(form, "/accounts/signup/", fields)


def answer_without(page: Page, email: str) -> str:
    """The page's main content, the address and the per-response tokens blanked out."""
    main = page.body.partition('<main id="content"')[2].partition("</main>")[0]
    main = re.sub(r'(nonce|value)="[^"]*"', r'\1=""', main)
    return main.replace(email, "ADDRESS")


def test_a_sign_up_mints_nothing_and_answers_alike_for_new_and_existing_addresses(site):
    node_a, node_b = site.nodes
    before = counts(site)
    new_address = f"eve-{secrets.token_hex(4)}@example.com"

    # when someone signs up with a new address, and with one that has an account
    for_new = signed_up(node_a.url, "203.0.113.40", new_address)
    for_existing = signed_up(node_b.url, "203.0.113.41", BOOKED[1])

    # then no login, member or credit grant exists that did not before
    assert counts(site) == before
    assert not site.query("SELECT 1 FROM auth_user WHERE username = %s", new_address)
    # and both hear the same: check your e-mail
    assert (for_new.status, for_existing.status) == (200, 200)
    assert path_of(for_new) == path_of(for_existing) == "/accounts/signup/"
    assert "Sign out" not in for_new.body
    assert answer_without(for_new, new_address) == answer_without(for_existing, BOOKED[1])
    assert answer_without(for_new, new_address).strip(), "the answer has no content"
