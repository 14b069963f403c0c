"""Admin for members and their credit ledger.

Credits are never typed into a field: staff grant them with the "Grant credits…" action, which
calls `AddCreditsUseCase`, and the ledger (one row per grant, spent down by bookings) is shown
read-only. Balances are computed in the list's own query, never one query per row.

A member's page also shows their bookings and waitlist places (read-only), and whether booking
is paused after repeated no-shows; "Lift the booking pause" ends a pause through
`ResumeBookingsUseCase`. The pause itself is never a field staff type into.

A member and her login go together (members/accounts.py): unticking "active" deactivates
both; a member without a login gets one from her page ("Create or link a login…"); deleting a
member deletes her login, and a member with history is never deleted (her personal data is
erased instead). The login admin (members/admin_logins.py) refuses to delete a member's login.

Permissions (see the staff groups in members/migrations/0004_staff_groups.py): granting
credits needs `members.add_creditgrant` (the ledger cannot be added to by hand, so this is
what the permission means); lifting a pause and giving a login need `members.change_member`.
"Sell a pack…" hands one member to the sale's page in sales/admin.py (`sales.add_purchase`),
"Start a membership…" to the membership's in sales/admin_memberships.py
(`members.add_membership`); her memberships are listed on her page, read-only.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from bookings.models import Booking, WaitlistEntry
from bookings.queries import waitlist_position
from bookings.wording import credit_note
from domain.exceptions import (
    DomainException,
    EmailAlreadyRegisteredException,
    InvalidEmailException,
)
from gymbooking.composition import services
from locations.scoping import LocationScopedInline, WorkplaceFilter, workplaces_and
from members import accounts
from members.admin_erasure import MemberErasureAdmin
from members.admin_filters import BookingPauseFilter, GrantExpiryFilter
from members.models import CreditGrant, Member, Membership
from members.queries import (
    attach_login,
    choose_home_location,
    expiry_note,
    with_spendable_credits,
)
from members.repositories import membership_to_entity
from members.sales_summary import sales_lines
from web import formatting
from web.admin_actions import (
    ReadOnlyAdminMixin,
    RefusedSave,
    UseCaseSaveMixin,
    ask_then_run_for_each,
    form_page,
    run_for_each,
    user_may,
)
from web.admin_inlines import BoundedInline
from web.admin_lists import EstimatedCountPaginator

# A member's page shows this many rows of each history; the rest are a link away.
HISTORY_ROWS = 20


class MemberHistoryInline(BoundedInline):
    """One of a member's histories: its first rows, and a link to all of hers."""

    max_rows = HISTORY_ROWS
    parent_field = "member"


class CreditGrantInline(MemberHistoryInline):
    model = CreditGrant
    full_list = "admin:members_creditgrant_changelist"
    full_list_label = "her credit grants"
    verbose_name = "credit grant"
    # Latest expiry first, so that a long ledger's first rows are the grants she holds now.
    verbose_name_plural = "credit grants (latest expiry first; credit is spent from the soonest)"
    fields = ("amount", "remaining", "granted_at", "expires_at", "reason", "expired")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-expires_at", "-granted_at", "-id")

    @admin.display(description="expired")
    def expired(self, grant: CreditGrant) -> str:
        """As the member's credits page says it."""
        return expiry_note(grant, timezone.now()) or "—"


class MembershipInline(MemberHistoryInline):
    model = Membership
    full_list = "admin:members_membership_changelist"
    full_list_label = "her memberships"
    verbose_name_plural = "memberships (freeze, cancel and renew from the membership's page)"
    fields = ("plan_name", "status", "period_start", "period_end", "cancel_at_period_end")
    readonly_fields = fields

    @admin.display(description="status")
    def status(self, membership: Membership) -> str:
        return membership_to_entity(membership).status_on(timezone.localdate()).label


class ClassColumns:
    """Columns naming the class a member's booking or waitlist entry is for."""

    @admin.display(description="class starts")
    def class_starts(self, row) -> str:
        return formatting.staff_time_with_year(
            row.fitness_class.starts_at, row.fitness_class.time_zone
        )


class BookingHistoryInline(LocationScopedInline, ClassColumns, MemberHistoryInline):
    model = Booking
    location_path = "fitness_class__location"
    full_list = "admin:bookings_booking_changelist"
    full_list_label = "her bookings"
    verbose_name = "booking"
    verbose_name_plural = "bookings (latest class first)"
    fields = (
        "fitness_class",
        "class_starts",
        "status",
        "credit",
        "created_at",
        "cancellation_reason",
    )
    readonly_fields = fields

    @admin.display(description="credit")
    def credit(self, booking: Booking) -> str:
        """What became of the credit, from the ledger, as the member's pages say it."""
        if booking.credit_grant_id is None:
            return "none spent (her membership paid)" if booking.membership_id else "none spent"
        return credit_note(booking) or "spent"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("member", "fitness_class__location")  # both name each row
            .order_by("-fitness_class__starts_at", "-created_at", "-id")
        )


