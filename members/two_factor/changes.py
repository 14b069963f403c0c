"""Every change of a login's second factor, one function each, and each recorded in the
security log (members/security_log.py). Nothing else creates, confirms or deletes a login's
devices or recovery codes."""

from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from domain.events import (
    RecoveryCodesRenewed,
    RecoveryCodeUsed,
    TwoFactorRemoved,
    TwoFactorTurnedOn,
)
from members import security_log
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
    security_log.record(TwoFactorTurnedOn(**_login(user), occurred_at=timezone.now()))
    return codes


def renew_recovery_codes(user) -> list[str]:
    """A new set of recovery codes; the old ones stop working."""
    with transaction.atomic():
        codes = _replace_recovery_codes(user)
    security_log.record(RecoveryCodesRenewed(**_login(user), occurred_at=timezone.now()))
    return codes


def use_recovery_code(device: StaticDevice, code: str) -> bool:
    """Spends one recovery code of `device` (django-otp deletes it as it accepts it; a wrong
    one counts against the device's throttle). Call inside a transaction, the device
    locked."""
    if not device.verify_token(code):
        return False
    left = device.token_set.count()
    security_log.record(
        RecoveryCodeUsed(**_login(device.user), remaining=left, occurred_at=timezone.now())
    )
    return True


def remove_devices_by_staff(user) -> int:
    """Staff removed the login's second factor (a lost phone): every device goes and its
    sessions end, so it enrols again at its next sign-in. Recorded as done by whoever is
    acting (the staff user in admin; the system from a shell)."""
    removed = _delete_devices(user)
    end_sessions(user.pk)
    _record_removal(user, by_staff=True)
    return removed


def turn_off(user) -> int:
    """The login turned its second factor off itself (allowed only where not required)."""
    removed = _delete_devices(user)
    _record_removal(user, by_staff=False)
    return removed


def _login(user) -> dict:
    return {"user_id": str(user.pk), "username": user.get_username()}


def _record_removal(user, *, by_staff: bool) -> None:
    security_log.record(
        TwoFactorRemoved(**_login(user), by_staff=by_staff, occurred_at=timezone.now())
    )


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
