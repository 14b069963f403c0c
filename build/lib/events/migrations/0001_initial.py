"""The event log and its deliveries.

They were first kept under the project package's label (tables `gymbooking_storedevent` and
`gymbooking_delivery`). An installation that has them adopts them: they are renamed, rows
kept; a new one creates them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FORMER_LABEL = "gymbooking"


def create_or_adopt_tables(apps, schema_editor):
    existing = set(schema_editor.connection.introspection.table_names())
    for name in ("StoredEvent", "Delivery"):
        model = apps.get_model("events", name)
        former = f"{FORMER_LABEL}_{model._meta.model_name}"
        if former in existing:
            schema_editor.alter_db_table(model, former, model._meta.db_table)
        else:
            schema_editor.create_model(model)


def drop_tables(apps, schema_editor):
    for name in ("Delivery", "StoredEvent"):
        schema_editor.delete_model(apps.get_model("events", name))


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="StoredEvent",
                    fields=[
                        ("id", models.UUIDField(editable=False, help_text="The event's event_id.", primary_key=True, serialize=False)),
                        ("type", models.CharField(db_index=True, max_length=100)),
                        ("schema_version", models.PositiveSmallIntegerField()),
                        ("payload", models.JSONField()),
                        ("occurred_at", models.DateTimeField(db_index=True)),
                        ("recorded_at", models.DateTimeField(auto_now_add=True)),
                        ("actor_kind", models.CharField(choices=[("member", "Member"), ("staff", "Staff"), ("system", "System")], max_length=10)),
                        ("actor_label", models.CharField(blank=True, max_length=200)),
                        ("class_id", models.UUIDField(blank=True, db_index=True, null=True)),
                        ("member_id", models.UUIDField(blank=True, db_index=True, null=True)),
                        ("actor_user", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "event",
                        "ordering": ["-occurred_at", "-recorded_at"],
                    },
                ),
                migrations.CreateModel(
                    name="Delivery",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("handler", models.CharField(max_length=200)),
                        ("status", models.CharField(choices=[("pending", "Pending"), ("delivered", "Delivered"), ("failed", "Failed (will retry)"), ("dead", "Dead (gave up)")], default="pending", max_length=10)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("next_attempt_at", models.DateTimeField()),
                        ("last_error", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("delivered_at", models.DateTimeField(blank=True, null=True)),
                        ("event", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="deliveries", to="events.storedevent")),
                    ],
                    options={
                        "verbose_name_plural": "deliveries",
                        "ordering": ["next_attempt_at", "id"],
                        "indexes": [models.Index(condition=models.Q(("status__in", ["pending", "failed"])), fields=["next_attempt_at", "id"], name="delivery_due")],
                        "constraints": [models.UniqueConstraint(fields=("event", "handler"), name="one_delivery_per_handler")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(create_or_adopt_tables, drop_tables, elidable=False),
    ]
