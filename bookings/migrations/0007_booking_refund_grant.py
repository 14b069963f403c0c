"""Each refunded booking names the grant that gave its credit back.

Until now the ledger did not say which booking a refund repaid, so pages guessed from the
booking's status. Existing refunds are linked here: a refund was always granted in the same
transaction as the cancellation, at the same moment, with the reason "Refund: <class>".
"""

import django.db.models.deletion
from django.db import migrations, models


def link_existing_refunds(apps, schema_editor):
    Booking = apps.get_model("bookings", "Booking")
    CreditGrant = apps.get_model("members", "CreditGrant")
    db = schema_editor.connection.alias
    cancelled = Booking.objects.using(db).filter(
        status="cancelled", credit_grant__isnull=False, cancelled_at__isnull=False
    )
    for booking in cancelled.iterator():
        refund = (
            CreditGrant.objects.using(db)
            .filter(
                member_id=booking.member_id,
                granted_at=booking.cancelled_at,
                reason__startswith="Refund",
                refunded_booking__isnull=True,
            )
            .order_by("id")
            .first()
        )
        if refund is not None:
            booking.refund_grant = refund
            booking.save(update_fields=["refund_grant"])


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0006_waitlistentry_skips_told'),
        ('members', '0005_manager_event_log'),
    ]

    operations = [
        migrations.AddField(
            model_name='booking',
            name='refund_grant',
            field=models.OneToOneField(blank=True, help_text="The grant that gave this booking's credit back, if it was refunded.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='refunded_booking', to='members.creditgrant'),
        ),
        migrations.RunPython(link_existing_refunds, migrations.RunPython.noop),
    ]
