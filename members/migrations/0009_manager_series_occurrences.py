"""The Manager group holds every permission of the gym's models, the series' remembered dates
included (created after the groups were).

Permissions are created first (Django creates them only after the whole migration run).
"""

from importlib import import_module

from django.db import migrations

staff_groups = import_module("members.migrations.0004_staff_groups")


def grant_series_occurrences(apps, schema_editor):
    using = schema_editor.connection.alias
    staff_groups.create_all_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    manager, _ = Group.objects.using(using).get_or_create(name=staff_groups.MANAGER)
    manager.permissions.add(
        *Permission.objects.using(using).filter(
            content_type__app_label="classes", content_type__model="seriesoccurrence"
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0008_member_erasure"),
        ("classes", "0003_series_occurrences"),
    ]

    operations = [
        migrations.RunPython(grant_series_occurrences, migrations.RunPython.noop, elidable=False),
    ]
