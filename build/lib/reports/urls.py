from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("staff/reports/", views.report_page, name="report"),
    path("staff/reports.csv", views.report_csv, name="csv"),
]
