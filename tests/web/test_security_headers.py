"""The headers every page is sent with: a strict Content-Security-Policy (nonces, no
'unsafe-inline'; report-only by a setting), Permissions-Policy, Cross-Origin-Opener-Policy,
Referrer-Policy, and Cache-Control: no-store. The authorization matrix checks no-store on
every URL pattern; here, what each header says."""

import re
import subprocess
import sys

import pytest
from django.template.loader import get_template
from django.test import override_settings
from django.urls import reverse

from gymbooking.csp import content_security_policy, inline_style_hashes
from gymbooking.settings import BASE_DIR

pytestmark = pytest.mark.django_db

ERROR_PAGE = BASE_DIR / "templates" / "500.html"


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_every_page_has_a_strict_content_security_policy(member_client):
    response = member_client.get(reverse("classes:schedule"))

    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    # A nonce is made (and allowed) only on a page with something inline; this has nothing.
    assert policy["script-src"] == ["'self'"]


def test_an_inline_style_carries_the_nonce_the_header_allows(admin_client):
    response = admin_client.get(reverse("reports:report"))

    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    styles = re.findall(r"<style([^>]*)>", response.content.decode())
    assert styles
    assert all(f'nonce="{nonce}"' in attributes for attributes in styles)


def test_no_template_has_inline_style_or_script_without_a_nonce_or_an_event_handler():
    offending = []
    for template in sorted((BASE_DIR / "templates").rglob("*.html")):
        if "emails" in template.parts or template.name == "500.html":
            continue  # e-mails are not pages; the 500 page's style is allowed by its hash
        text = template.read_text()
        for pattern in (
            r"<style(?![^>]*csp_nonce_attr)[^>]*>",
            r"<script(?![^>]*(csp_nonce_attr|src=))[^>]*>",
            r"\sstyle=",
            r"\son[a-z]+=",
            r"javascript:",
        ):
            if re.search(pattern, text):
                offending.append(f"{template.relative_to(BASE_DIR)}: {pattern}")
    assert offending == []


def test_the_500_page_s_own_style_is_allowed_by_its_hash(settings):
    page = get_template("500.html").render()
    (style,) = re.findall(r"<style>(.*?)</style>", page, re.S)
    hashes = inline_style_hashes(ERROR_PAGE)

    assert len(hashes) == 1
    assert hashes[0] in settings.SECURE_CSP["style-src"]
    assert style in ERROR_PAGE.read_text()


def test_a_report_uri_is_added_only_when_configured():
    assert "report-uri" not in content_security_policy(error_page=ERROR_PAGE)
    policy = content_security_policy(error_page=ERROR_PAGE, report_uri="/csp-reports")
    assert policy["report-uri"] == ["/csp-reports"]


def test_in_report_only_mode_the_policy_is_reported_not_enforced(admin_client, settings):
    with override_settings(SECURE_CSP={}, SECURE_CSP_REPORT_ONLY=settings.SECURE_CSP):
        response = admin_client.get(reverse("reports:report"))

    assert "Content-Security-Policy" not in response
    assert "'nonce-" in response["Content-Security-Policy-Report-Only"]


def test_the_report_only_setting_swaps_the_headers():
    code = (
        "import os; os.environ['DEBUG']='True'; os.environ['GYM_CSP_REPORT_ONLY']='True';"
        "from gymbooking import settings as s;"
        "print(bool(s.SECURE_CSP), bool(s.SECURE_CSP_REPORT_ONLY))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, capture_output=True, text=True, check=True
    )

    assert out.stdout.split() == ["False", "True"]


def test_pages_say_which_browser_features_they_use_and_keep_their_window_and_referrer(client):
    response = client.get(reverse("login"))

    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_calendar_feed_is_never_stored_and_keeps_its_own_referrer_policy(client, member):
    response = client.get(reverse("members:calendar_feed", args=[member.calendar_token]))

    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
