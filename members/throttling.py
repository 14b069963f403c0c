"""Who a sign-in attempt counts against, and the rate limit of the other anonymous forms.

django-axes counts failed sign-ins per login and per client address (settings'
`AXES_*`); these are the two callables it asks: the login as `EmailBackend` reads it
(normalised, so "Ana@Example.com " and "ana@example.com" are one account), and
the client's address from `GYM_CLIENT_IP_HEADER` only (a proxy's header, never one a client
could add unnoticed), else the connection's.

Password reset requests and sign-ups cost no password check but send mail or create
accounts: `form_rate_limited` lets a client address make a bounded number of such POSTs
per window (a fixed window in Django's cache), answering the rest with a page that says
when to try again, status 429.
"""

import functools
import hashlib
from collections.abc import Callable

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.utils import reset as reset_axes
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from members.logins import normalised_login


def login_name(request: HttpRequest, credentials: dict | None) -> str:
    name = (credentials or {}).get("username")
    if name is None:
        name = request.POST.get("username", "")
    return normalised_login_name(name)


def normalised_login_name(name: object) -> str:
    """A name typed as a login, as it is counted and recorded: stripped, lower-cased,
    printable characters only (PostgreSQL stores no NUL), cut to a login's length (the sign-in
    form does not cut it, and axes' column is not much longer)."""
    printable = "".join(c for c in normalised_login(str(name or "")) if c.isprintable())
    return printable[: _username_length()]


@functools.cache
def _username_length() -> int:
    user = get_user_model()
    return user._meta.get_field(user.USERNAME_FIELD).max_length


def client_ip(request: HttpRequest) -> str:
    header = settings.GYM_CLIENT_IP_HEADER
    if header:
        key = "HTTP_" + header.upper().replace("-", "_")
        # X-Forwarded-For lists every hop: the last address is the one our proxy added.
        forwarded = request.META.get(key, "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


class LockoutBackend(AxesStandaloneBackend):
    """Axes' backend (first in AUTHENTICATION_BACKENDS: it refuses a locked-out attempt before
    any password is checked), noting on the request that it refused: that is how the security
    log tells an attempt refused by a lockout from a wrong password (members/security_log.py)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        try:
            return super().authenticate(request, username, password, **kwargs)
        except AxesBackendPermissionDenied:
            request.gym_refused_by_lockout = True
            raise


def refused_by_lockout(request: HttpRequest | None) -> bool:
    return getattr(request, "gym_refused_by_lockout", False)


def locked_out(request: HttpRequest, original_response, credentials: dict | None) -> HttpResponse:
    """Axes' answer to a locked-out sign-in (member or admin): why, for how long, and the
    way out (a password reset lifts the lockout of the login)."""
    return render(
        request,
        "registration/locked_out.html",
        {
            "username": login_name(request, credentials),
            "lockout_minutes": settings.GYM_LOGIN_LOCKOUT_MINUTES,
        },
        status=429,
    )


def lift_lockout(username: str) -> None:
    """Forgets the failed sign-ins of a login (not of any address)."""
    reset_axes(username=normalised_login(username))


def _over_limit(scope: str, request: HttpRequest) -> bool:
    """Counts this request; True once the address has made more than the limit."""
    address = hashlib.sha256(client_ip(request).encode()).hexdigest()[:32]
    key = f"form-rate:{scope}:{address}"
    window = settings.GYM_FORM_RATE_WINDOW_MINUTES * 60
    if cache.add(key, 1, timeout=window):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.add(key, 1, timeout=window)
        return False
    return count > settings.GYM_FORM_RATE_LIMIT


def form_rate_limited(scope: str) -> Callable:
    """A view decorator: the view's POSTs are limited per client address (GETs are not)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def limited(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST" and _over_limit(scope, request):
                return render(
                    request,
                    "registration/too_many_requests.html",
                    {"window_minutes": settings.GYM_FORM_RATE_WINDOW_MINUTES},
                    status=429,
                )
            return view(request, *args, **kwargs)

        return limited

    return decorator
