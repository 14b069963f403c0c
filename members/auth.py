"""Signing in by e-mail, however it is spelt (logins are stored normalised: members/logins.py),
and the signed-in login read with her member profile."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from members.logins import normalised_login


class EmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None:
            username = normalised_login(username)
            if "\x00" in username:  # matches no login, and PostgreSQL refuses to look it up
                return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        """The login of a session with her member (or none) and her home location in one
        query: every member page needs the first two (`member_required`), the schedule the
        third (`classes.locations.home_location_name`), and it saves a query per request."""
        users = get_user_model()._default_manager.select_related("member__home_location")
        try:
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
