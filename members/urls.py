from django.urls import path

from members import data_views, views

app_name = "members"

urlpatterns = [
    path("accounts/signup/", views.signup, name="signup"),
    path(
        "accounts/signup/confirm/<uidb64>/<token>/",
        views.confirm_signup,
        name="confirm_signup",
    ),
    path("accounts/set-up/", views.set_up_account, name="set_up_account"),
    path("me/credits/", views.credits, name="credits"),
    path("me/home-gym/", views.home_location, name="home_location"),
    path("me/calendar/", views.calendar, name="calendar"),
    path("me/data/", data_views.your_data, name="your_data"),
    path("me/data/download/", data_views.download_data, name="download_data"),
    path("me/calendar/reset/", views.reset_calendar_token, name="reset_calendar_token"),
    path("calendar/<slug:token>.ics", views.calendar_feed, name="calendar_feed"),
]
