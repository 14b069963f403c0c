"""The login admin (Django's users), keeping a member's login with her (members/accounts.py):
deleting a member's login is refused with a message pointing to her page (deactivate her
there, or delete or erase the member), and deactivating a login deactivates its member."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse

from members import accounts
from members.models import Member

User = get_user_model()


class LoginAdmin(UserAdmin):
    list_display = (*UserAdmin.list_display, "is_active", "member_name")
    list_select_related = ("member",)

    @admin.display(description="member", ordering="member__name")
    def member_name(self, user) -> str:
        member = getattr(user, "member", None)
        return member.name if member is not None else "—"

    def delete_view(self, request, object_id, extra_context=None):
        user = self.get_object(request, unquote(object_id))
        if not self.has_delete_permission(request, user):
            raise PermissionDenied  # before saying whose login it is
        member = Member.objects.filter(user=user).first() if user is not None else None
        if member is not None:
            self.message_user(
                request,
                f"{user.get_username()} is the login of the member {member.name}: it is not "
                "deleted on its own. To close her account, untick “active” on her page (the "
                "login is deactivated with her), or delete the member there — her login goes "
                "with her; a member with history has her personal data erased instead.",
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse("admin:members_member_change", args=[member.pk]))
        return super().delete_view(request, object_id, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:  # its member's too
            accounts.set_active(login=obj, active=obj.is_active)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, LoginAdmin)
