"""Staff recovery of a lost phone: "Two-factor devices" lists each login's authenticator app
(never its secret); deleting one removes every device of that login, recovery codes too, and
ends its sessions, so it enrols again at its next sign-in (changes.remove_devices_by_staff).

Who may: superusers, and the Manager group (it holds the view and delete permissions, given
by members' migration 0012). Only a superuser may remove a superuser's. Nobody adds or edits
a device here: a device is only ever set up by its owner, with a code from the app.
django-otp's own device admins, which can show the secret, are unregistered.
"""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.two_factor import changes

for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(TOTPDevice)
class TwoFactorDeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields
    ordering = ("user__username", "pk")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        """A superuser's devices are only a superuser's business."""
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.exclude(user__is_superuser=True)

    def delete_model(self, request, obj) -> None:
        self._remove(request, [obj])

    def delete_queryset(self, request, queryset) -> None:
        self._remove(request, queryset.select_related("user"))

    def _remove(self, request, devices) -> None:
        for user in {device.user for device in devices}:
            changes.remove_devices_by_staff(user)
