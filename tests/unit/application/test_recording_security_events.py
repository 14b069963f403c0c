"""The security log's one entry point: a security event is recorded (dispatched at commit,
like every event) and written as a line; anything else is refused, recording nothing; a
password change goes the same way."""

import pytest

from application.security import SECURITY_EVENTS
from domain.events import ClassCancelled, PasswordChanged, SignInFailed
from domain.values import new_id


def test_a_security_event_is_recorded_and_written_as_a_line(gym):
    failed = SignInFailed(username="ana@example.com", client_ip="10.0.0.1", entry="site")

    gym.record_security_event.execute(failed)

    assert gym.events == [failed]
    assert gym.security_log.lines == [(failed, "Sign-in failed")]


def test_an_event_that_is_not_a_security_event_is_refused_and_nothing_recorded(gym):
    with pytest.raises(ValueError, match="ClassCancelled is not a security event"):
        gym.record_security_event.execute(ClassCancelled(class_id=new_id(), reason="Flood"))

    assert gym.events == []
    assert gym.security_log.lines == []


def test_a_password_change_is_in_the_security_log(gym):
    gym.record_password_change.execute("7", site="gym.example.com", secure=True, by_reset=True)

    [(event, label)] = gym.security_log.lines
    assert isinstance(event, PasswordChanged)
    assert (event.user_id, event.by_reset, label) == ("7", True, "Password changed")
    assert gym.events == [event]


def test_every_security_event_type_is_listed_once():
    names = [kind.name for kind in SECURITY_EVENTS]

    assert len(names) == len(set(names))


def test_no_security_event_has_a_field_for_a_secret():
    secret = ("password", "token", "session", "otp", "code", "secret", "key")

    fields_of = {
        f"{kind.name}.{field}"
        for kind in SECURITY_EVENTS
        for field in kind.event_type.__dataclass_fields__
        if any(word in field for word in secret)
    }

    assert fields_of == set()
