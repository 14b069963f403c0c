"""Whether members may pay online, for every page: without Stripe configured, packs are
sold at the front desk only and the pages say so."""

from django.conf import settings
from django.http import HttpRequest


def online_payment(request: HttpRequest) -> dict[str, bool]:
    return {"online_payment": bool(settings.STRIPE_SECRET_KEY)}
