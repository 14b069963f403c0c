"""A booking marked attended is stored as "attended" (it was "completed").

The unique constraint's condition names the statuses, so it is dropped before the rows are
rewritten and added back with the new value. Reversible: going back rewrites "attended" to
"completed".
"""

from django.db import migrations, models

OLD, NEW = "completed", "attended"


def rename_status(apps, schema_editor, old=OLD, new=NEW):
    Booking = apps.get_model("bookings", "Booking")
    Booking.objects.using(schema_editor.connection.alias).filter(status=old).update(status=new)


def rename_status_back(apps, schema_editor):
    rename_status(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0003_record_attendance_permission'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='booking',
            name='one_active_booking_per_member_and_class',
        ),
        migrations.AlterField(
            model_name='booking',
            name='status',
            field=models.CharField(choices=[('confirmed', 'Confirmed'), ('cancelled', 'Cancelled'), ('late_cancelled', 'Late cancelled'), ('attended', 'Attended'), ('no_show', 'No show')], default='confirmed', max_length=20),
        ),
        migrations.RunPython(rename_status, rename_status_back, elidable=False),
        migrations.AddConstraint(
            model_name='booking',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['attended', 'confirmed', 'no_show'])), fields=('member', 'fitness_class'), name='one_active_booking_per_member_and_class'),
        ),
    ]
