"""The authenticator app being set up: one unconfirmed device per login (the same QR code
however often the page is reloaded), shown as a QR code and as its secret for typing in."""

from base64 import b32encode

import segno
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

APP_DEVICE_NAME = "Authenticator app"


def pending_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def qr_code(device: TOTPDevice) -> SafeString:
    """The device's otpauth:// address as an inline SVG: no script, no image request, nothing
    for the Content-Security-Policy to refuse. segno writes only its own markup (the address
    is encoded in the modules, never as text), so it is safe to insert."""
    qr = segno.make(device.config_url, error="m")
    return mark_safe(qr.svg_inline(scale=5, svgclass="qr-code", title="QR code for your app"))


def secret(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four letters, for typing into the app."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
