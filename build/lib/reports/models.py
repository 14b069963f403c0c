"""The permission that guards the staff report, and nothing else.

Django keeps permissions per model, and the report reads other apps' rows rather than owning
any. So `Report` is an unmanaged model without a table: it exists only to carry the custom
permission `reports.view_reports` ("Can view reports"), which a group such as "Manager" can be
given and superusers hold implicitly. `default_permissions = ()` drops the add/change/delete/
view permissions that would mean nothing here, and the model is never queried or registered
in admin.
"""

from django.db import models


class Report(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", "Can view reports")]

    def __str__(self) -> str:
        return "Report"
