"""A live membership keeps when its renewal last failed, until a renewal is paid.

Until now this was worked out from the event log on every read of the staff's list. Here it
is set once from the log: a live membership whose latest `MembershipRenewalFailed` came after
its start and after its latest `MembershipRenewed`.
"""

from django.db import migrations, models


def flag_failed_renewals(apps, schema_editor):
    db = schema_editor.connection.alias
    Membership = apps.get_model("members", "Membership")
    StoredEvent = apps.get_model("events", "StoredEvent")
    for membership in Membership.objects.using(db).filter(ended_at__isnull=True).iterator():
        logged = StoredEvent.objects.using(db).filter(
            payload__membership_id=str(membership.pk), occurred_at__gte=membership.started_at
        )
        failed = logged.filter(type="MembershipRenewalFailed").order_by("-occurred_at").first()
        if failed is None:
            continue
        renewed = logged.filter(type="MembershipRenewed", occurred_at__gt=failed.occurred_at)
        if not renewed.exists():
            membership.renewal_failed_at = failed.occurred_at
            membership.save(update_fields=["renewal_failed_at"])


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0006_security_log"),
        ("members", "0017_grant_scope_location_ids"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="renewal_failed_at",
            field=models.DateTimeField(
                blank=True, help_text="When its renewal last failed, until one is paid.", null=True
            ),
        ),
        migrations.RunPython(flag_failed_renewals, migrations.RunPython.noop),
    ]
