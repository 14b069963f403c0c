"""Members and logins that lost each other before they were kept together:

- A member whose login was deleted (she could not sign in, reset her password or sign up
  again) gets her login back: the login left with her address, when there is one that no
  member uses and that is not staff's, is linked to her; otherwise a new login named by her
  address is made with a random password, so "Forgot your password?" lets her in. It is as
  active as she is.
- A login whose member was deleted is kept: it now signs in to a page that says so, and
  signing up (or staff adding a member) with its address takes it over. A migration deletes
  no account.
- Every member's `is_active` is her login's.

Run again, it changes nothing.
"""

import secrets

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import migrations


def repair_orphans(apps, schema_editor):
    using = schema_editor.connection.alias
    Member = apps.get_model("members", "Member")
    app_label, model_name = settings.AUTH_USER_MODEL.split(".")
    User = apps.get_model(app_label, model_name)
    users = User.objects.using(using)

    for member in Member.objects.using(using).filter(user__isnull=True).order_by("pk"):
        address = member.email.strip().lower()
        login = users.filter(
            username__iexact=address, member__isnull=True, is_staff=False, is_superuser=False
        ).first()
        if login is None:
            if users.filter(username__iexact=address).exists():
                continue  # a staff login or another member's: staff decide (member admin)
            first_name, _, last_name = member.name.strip().partition(" ")
            login = users.create(
                username=address,
                email=address,
                first_name=first_name[:150],
                last_name=last_name.strip()[:150],
                password=make_password(secrets.token_urlsafe(32)),
                is_active=member.is_active,
            )
        member.user = login
        member.save(update_fields=["user"])

    for member in Member.objects.using(using).filter(user__isnull=False).select_related("user"):
        if member.is_active != member.user.is_active:
            member.is_active = member.user.is_active
            member.save(update_fields=["is_active"])


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0006_logins_go_with_members"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(repair_orphans, migrations.RunPython.noop, elidable=True),
    ]
