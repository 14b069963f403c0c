"""The member's shop: what the gym sells — packs and membership plans — and what each
includes. Where online payment is configured each pack has a "Buy online" button and each
plan a "Join online" one, unless she is a member already (`payments`); otherwise they are
sold at the front desk only, and the page says so."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csp import csp_override, csp_report_only_override
from django.views.decorators.http import require_GET

from members.decorators import member_required
from members.repositories import live_membership
from sales.models import MembershipPlan
from sales.queries import packs_on_sale
from sales.wording import plan_summary

# "Buy online" is answered with a redirect to Stripe's hosted page, which the browser follows
# only if the page's policy lets its forms lead there.
STRIPE_CHECKOUT = "https://checkout.stripe.com"


def _forms_may_lead_to_checkout(policy: dict) -> dict:
    if not policy:
        return policy
    return {**policy, "form-action": [*policy.get("form-action", []), STRIPE_CHECKOUT]}


@require_GET
@member_required
@csp_override(_forms_may_lead_to_checkout(settings.SECURE_CSP))
@csp_report_only_override(_forms_may_lead_to_checkout(settings.SECURE_CSP_REPORT_ONLY))
def shop(request: HttpRequest) -> HttpResponse:
    online = bool(settings.STRIPE_SECRET_KEY)
    plans = MembershipPlan.objects.filter(is_active=True).order_by("price", "name", "id")
    member = live_membership(request.member.pk) is not None
    return render(
        request,
        "sales/shop.html",
        {
            "packs": packs_on_sale(),
            "plans": [(plan, plan_summary(plan)) for plan in plans],
            "online": online,
            "is_member": member,
            "may_join_online": online and not member,
        },
    )
