"""Every membership payment made before payments were kept, rebuilt from the event log.

`MembershipStarted` and `MembershipRenewed` carry what was paid, how and by whom. A period's
start is not in a renewal's payload: it is where the period before it ended, freezes
included, so each membership's events (`MembershipFrozen` and `MembershipUnfrozen` move the
period end too) are replayed in the order they were recorded. A renewal's plan and tax rate
are the membership's own terms, which never change. A payment counts at the member's home gym
as it is now (when she paid is not recorded). Payments already kept are left as they are.
"""

from datetime import datetime
from decimal import Decimal

from django.db import migrations

PAID = ("MembershipStarted", "MembershipRenewed")
MOVES_THE_PERIOD = (*PAID, "MembershipFrozen", "MembershipUnfrozen")


def keep_logged_payments(apps, schema_editor):
    db = schema_editor.connection.alias
    StoredEvent = apps.get_model("events", "StoredEvent")
    Membership = apps.get_model("members", "Membership")
    MembershipPayment = apps.get_model("sales", "MembershipPayment")
    memberships = {str(row.pk): row for row in Membership.objects.using(db).select_related("member")}
    period_ends: dict[str, datetime] = {}
    events = StoredEvent.objects.using(db).filter(type__in=MOVES_THE_PERIOD)
    for event in events.order_by("occurred_at", "recorded_at", "id").iterator():
        payload = event.payload
        membership = memberships.get(str(payload.get("membership_id")))
        if membership is None:
            continue
        period_end = datetime.fromisoformat(payload["period_end"])
        period_start = period_ends.get(str(membership.pk), membership.started_at)
        period_ends[str(membership.pk)] = period_end
        if event.type not in PAID:
            continue
        MembershipPayment.objects.using(db).get_or_create(
            membership=membership,
            reference=payload["payment_reference"],
            defaults={
                "member_id": membership.member_id,
                "plan_id": membership.plan_id,
                "plan_name": membership.plan_name,
                "kind": "start" if event.type == "MembershipStarted" else "renewal",
                "period_start": event.occurred_at if event.type == "MembershipStarted"
                else period_start,
                "period_end": period_end,
                "price": Decimal(payload["price"]),
                "tax": Decimal(payload["tax"]),
                "tax_rate": membership.tax_rate,
                "currency": payload["currency"],
                "payment_method": payload["payment_method"],
                "recorded_by": payload["recorded_by"],
                "paid_at": event.occurred_at,
                "location_id": membership.member.home_location_id,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0006_security_log"),
        ("sales", "0012_membership_payments"),
    ]

    operations = [migrations.RunPython(keep_logged_payments, migrations.RunPython.noop)]
