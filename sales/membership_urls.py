from django.urls import path

from sales import membership_views

app_name = "memberships"

urlpatterns = [
    path("me/membership/", membership_views.membership, name="mine"),
    path("me/membership/freeze/", membership_views.freeze, name="freeze"),
    path("me/membership/unfreeze/", membership_views.unfreeze, name="unfreeze"),
    path("me/membership/cancel/", membership_views.cancel, name="cancel"),
    path("me/membership/keep/", membership_views.undo_cancel, name="undo_cancel"),
]
