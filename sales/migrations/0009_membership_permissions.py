"""The Manager group may do everything with membership plans and memberships (define plans;
start, freeze, renew and cancel memberships); the Front desk sees the plans and memberships,
starts (sells) memberships and freezes or unfreezes them."""

from importlib import import_module

from django.db import migrations
from django.db.models import Q

staff_groups = import_module("members.migrations.0004_staff_groups")

FRONT_DESK_PERMISSIONS = [
    "sales.view_membershipplan",
    "members.view_membership",
    "members.add_membership",
    "members.freeze_membership",
]


def grant_memberships(apps, schema_editor):
    using = schema_editor.connection.alias
    staff_groups.grant_to_manager(
        apps,
        schema_editor,
        pk__in=apps.get_model("auth", "Permission")
        .objects.using(using)
        .filter(
            Q(content_type__app_label="sales", content_type__model="membershipplan")
            | Q(content_type__app_label="members", content_type__model="membership")
        )
        .values("pk"),
    )
    staff_groups.grant_to_front_desk(apps, schema_editor, FRONT_DESK_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0008_membership_plans"),
        ("members", "0015_memberships"),
    ]

    operations = [
        migrations.RunPython(grant_memberships, migrations.RunPython.noop, elidable=False),
    ]