class WaitlistPlacesInline(LocationScopedInline, ClassColumns, MemberHistoryInline):
    model = WaitlistEntry
    location_path = "fitness_class__location"
    full_list = "admin:bookings_waitlistentry_changelist"
    full_list_label = "her waitlist places"
    verbose_name = "waitlist place"
    verbose_name_plural = "waitlist places"
    fields = ("fitness_class", "class_starts", "position", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("member", "fitness_class__location")  # both name each row
            .annotate(position_in_line=waitlist_position())
            .order_by("fitness_class__starts_at", "fitness_class_id")
        )

    @admin.display(description="position")
    def position(self, entry: WaitlistEntry) -> int | None:
        return getattr(entry, "position_in_line", None)


class GrantCreditsForm(forms.Form):
    # Deliberately no bounds here: the use case decides what a valid grant is, and its
    # refusal is shown to staff as it is written in the domain.
    amount = forms.IntegerField(help_text="Credits to add to each selected member.")
    expiry_days = forms.IntegerField(
        initial=30, label="Expires after (days)", help_text="The credits expire after this."
    )
    reason = forms.CharField(
        max_length=200, required=False, help_text="Shown in the ledger, e.g. “10-class pack”."
    )


class GiveLoginForm(forms.Form):
    send_link = forms.BooleanField(
        required=False,
        initial=True,
        label="E-mail a link to choose a password",
        help_text="Otherwise she uses “Forgot your password?” on the sign-in page.",
    )


class RefusedDeletion(Exception):
    def __init__(self, refusal: DomainException) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal


