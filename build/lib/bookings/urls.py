from django.urls import path

from bookings import checkin, views

app_name = "bookings"

urlpatterns = [
    path("classes/<uuid:class_id>/book/", views.book, name="book"),
    path("classes/<uuid:class_id>/waitlist/join/", views.join_waitlist, name="join_waitlist"),
    path("classes/<uuid:class_id>/waitlist/leave/", views.leave_waitlist, name="leave_waitlist"),
    path("bookings/<uuid:booking_id>/cancel/", views.cancel, name="cancel"),
    path("me/bookings/", views.my_bookings, name="mine"),
    # The front desk's check-in (staff with bookings.record_attendance).
    path("staff/checkin/", checkin.today, name="checkin_today"),
    path("staff/classes/<uuid:class_id>/checkin/", checkin.class_roster, name="checkin"),
    path("staff/classes/<uuid:class_id>/checkin/mark/", checkin.mark, name="checkin_mark"),
    path(
        "staff/classes/<uuid:class_id>/checkin/mark-unmarked-attended/",
        checkin.mark_unmarked_attended,
        name="checkin_mark_unmarked",
    ),
]
