"""Deliveries get a queue: "fast" (database work, which may run right after commit) or
"mail" (e-mail, which only workers run), and the workers' due index leads with it.

Built for a live site: the column comes with a database default (instant on PostgreSQL 11+,
and processes still running the previous release keep inserting rows); the new index is
built CONCURRENTLY on PostgreSQL before the old one is dropped, so workers always have one
and writes are never blocked. Hence a non-atomic migration. E-mail deliveries still to run
move to the mail queue; delivered ones keep the default (nothing runs them again).
"""

from django.db import migrations, models

from events.migration_operations import (
    AddIndexConcurrentlyOnPostgreSQL,
    RemoveIndexConcurrentlyOnPostgreSQL,
)

EMAIL_HANDLER = "NotificationHandler.email"
NOT_DELIVERED = ["pending", "failed", "dead"]


def email_to_the_mail_queue(apps, schema_editor):
    Delivery = apps.get_model("events", "Delivery")
    Delivery.objects.filter(handler=EMAIL_HANDLER, status__in=NOT_DELIVERED).update(queue="mail")


def email_to_the_default_queue(apps, schema_editor):
    Delivery = apps.get_model("events", "Delivery")
    Delivery.objects.filter(queue="mail").update(queue="fast")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="queue",
            field=models.CharField(
                choices=[("fast", "Fast"), ("mail", "Mail")],
                db_default="fast",
                default="fast",
                max_length=10,
            ),
        ),
        migrations.RunPython(email_to_the_mail_queue, email_to_the_default_queue, atomic=True),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="delivery",
            index=models.Index(
                condition=models.Q(("status__in", ["pending", "failed"])),
                fields=["queue", "next_attempt_at", "id"],
                name="delivery_due_in_queue",
            ),
        ),
        RemoveIndexConcurrentlyOnPostgreSQL(model_name="delivery", name="delivery_due"),
    ]
