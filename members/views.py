"""The member's own pages: sign-up, credits, her home gym and the calendar feed.

Signing in and out, and changing or resetting a password, are Django's auth views (under
`accounts/`) with the templates in templates/registration/.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from domain.exceptions import DomainException, EmailAlreadyRegisteredException
from gymbooking.composition import services
from members import calendar as feed
from members import signups
from members.decorators import member_required, no_member_profile
from members.forms import AccountSetupForm, HomeLocationForm, SignUpForm
from members.logins import normalised_login
from members.models import Member
from members.queries import (
    attach_login,
    choose_home_location,
    credits_overview,
    member_by_calendar_token,
    upcoming_spot_holding_bookings,
)
from members.sessions import end_sessions
from members.throttling import form_rate_limited, lift_lockout
from web import formatting


@require_http_methods(["GET", "POST"])
@form_rate_limited("signup")
def signup(request: HttpRequest) -> HttpResponse:
    """Self sign-up, when the gym allows it: nothing is created but a pending sign-up, whose
    link the mail workers send to the address (members/signups.py); the page then says
    "check your inbox", the same whether or not the address has an account."""
    if not settings.GYM_SELF_SIGNUP:
        raise Http404("Sign-up is closed; ask the front desk for an account.")
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            pending = signups.hold(data["name"], data["email"], data["password1"])
            if pending is not None:
                services().request_sign_up.execute(
                    pending.pk,
                    pending.email,
                    site=get_current_site(request).domain,
                    secure=request.is_secure(),
                )
        context = {**_sign_up_limits(), "email": data["email"]}
        return render(request, "members/signup_sent.html", context)
    return render(request, "members/signup.html", {"form": form})


def _sign_up_limits() -> dict:
    return {
        "link_hours": settings.GYM_SIGNUP_LINK_HOURS,
        "mails_per_hour": settings.GYM_SIGNUP_MAILS_PER_ADDRESS,
    }


@require_http_methods(["GET", "POST"])
def confirm_signup(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The e-mailed link: a GET shows a button (mail scanners open links, and must not create
    accounts), its POST creates the account, signs her in and welcomes her. A link used,
    expired or altered, or whose address got an account meanwhile, says so and what to do."""
    if not settings.GYM_SELF_SIGNUP:
        raise Http404("Sign-up is closed; ask the front desk for an account.")
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    pending = signups.pending_from_link(uidb64, token)
    if pending is None:
        return render(request, "members/signup_link_invalid.html", _sign_up_limits())
    if request.method == "GET":
        return render(request, "members/signup_confirm.html", {"pending": pending})
    try:
        member, user = signups.confirm(pending, services().register_member)
    except EmailAlreadyRegisteredException:
        return render(request, "members/signup_account_exists.html", {"email": pending.email})
    login(request, user, backend="members.auth.EmailBackend")
    messages.success(request, _welcome(member.name, member.grants))
    return redirect(settings.LOGIN_REDIRECT_URL)


@require_POST
@login_required
def set_up_account(request: HttpRequest) -> HttpResponse:
    """A login without a member becomes a member of its address (with the welcome
    credits), when the gym allows sign-up; the login was proved by signing in. Such a login
    is made only by staff now (a sign-up makes its login and member together, through the
    e-mailed link), so its address is the one staff gave it: no link is asked for here."""
    if not settings.GYM_SELF_SIGNUP:
        raise Http404("Sign-up is closed; ask the front desk for an account.")
    user = request.user
    if user.is_staff or Member.objects.filter(user=user).exists():
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = AccountSetupForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                member = services().register_member.execute(
                    form.cleaned_data["name"], user.get_username()
                )
                attach_login(member.id, user)
        except DomainException as refusal:
            messages.error(request, f"{refusal} Ask the front desk to link your login.")
        else:
            messages.success(request, _welcome(member.name, member.grants))
            return redirect(settings.LOGIN_REDIRECT_URL)
    return no_member_profile(request, form)


