"""The two-factor pages under accounts/two-factor/: the overview, enrolling an app, giving a
code after signing in, new recovery codes, and turning it off (where it is not required).

Who reaches them is the middleware's rule: enrol and verify are open to a signed-in login that
has not given its second factor yet; the others need a verified session once a login has a
device.
"""

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice

from members import security_log
from members.two_factor import changes, enrolment, policy
from members.two_factor.forms import AppCodeForm, CodeForm, TurnOffForm
from members.two_factor.verification import (
    Throttled,
    check_code,
    mark_verified,
    recovery_codes_left,
)
from web import formatting

WRONG_CODE = (
    "That code is not right. Check that the app shows the code for gymbooking and type it "
    "before it changes; a recovery code works only once."
)


def _next_url(request: HttpRequest) -> str:
    """Where to go afterwards: `next` if it is a page of this site, else the home page."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if (
        url
        and url.isprintable()
        and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _posted(request: HttpRequest):
    """The form's data on a POST (even an empty one, which is then refused), else None."""
    return request.POST if request.method == "POST" else None


def _throttled(throttle: Throttled) -> str:
    seconds = max(1, math.ceil((throttle.until - timezone.now()).total_seconds()))
    wait = formatting.count(seconds, "second", "seconds")
    return f"Too many wrong codes: try again in {wait}. Each wrong code doubles the wait."


def _check(request: HttpRequest, form, **kwargs):
    """The device accepting the form's code, or None with the reason added to the form."""
    try:
        device = check_code(request.user, form.cleaned_data["code"], **kwargs)
    except Throttled as throttle:
        form.add_error("code", _throttled(throttle))
        return None
    if device is None:
        form.add_error("code", WRONG_CODE)
        if kwargs.get("confirmed", True):  # not an app still being set up
            security_log.on_second_factor_failed(request)
    return device


def _show_recovery_codes(request: HttpRequest, codes: list[str]) -> HttpResponse:
    context = {"codes": codes, "next": _next_url(request)}
    return render(request, "two_factor/recovery_codes_shown.html", context)


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "has_device": policy.has_second_factor(user),
        "required": policy.is_required(user),
        "codes_left": recovery_codes_left(user),
    }
    return render(request, "two_factor/overview.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Scan or type the secret, then prove it with a code: the device is confirmed, this
    session verified, and the recovery codes shown once."""
    user = request.user
    if policy.has_second_factor(user):
        return redirect("two_factor:overview")
    device = enrolment.pending_device(user)
    form = AppCodeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        accepted = _check(request, form, confirmed=False)
        if accepted is not None:
            mark_verified(request, accepted)
            session = request.session.session_key
            return _show_recovery_codes(
                request, changes.confirm_device(user, accepted, keep_session=session)
            )
    context = {
        "form": form,
        "qr_code": enrolment.qr_code(device),
        "secret": enrolment.secret(device),
        "required": policy.is_required(user),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "two_factor/enrol.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, or a recovery code."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not policy.has_second_factor(user):
        return redirect("two_factor:enrol" if policy.is_required(user) else _next_url(request))
    form = CodeForm(_posted(request))
    if request.method == "POST" and form.is_valid() and (device := _check(request, form)):
        mark_verified(request, device)
        if isinstance(device, StaticDevice):
            left = recovery_codes_left(user)
            messages.warning(
                request,
                f"You signed in with a recovery code; {left} left. "
                "Make new ones on the two-factor page if you are running out.",
            )
        return redirect(_next_url(request))
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    return render(request, "two_factor/verify.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def new_recovery_codes(request: HttpRequest) -> HttpResponse:
    """Ten new recovery codes for a current code; the old ones stop working."""
    user = request.user
    if not policy.has_second_factor(user):
        return redirect("two_factor:overview")
    form = CodeForm(_posted(request))
    if request.method == "POST" and form.is_valid() and _check(request, form):
        return _show_recovery_codes(request, changes.renew_recovery_codes(user))
    return render(request, "two_factor/new_recovery_codes.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def turn_off(request: HttpRequest) -> HttpResponse:
    """A member who turned it on may turn it off, with a current code or her password; a
    login the setting requires it of may not (403)."""
    user = request.user
    if not policy.has_second_factor(user):
        return redirect("two_factor:overview")
    if policy.is_required(user):
        return render(request, "two_factor/turn_off.html", {"required": True}, status=403)
    form = TurnOffForm(_posted(request))
    if request.method == "POST" and form.is_valid() and _proves_owner(request, form):
        changes.turn_off(user)
        messages.success(request, "Two-factor sign-in is off: your password alone signs you in.")
        return redirect("two_factor:overview")
    return render(request, "two_factor/turn_off.html", {"form": form})


def _proves_owner(request: HttpRequest, form: TurnOffForm) -> bool:
    if form.cleaned_data["code"]:
        return _check(request, form) is not None
    if request.user.check_password(form.cleaned_data["password"]):
        return True
    form.add_error("password", "That is not your password.")
    return False
