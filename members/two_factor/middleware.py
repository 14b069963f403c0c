"""Until a session has given its second factor, a login that needs one reaches only the
two-factor pages, signing in and out, and static files (the probes and /metrics are answered
before any session): without a confirmed device it is sent to enrol, with one to verify, the
page it asked for kept as `next`."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from members.two_factor import policy

# Set on a session whose login has no device: "staff" or "member". Both facts only change
# together with the session (enrolling in another session ends this one, and so does a role
# change), so the queries are made once a session, not on every request.
NO_DEVICE = "gym_two_factor_none"
OPEN_VIEWS = {"logout", "login", "admin:logout", "two_factor:verify", "two_factor:enrol"}


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.resolver_match.view_name in OPEN_VIEWS:
            return None
        if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return None
        has_device = self._has_device(request)
        if has_device is None:
            return None
        page = "two_factor:verify" if has_device else "two_factor:enrol"
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse(page)}?{query}")

    @staticmethod
    def _has_device(request: HttpRequest) -> bool | None:
        """Whether the login has a device, or None when it needs none."""
        kind = request.session.get(NO_DEVICE)
        if kind is None:
            kind = note_devices(request)
            if kind is None:
                return True
        return False if kind == "staff" and settings.GYM_STAFF_MFA_REQUIRED else None


def note_devices(request: HttpRequest, user=None) -> str | None:
    """Notes in the session that the login has no device, and whether it is staff; None (and
    nothing noted) when it has one."""
    user = user or request.user
    if policy.has_second_factor(user):
        request.session.pop(NO_DEVICE, None)
        return None
    kind = "staff" if policy.is_staff_login(user) else "member"
    request.session[NO_DEVICE] = kind
    return kind


@receiver(user_logged_in)
def note_devices_on_sign_in(sender, request, user, **kwargs) -> None:
    """Looked at when signing in (Django keeps a session's data for the same login), so that
    the pages after it need no query for it."""
    if request is not None:
        note_devices(request, user)
