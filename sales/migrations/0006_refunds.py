"""Refunds, and the location of each purchase: the member's home gym at the time of the sale,
for revenue per location. Sales made before this are given her home gym as it is now, the
best that is known of them."""

import django.db.models.deletion
import uuid
from django.db import migrations, models


def place_past_sales(apps, schema_editor):
    Purchase = apps.get_model("sales", "Purchase")
    Member = apps.get_model("members", "Member")
    using = schema_editor.connection.alias
    home = Member.objects.using(using).filter(pk=models.OuterRef("member_id"))
    Purchase.objects.using(using).filter(location__isnull=True).update(
        location_id=models.Subquery(home.values("home_location_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("locations", "0006_opening_permissions"),
        ("sales", "0005_fee_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="purchase",
            name="location",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="purchases",
                to="locations.location",
            ),
        ),
        migrations.CreateModel(
            name="Refund",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("amount", models.DecimalField(decimal_places=2, max_digits=10)),
                ("tax", models.DecimalField(decimal_places=2, max_digits=10)),
                ("credits_withdrawn", models.PositiveIntegerField(default=0)),
                (
                    "payment_method",
                    models.CharField(
                        choices=[("cash", "Cash"), ("card_terminal", "Card terminal"), ("online", "Card online")],
                        max_length=20,
                    ),
                ),
                ("reference", models.CharField(blank=True, max_length=100)),
                ("reason", models.CharField(max_length=500)),
                (
                    "recorded_by",
                    models.CharField(help_text="The staff user who refunded it.", max_length=150),
                ),
                ("refunded_at", models.DateTimeField()),
                (
                    "purchase",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="refunds",
                        to="sales.purchase",
                    ),
                ),
            ],
            options={
                "ordering": ["refunded_at", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("amount__gt", 0)), name="sales_refund_positive"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("tax__gte", 0), ("tax__lte", models.F("amount"))),
                        name="sales_refund_tax_within_amount",
                    ),
                ],
            },
        ),
        migrations.RunPython(place_past_sales, migrations.RunPython.noop, elidable=False),
    ]