@admin.register(Member)
class MemberAdmin(MemberErasureAdmin, UseCaseSaveMixin, admin.ModelAdmin):
    list_display = ("name", "email", "credit_balance", "joined_at", "is_active")
    list_filter = (BookingPauseFilter, "is_active", ("home_location", WorkplaceFilter))
    search_fields = ("name", "email")
    ordering = ("name", "id")
    fields = (
        "name",
        "email",
        "user",
        "login",
        "is_active",
        "home_location",
        "credit_balance",
        "booking_pause",
        "joined_at",
        "sales",
    )
    readonly_fields = ("credit_balance", "booking_pause", "joined_at", "login", "sales")
    raw_id_fields = ("user",)
    inlines = (CreditGrantInline, BookingHistoryInline, WaitlistPlacesInline, MembershipInline)
    actions = (
        "grant_credits",
        "sell_pack",
        "start_membership",
        "lift_booking_pause",
        "erase_personal_data",
    )
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Member]:
        return with_spendable_credits(super().get_queryset(request), timezone.now())

    def get_form(self, request, obj=None, change=False, **kwargs):
        """Members are the chain's, but a desk offers as home gyms only its own locations
        (and the one she has)."""
        form = super().get_form(request, obj, change=change, **kwargs)
        if "home_location" in form.base_fields:
            kept = obj.home_location if obj is not None else None
            form.base_fields["home_location"].queryset = workplaces_and(request.user, kept)
        return form

    @admin.display(description="Spendable credits", ordering="spendable_credits")
    def credit_balance(self, member: Member) -> int:
        return getattr(member, "spendable_credits", 0)

    @admin.display(description="Booking paused until")
    def booking_pause(self, member: Member) -> str:
        until = member.bookings_paused_until
        if until is None:
            return "Not paused"
        shown = formatting.staff_time_with_year(until)
        if until <= timezone.now():
            return f"Not paused (the last pause ended {shown})"
        return f"{shown} — “Lift the booking pause” ends it now"

    @admin.display(description="Sales")
    def sales(self, member: Member) -> str:
        """Her membership, purchases and fees owed, read-only (members/sales_summary.py)."""
        lines = sales_lines(member, timezone.localdate())
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    @admin.display(description="Login")
    def login(self, member: Member) -> str:
        if member.pk is None:
            return "Made with the member, named by her e-mail address (unless one is chosen)."
        if member.user_id is not None:
            state = "" if member.user.is_active else " (deactivated)"
            return f"Signs in as {member.user.get_username()}{state}."
        return format_html(
            'No login: she cannot sign in. <a href="{}">Create or link a login…</a>',
            reverse("admin:members_member_give_login", args=[member.pk]),
        )

    def get_fields(self, request, obj=None):
        if obj is None:  # a new member: her login is chosen or made with her
            return ("name", "email", "user", "home_location")
        return tuple(name for name in self.fields if name != "user")

    def get_readonly_fields(self, request, obj=None):
        """An existing member's e-mail is their login and their login is who they are on the
        site: neither is retyped here (a typo would lock them out or hand their bookings to
        someone else)."""
        fields = super().get_readonly_fields(request, obj)
        return fields if obj is None else (*fields, "email", "user")

    def save_model(self, request, obj, form, change):
        """A new member is registered through `RegisterMemberUseCase`, as a sign-up is (the
        gym's welcome credits; an address no member or login uses), then linked to the login
        chosen or, when none is, to a login for their e-mail with a random password (a new
        one, or one left behind by no member), so "Forgot your password?" lets them in. A
        refusal rolls the addition back and is shown on the form (see `UseCaseSaveMixin`).
        An existing member's name is saved as typed; unticking (or ticking) "active"
        deactivates (or reactivates) her login with her."""
        if change:
            super().save_model(request, obj, form, change)
            if "is_active" in form.changed_data:  # hers and her login's together
                accounts.set_active(member=obj, active=obj.is_active)
            return
        try:
            member = services().register_member.execute(obj.name, obj.email)
        except DomainException as refusal:
            about_email = (EmailAlreadyRegisteredException, InvalidEmailException)
            raise RefusedSave(
                "email" if isinstance(refusal, about_email) else None, refusal
            ) from refusal
        login = obj.user or accounts.login_for_new_member(member.name, str(member.email), None)
        attach_login(member.id, login)
        obj.pk = member.id
        choose_home_location(obj, obj.home_location)  # the registration knows no locations
        obj.refresh_from_db()

    def get_inlines(self, request, obj):
        # A member being created has no ledger yet.
        return self.inlines if obj is not None else ()

    # --- Deleting: a member with no history, and her login with her ---------------------------

    def delete_view(self, request, object_id, extra_context=None):
        """A member with history is refused with a message pointing to erasure, before the
        confirmation page and again, under her row lock, when the deletion is posted; staff
        go back to her page and nothing is deleted."""
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_delete_permission(request, obj):
            try:
                accounts.ensure_deletable(obj)
            except DomainException as refusal:
                return self._refused(request, obj, refusal)
        try:
            return super().delete_view(request, object_id, extra_context)
        except RefusedDeletion as refused:
            return self._refused(request, obj, refused.refusal)

    def delete_model(self, request, obj):
        """The member and her login (a staff login only loses its member)."""
        try:
            accounts.delete_member(obj.pk)
        except DomainException as refusal:
            raise RefusedDeletion(refusal) from refusal

    def get_deleted_objects(self, objs, request):
        """The confirmation page lists her login too: it is deleted with her."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        logins = [obj.user for obj in objs if obj.user and not obj.user.is_staff]
        protected = [item for item in protected if item not in logins]
        if logins:
            deleted = [*deleted, *(f"Login: {login.get_username()}" for login in logins)]
        return deleted, model_count, perms_needed, protected

    def _refused(self, request, obj: Member, refusal: DomainException):
        self.message_user(request, str(refusal), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:members_member_change", args=[obj.pk]))

    # --- A login for a member without one ------------------------------------------------------

    def get_urls(self):
        give_login = path(
            "<path:object_id>/login/",
            self.admin_site.admin_view(self.give_login_view),
            name="members_member_give_login",
        )
        return [give_login, *super().get_urls()]

    def give_login_view(self, request: HttpRequest, object_id: str):
        """Create or link the login of a member who has none: her address's login left
        behind (no member's, not staff's) is linked, or a new one is made; she is e-mailed a
        link to choose her password unless staff untick it."""
        member = self.get_object(request, unquote(object_id))
        if member is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, member):
            raise PermissionDenied
        back = reverse("admin:members_member_change", args=[member.pk])
        form = GiveLoginForm(request.POST or None, prefix="action_form")
        if request.method == "POST" and form.is_valid():
            try:
                login, created = accounts.give_login(member.pk)
            except DomainException as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
                return HttpResponseRedirect(back)
            done = "Created the login" if created else "Linked the login"
            text = f"{done} {login.get_username()} for {member.name}."
            if form.cleaned_data["send_link"] and login.is_active:
                services().request_password_reset.execute(
                    login.email or login.get_username(),
                    site=get_current_site(request).domain,
                    secure=request.is_secure(),
                )
                text += " She is e-mailed a link to choose her password."
            self.message_user(request, text, messages.SUCCESS)
            return HttpResponseRedirect(back)
        return form_page(
            self,
            request,
            form,
            title="Create or link a login",
            intro=(
                f"Give {member.name} a login named by her address, {member.email}, so that "
                "she can sign in: a login with that address that no member uses is linked, "
                "otherwise a new one is made."
            ),
            submit_label="Give her a login",
            objects=[str(member)],
            back_url=back,
        )

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        # Bulk deletion would skip the per-member check above.
        actions.pop("delete_selected", None)
        return actions

    def has_grant_credits_permission(self, request: HttpRequest) -> bool:
        """Granting credits adds to the ledger: `members.add_creditgrant`."""
        return user_may(request, CreditGrant, "add_creditgrant")

    def has_sell_pack_permission(self, request: HttpRequest) -> bool:
        """Selling records a purchase: `sales.add_purchase`."""
        return request.user.has_perm("sales.add_purchase")

    def has_start_membership_permission(self, request: HttpRequest) -> bool:
        """Starting a membership adds one: `members.add_membership`."""
        return user_may(request, Membership, "add_membership")

    def has_resume_bookings_permission(self, request: HttpRequest) -> bool:
        """Lifting a no-show pause changes the member: `members.change_member`."""
        return user_may(request, Member, "change_member")

    @admin.action(
        description="Grant credits…",
        permissions=["grant_credits"],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )
    def grant_credits(self, request: HttpRequest, queryset: QuerySet[Member]):
        return ask_then_run_for_each(
            self,
            request,
            queryset,
            GrantCreditsForm,
            lambda member, values: services().add_credits.execute(
                str(member.pk),
                values["amount"],
                expiry_days=values["expiry_days"],
                reason=values["reason"],
            ),
            succeeded=lambda done, values: (
                f"Granted {formatting.count(values['amount'], 'credit', 'credits')} "
                f"to {formatting.count(done, 'member', 'members')}."
            ),
            title="Grant credits",
            intro="Grant credits to these members:",
            submit_label="Grant credits",
        )

    @admin.action(
        description="Sell a pack…",
        permissions=["sell_pack"],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )
    def sell_pack(self, request: HttpRequest, queryset: QuerySet[Member]):
        """One member at a time, on the sale's own page (sales/admin.py), which asks for the
        pack and how she paid."""
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            self.message_user(request, "Sell a pack to one member at a time.", messages.ERROR)
            return None
        sell = reverse("admin:sales_purchase_sell")
        return HttpResponseRedirect(f"{sell}?member={chosen[0].pk}")

    @admin.action(
        description="Start a membership…",
        permissions=["start_membership"],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )
    def start_membership(self, request: HttpRequest, queryset: QuerySet[Member]):
        """One member at a time, on the membership's own page (sales/admin_memberships.py),
        which asks for the plan and how she paid."""
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            self.message_user(request, "Start one membership at a time.", messages.ERROR)
            return None
        start = reverse("admin:members_membership_start")
        return HttpResponseRedirect(f"{start}?member={chosen[0].pk}")

    @admin.action(
        description="Lift the booking pause",
        description_plural="Lift the booking pause of selected members",
        permissions=["resume_bookings"],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )
    def lift_booking_pause(self, request: HttpRequest, queryset: QuerySet[Member]):
        """Members whose booking is paused after no-shows may book again at once; for the
        others nothing changes (the use case makes that call)."""
        run_for_each(
            self,
            request,
            queryset,
            lambda member: services().resume_bookings.execute(str(member.pk)),
            succeeded=lambda done: (
                f"Booking is open again for {formatting.count(done, 'member', 'members')}."
            ),
        )


@admin.register(CreditGrant)
class CreditGrantAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The ledger, read-only: grants come from the "Grant credits…" action and refunds."""

    list_display = ("member", "amount", "remaining", "granted_at", "expires_at", "reason")
    list_filter = (GrantExpiryFilter,)
    list_select_related = ("member",)
    search_fields = ("member__name", "member__email", "reason")
    # No date hierarchy: its links would be a DISTINCT over every grant's date.
    ordering = ("-granted_at", "id")
    # The ledger grows with every purchase and refund: its total is estimated past ten
    # thousand rows, and a filtered list runs no second COUNT.
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    fields = ("member", "amount", "remaining", "granted_at", "expires_at", "reason")
    readonly_fields = fields


# The login admin, which keeps a member's login with her (importing it registers it).
from members import admin_logins  # noqa: E402, F401

# Two-factor devices: staff remove a lost phone's (importing it registers it).
from members.two_factor import admin as two_factor_admin  # noqa: E402, F401