def _welcome(name: str, grants) -> str:
    first_name = name.split()[0] if name.split() else name
    credits = sum(grant.amount for grant in grants)
    if not credits:
        return f"Welcome, {first_name}! Your account is ready."
    welcome = formatting.count(credits, "welcome credit", "welcome credits")
    return f"Welcome, {first_name}! You have {welcome} to book your first class."


@require_GET
@member_required
def credits(request: HttpRequest) -> HttpResponse:
    overview = credits_overview(request.member, timezone.now())
    return render(request, "members/credits.html", {"overview": overview})


@require_http_methods(["GET", "POST"])
@member_required
def home_location(request: HttpRequest) -> HttpResponse:
    """Her home gym, whose schedule opens first. A choice that is no gym's is refused on the
    form and changes nothing."""
    member = request.member
    form = HomeLocationForm(request.POST or None, initial={"home_location": member.home_location})
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["home_location"]
        choose_home_location(member, chosen)
        if chosen is None:
            messages.success(
                request, "You have no home gym: the schedule opens at the first gym by name."
            )
        else:
            messages.success(request, f"Your home gym is {chosen.name}: the schedule opens there.")
        return redirect("members:home_location")
    return render(request, "members/home_location.html", {"form": form})


@require_GET
@member_required
def calendar(request: HttpRequest) -> HttpResponse:
    path = reverse("members:calendar_feed", args=[request.member.calendar_token])
    feed_url = request.build_absolute_uri(path)
    webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    return render(
        request,
        "members/calendar.html",
        {"feed_url": feed_url, "webcal_url": webcal_url},
    )


@require_POST
@member_required
def reset_calendar_token(request: HttpRequest) -> HttpResponse:
    feed.reset_calendar_token(request.member)
    messages.success(
        request,
        "Your calendar has a new address; the old one no longer works. "
        "Subscribe again with the new one.",
    )
    return redirect("members:calendar")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed. No sign-in: calendar apps fetch it on their own; the token in the
    URL is the secret."""
    member = member_by_calendar_token(token)
    if member is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    body = feed.build_calendar(member, upcoming_spot_holding_bookings(member, now), now)
    response = HttpResponse(body, content_type=feed.CONTENT_TYPE)
    response["Content-Disposition"] = 'inline; filename="gymbooking.ics"'
    # The URL is a secret: keep it out of shared caches and referrers.
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@method_decorator(form_rate_limited("password-reset"), name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, whose e-mail the mail workers send: the answer is the same
    whether or not the address has a login, and never waits on the mail server."""

    def form_valid(self, form) -> HttpResponse:
        services().request_password_reset.execute(
            normalised_login(form.cleaned_data["email"]),
            site=get_current_site(self.request).domain,
            secure=self.request.is_secure(),
        )
        return HttpResponseRedirect(self.get_success_url())


def _record_password_change(request: HttpRequest, user, *, by_reset: bool) -> None:
    services().record_password_change.execute(
        user.pk,
        site=get_current_site(request).domain,
        secure=request.is_secure(),
        by_reset=by_reset,
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page (which keeps this session and ends the others, their password hash
    being stale), with the notice e-mail recorded for the mail workers."""

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        _record_password_change(self.request, form.user, by_reset=False)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's page behind a reset link; a new password also lifts the login's lockout
    (the reset link proved the address) and is told to its owner by e-mail."""

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        lift_lockout(form.user.get_username())
        _record_password_change(self.request, form.user, by_reset=True)
        return response


@require_POST
@login_required
def sign_out_other_sessions(request: HttpRequest) -> HttpResponse:
    """Ends every other session of this login (another phone, a shared computer)."""
    ended = end_sessions(request.user.pk, keep=request.session.session_key)
    if ended:
        messages.success(
            request,
            f"Signed out of {formatting.count(ended, 'other session', 'other sessions')}.",
        )
    else:
        messages.info(request, "You were not signed in anywhere else.")
    return redirect("password_change")
