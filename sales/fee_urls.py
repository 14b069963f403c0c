from django.urls import path

from sales import fee_views

app_name = "fees"

urlpatterns = [
    path("me/fees/", fee_views.my_fees, name="mine"),
]
