"""Every change of a login's second factor, one function each: the one place a security log
hooks into. Nothing else creates, confirms or deletes a login's devices or recovery codes."""

from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.sessions import end_sessions

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "Recovery codes"


def confirm_device(user, device: TOTPDevice, *, keep_session: str | None) -> list[str]:
    """The authenticator app gave a right code: it is confirmed, the login gets its recovery
    codes (returned, to be shown once), and its other sessions end (they signed in without
    the second factor the login now has)."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _replace_recovery_codes(user)
    end_sessions(user.pk, keep=keep_session)
    return codes


def renew_recovery_codes(user) -> list[str]:
    """A new set of recovery codes; the old ones stop working."""
    with transaction.atomic():
        return _replace_recovery_codes(user)


def use_recovery_code(device: StaticDevice, code: str) -> bool:
    """Spends one recovery code of `device` (django-otp deletes it as it accepts it; a wrong
    one counts against the device's throttle). Call inside a transaction, the device
    locked."""
    return device.verify_token(code)


def remove_devices_by_staff(user, *, by) -> int:
    """Staff removed the login's second factor (a lost phone): every device goes and its
    sessions end, so it enrols again at its next sign-in. `by` is who did it."""
    removed = _delete_devices(user)
    end_sessions(user.pk)
    return removed


def turn_off(user) -> int:
    """The login turned its second factor off itself (allowed only where not required)."""
    return _delete_devices(user)


def _replace_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _delete_devices(user) -> int:
    with transaction.atomic():
        removed = 0
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
            removed += 1
        return removed
