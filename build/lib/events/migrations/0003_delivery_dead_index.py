"""An index of the dead deliveries, built without blocking writes on PostgreSQL."""

from django.db import migrations, models

from events.migration_operations import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("events", "0002_delivery_queue"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="delivery",
            index=models.Index(
                condition=models.Q(("status", "dead")),
                fields=["handler", "id"],
                name="delivery_dead",
            ),
        ),
    ]
