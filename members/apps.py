from django.apps import AppConfig
from django.db.models.signals import pre_save


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        from members.logins import lower_case_login

        # Logins are stored lower-cased, however a user is created (members/logins.py).
        pre_save.connect(lower_case_login, sender=get_user_model(), dispatch_uid="lower_login")

        from members import security_log

        # Sign-ins, failed ones, lockouts and role changes into the security log.
        security_log.connect()
