from django.urls import path

from reports import revenue_views, views

app_name = "reports"

urlpatterns = [
    path("staff/reports/", views.report_page, name="report"),
    path("staff/reports.csv", views.report_csv, name="csv"),
    path("staff/reports/revenue/", revenue_views.revenue_page, name="revenue"),
    path("staff/reports/revenue.csv", revenue_views.revenue_csv, name="revenue_csv"),
]
