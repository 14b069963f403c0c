"""The Manager group keeps every permission of the event log, which moved to the `events` app.

Permissions are created first (Django creates them only after the whole migration run).
"""

from importlib import import_module

from django.db import migrations

staff_groups = import_module("members.migrations.0004_staff_groups")


def grant_event_log(apps, schema_editor):
    using = schema_editor.connection.alias
    staff_groups.create_all_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    manager, _ = Group.objects.using(using).get_or_create(name=staff_groups.MANAGER)
    manager.permissions.add(
        *Permission.objects.using(using).filter(content_type__app_label="events")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0004_staff_groups"),
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(grant_event_log, migrations.RunPython.noop, elidable=False),
    ]
