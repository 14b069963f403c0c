from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("shop/<uuid:product_id>/buy-online/", views.buy, name="buy"),
    path("shop/paid/", views.paid, name="paid"),
    path("shop/plans/<uuid:plan_id>/join-online/", views.join, name="join"),
    path("payments/stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
