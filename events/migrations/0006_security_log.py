"""The security log: a view of the event log (a proxy of StoredEvent, its security event
types only) with a permission of its own, given to the Manager group (not the Front desk)."""

from importlib import import_module

from django.db import migrations

staff_groups = import_module("members.migrations.0004_staff_groups")


def grant_security_log(apps, schema_editor):
    staff_groups.grant_to_manager(
        apps,
        schema_editor,
        content_type__app_label="events",
        content_type__model="securityevent",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0005_dead_deliveries_newest_first"),
        ("members", "0005_manager_event_log"),
    ]

    operations = [
        migrations.CreateModel(
            name="SecurityEvent",
            fields=[],
            options={
                "verbose_name": "security event",
                "verbose_name_plural": "security log",
                "proxy": True,
                "default_permissions": ("view",),
                "indexes": [],
                "constraints": [],
            },
            bases=("events.storedevent",),
        ),
        migrations.RunPython(grant_security_log, migrations.RunPython.noop, elidable=False),
    ]
