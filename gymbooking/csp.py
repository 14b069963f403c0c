"""The site's Content-Security-Policy, for `SECURE_CSP` (or its report-only twin).

Nothing inline runs or styles a page without the request's nonce. The one exception is the
500 page, which is rendered without a request (so without a nonce) and carries its own small
stylesheet so it shows even when the static files are the problem: that exact stylesheet is
allowed by its hash, computed here from the template, so editing it cannot break it.
"""

import base64
import hashlib
import re
from pathlib import Path

from django.utils.csp import CSP

_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


def inline_style_hashes(template: Path) -> list[str]:
    """The CSP source of each `<style>` element's text in `template`."""
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"
        for text in _STYLE.findall(template.read_text())
    ]


def content_security_policy(*, error_page: Path, report_uri: str = "") -> dict:
    policy = {
        "default-src": [CSP.SELF],
        "script-src": [CSP.SELF, CSP.NONCE],
        "style-src": [CSP.SELF, CSP.NONCE, *inline_style_hashes(error_page)],
        # The favicon is an empty data: URL (no request for /favicon.ico).
        "img-src": [CSP.SELF, "data:"],
        "font-src": [CSP.SELF],
        "connect-src": [CSP.SELF],
        "object-src": [CSP.NONE],
        "base-uri": [CSP.NONE],
        "form-action": [CSP.SELF],
        "frame-ancestors": [CSP.NONE],
    }
    if report_uri:
        policy["report-uri"] = [report_uri]
    return policy
