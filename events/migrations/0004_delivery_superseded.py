"""Superseded deliveries: a notice no longer true when it was due is settled with its reason.

The reason column has a database default (old processes keep inserting during a rolling
deploy); the index of superseded rows is built without blocking writes on PostgreSQL.
"""

from django.db import migrations, models

from events.migration_operations import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('events', '0003_delivery_dead_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='delivery',
            name='superseded_reason',
            field=models.CharField(blank=True, db_default='', default='', help_text='Why it was no longer true when it was due.', max_length=300),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='delivered_at',
            field=models.DateTimeField(blank=True, help_text='When it was delivered, or found superseded.', null=True),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='status',
            field=models.CharField(choices=[('pending', 'Pending'), ('delivered', 'Delivered'), ('failed', 'Failed (will retry)'), ('dead', 'Dead (gave up)'), ('superseded', 'Superseded (no longer true)')], default='pending', max_length=10),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name='delivery',
            index=models.Index(condition=models.Q(('status', 'superseded')), fields=['handler', 'id'], name='delivery_superseded'),
        ),
    ]
