"""Two-factor helpers for the web tests: an authenticator app enrolled for a login, its
current code, and a test client signed in with the second factor given."""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def enrolled_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def code_of(device: TOTPDevice) -> str:
    """The code the app shows now, computed from the device's key as an app does."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def next_code_of(device: TOTPDevice) -> str:
    """The code the app will show in the next period (accepted now: one step of tolerance),
    for a second verification inside one period, where the current code is spent."""
    device.refresh_from_db()
    app = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    app.time = time.time() + device.step
    return f"{app.token():06d}"


def sign_in_verified(client, user, device: TOTPDevice | None = None):
    """`client` signed in as `user`, the session verified with the login's app."""
    device = device or TOTPDevice.objects.filter(user=user).first() or enrolled_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
