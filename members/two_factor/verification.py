"""Checking a code against a login's devices, and marking a session as verified.

A six-digit code is tried against the authenticator app, anything else against the recovery
codes. Each device keeps django-otp's throttle (a wrong code doubles the wait before the next
try); a code given while the device waits is refused without being tried, as `Throttled`.
"""

from datetime import datetime

from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.sessions import SignedInSession
from members.two_factor import changes


class Throttled(Exception):
    """Too many wrong codes: no code is tried before `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until)
        self.until = until


def is_app_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


def check_code(user, code: str, *, confirmed: bool = True):
    """The device that accepts `code` (consuming it if it is a recovery code), or None.
    `confirmed=False` checks the app being enrolled instead. Raises `Throttled`."""
    model = TOTPDevice if is_app_code(code) or not confirmed else StaticDevice
    with transaction.atomic():
        devices = model.objects.devices_for_user(user, confirmed=confirmed).select_for_update()
        for device in devices.order_by("pk"):
            allowed, details = device.verify_is_allowed()
            if not allowed:
                raise Throttled(details["locked_until"])
            if model is StaticDevice:
                accepted = changes.use_recovery_code(device, code)
            else:
                accepted = device.verify_token(code)
            if accepted:
                return device
    return None


def mark_verified(request: HttpRequest, device) -> None:
    """The session gave its second factor: it is verified, under a new session key (so a key
    learned before cannot ride on it), still noted as the login's session."""
    old_key = request.session.session_key
    otp_login(request, device)
    request.session.cycle_key()
    SignedInSession.objects.filter(session_key=old_key).update(
        session_key=request.session.session_key
    )


def recovery_codes_left(user) -> int:
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return device.token_set.count() if device is not None else 0
