"""URL configuration for gymbooking.

Each app has its own namespaced URLs. Static files are served by WhiteNoise's middleware, so
no static route is needed here, in development or in production.
"""

from django.contrib import admin
from django.urls import include, path

from members.views import (
    PasswordChangeView,
    PasswordResetConfirmView,
    PasswordResetView,
    sign_out_other_sessions,
)

urlpatterns = [
    path("admin/", admin.site.urls),
    # Before Django's own: the reset e-mail is sent by the mail workers, the requests are
    # rate-limited, and a changed password is told to its owner by e-mail.
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password_change/", PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/sessions/sign-out-others/",
        sign_out_other_sessions,
        name="sign_out_other_sessions",
    ),
    # Two-factor sign-in: enrol, verify, recovery codes (members/two_factor/).
    path("accounts/two-factor/", include("members.two_factor.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("classes.urls")),
    path("", include("bookings.urls")),
    path("", include("members.urls")),
    path("", include("notifications.urls")),
    path("", include("reports.urls")),
    path("", include("sales.urls")),
    # Buying a pack online, and Stripe's webhook.
    path("", include("payments.urls")),
    path("", include("sales.fee_urls")),
    path("", include("sales.purchase_urls")),
    path("", include("sales.membership_urls")),
    # /health/live, /health/ready and /metrics (answered first by ops' middleware).
    path("", include("ops.urls")),
]
