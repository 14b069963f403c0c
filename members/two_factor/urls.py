from django.urls import path

from members.two_factor import views

app_name = "two_factor"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("enrol/", views.enrol, name="enrol"),
    path("verify/", views.verify, name="verify"),
    path("recovery-codes/", views.new_recovery_codes, name="recovery_codes"),
    path("turn-off/", views.turn_off, name="turn_off"),
]
