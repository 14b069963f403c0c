"""A browser for the system tests: its requests reach the nodes through the TLS proxy, which
says so with X-Forwarded-Proto and names the client's address in X-Forwarded-For (the
header GYM_CLIENT_IP_HEADER makes the site trust). One cookie jar, whichever node answers;
forms posted with the page's CSRF token and the Origin a browser sends; redirects followed;
an error status is a page like any other, with its headers."""

import re
from dataclasses import dataclass
from email.message import Message
from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.error import HTTPError
from urllib.parse import urlencode, urljoin, urlsplit
from urllib.request import HTTPCookieProcessor, Request, build_opener, urlopen

from tests.system.conftest import PASSWORD

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class BehindTheProxy(DefaultCookiePolicy):
    """The TLS proxy speaks HTTPS to the browser and plain HTTP to the nodes: the browser's
    Secure cookies (session, CSRF) reach the nodes through it."""

    def return_ok_secure(self, cookie, request) -> bool:
        return True


@dataclass(frozen=True)
class Page:
    url: str
    status: int
    body: str
    headers: Message


def _read(opener_open, request, timeout: float) -> Page:
    try:
        with opener_open(request, timeout=timeout) as response:
            return Page(response.url, response.status, response.read().decode(), response.headers)
    except HTTPError as error:
        with error:
            return Page(error.url, error.code, error.read().decode(), error.headers)


class Browser:
    def __init__(self, client_ip: str = "203.0.113.1") -> None:
        self.opener = build_opener(HTTPCookieProcessor(CookieJar(policy=BehindTheProxy())))
        self.opener.addheaders = [("X-Forwarded-Proto", "https"), ("X-Forwarded-For", client_ip)]

    def get(self, url: str) -> Page:
        return _read(self.opener.open, url, timeout=10)

    def submit(self, page: Page, action: str, fields: dict[str, str] | None = None) -> Page:
        """POST a form of `page` to `action`, as a click on its button does."""
        token = CSRF_TOKEN.search(page.body)
        assert token, f"no CSRF token on {page.url}"
        origin = "https://" + urlsplit(page.url).netloc
        request = Request(
            urljoin(page.url, action),
            data=urlencode({"csrfmiddlewaretoken": token.group(1), **(fields or {})}).encode(),
            headers={"Origin": origin},
        )
        return _read(self.opener.open, request, timeout=10)

    def sign_in(self, node_url: str, email: str, password: str = PASSWORD) -> Page:
        form = self.get(node_url + "/accounts/login/")
        return self.submit(form, "/accounts/login/", {"username": email, "password": password})


def probe(url: str, **headers: str) -> Page:
    """A plain-HTTP request at a node's own address, as a load balancer or Prometheus sends."""
    return _read(urlopen, Request(url, headers=headers), timeout=5)
