"""The member admin's "Erase personal data…" action: a confirmation page saying, per member,
what the erasure would do, then `EraseMemberUseCase` for each.

Erasure cannot be undone, so it has a permission of its own, `members.erase_member`, which
the Manager group holds and the Front desk does not (members/migrations/0008_member_erasure.py).
A member with a history cannot be deleted; erasing is how staff honour a request to forget
her, while the gym's ledger and past classes stay consistent.
"""

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from gymbooking.composition import services
from members.erasure import erasure_preview
from members.models import Member
from web import formatting
from web.admin_actions import ask, run_for_each, user_may


class ConfirmErasureForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that erasing cannot be undone",
        help_text="Her name, e-mail, login and notices are gone for good.",
    )


def _what_it_does(member: Member) -> str:
    preview = erasure_preview(member, timezone.now())
    return f"{member.name} <{member.email}>: " + "; ".join(preview.lines()) + "."


class MemberErasureAdmin:
    """Mixed into the member admin: the action and the permission it needs."""

    def has_erase_member_permission(self, request: HttpRequest) -> bool:
        """`members.erase_member`, the Manager's."""
        return user_may(request, Member, "erase_member")

    @admin.action(
        description="Erase personal data…",
        permissions=["erase_member"],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )
    def erase_personal_data(self, request: HttpRequest, queryset: QuerySet[Member]):
        _, page = ask(
            self,
            request,
            queryset,
            ConfirmErasureForm,
            title="Erase personal data",
            intro=(
                "Erase these members? Each erasure is one transaction: upcoming bookings "
                "cancelled and refunded, waitlist places left, then her personal data removed."
            ),
            submit_label="Erase personal data",
            label=_what_it_does,
        )
        if page is not None:
            return page
        run_for_each(
            self,
            request,
            queryset,
            lambda member: services().erase_member.execute(str(member.pk)),
            succeeded=lambda done: (
                f"Erased the personal data of {formatting.count(done, 'member', 'members')}."
            ),
        )
        return None
