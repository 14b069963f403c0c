"""Structured logs: the request id (reused or made, and echoed), the signed-in user and
member on every line of a request, `log_context` fields, JSON lines with LOG_FORMAT=json.
(Sign-ins are logged on the security log: tests/web/test_security_log.py.)"""

import json
import logging
import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from domain.events import ClassCancelled
from domain.values import new_id
from events.dispatcher import DurableEventDispatcher
from ops.logcontext import log_context

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "gymbooking" / "settings.py"


@pytest.mark.django_db
def test_a_sane_incoming_request_id_is_reused_and_echoed(client):
    response = client.get("/accounts/login/", headers={"X-Request-ID": "lb-7f3a.42_x"})

    assert response["X-Request-ID"] == "lb-7f3a.42_x"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming", ["", "two words", "x" * 129, 'a"b', "line\nbreak", "-starts-with-a-dash"]
)
def test_an_insane_or_missing_request_id_is_replaced_by_a_new_one(client, incoming):
    response = client.get("/accounts/login/", headers={"X-Request-ID": incoming})

    new_id = response["X-Request-ID"]
    assert new_id != incoming
    assert len(new_id) == 32
    int(new_id, 16)


@pytest.mark.django_db
def test_each_request_gets_its_own_id(client):
    first = client.get("/accounts/login/")["X-Request-ID"]
    second = client.get("/accounts/login/")["X-Request-ID"]

    assert first != second


@pytest.mark.django_db
def test_json_lines_carry_the_request_id_user_and_member(member_client, member, json_lines):
    response = member_client.get("/me/credits/", headers={"X-Request-ID": "req-123"})

    assert response.status_code == 200
    [line] = [line for line in json_lines() if line["logger"] == "ops.requests"]
    assert line["request_id"] == "req-123"
    assert line["user_id"] == member.user.pk
    assert line["member_id"] == str(member.pk)
    assert line["level"] == "INFO"
    assert line["status"] == 200
    assert line["view"] == "members:credits"
    assert line["route"] == "/me/credits/"
    assert line["message"] == "GET /me/credits/ 200"
    assert "time" in line


@pytest.mark.django_db
def test_an_anonymous_request_has_an_id_but_no_user(client, json_lines):
    client.get("/accounts/login/", headers={"X-Request-ID": "anon-1"})

    [line] = [line for line in json_lines() if line["logger"] == "ops.requests"]
    assert line["request_id"] == "anon-1"
    assert "user_id" not in line
    assert "member_id" not in line


@pytest.mark.django_db
def test_the_request_log_names_the_route_not_a_path_holding_a_secret(
    member_client, member, json_lines
):
    member_client.get(f"/calendar/{member.calendar_token}.ics")

    lines = json_lines()
    assert [line["route"] for line in lines if line["logger"] == "ops.requests"] == [
        "/calendar/<slug:token>.ics"
    ]
    assert member.calendar_token not in json.dumps(lines)


def test_log_context_adds_fields_to_every_line_inside_it(json_lines):
    logger = logging.getLogger("events.dispatcher")
    with log_context(event_id="e-1", handler="NotificationHandler.email"):
        logger.info("delivering")
        with log_context(attempt=2):
            logger.warning("failed")
    logger.info("outside")

    delivering, failed, outside = json_lines()
    assert (delivering["event_id"], delivering["handler"]) == ("e-1", "NotificationHandler.email")
    assert (failed["event_id"], failed["attempt"]) == ("e-1", 2)
    assert "event_id" not in outside


def test_log_context_refuses_a_field_that_would_overwrite_a_log_field():
    with pytest.raises(ValueError, match="levelname"), log_context(levelname="x"):
        pass


def test_an_explicit_extra_wins_over_the_context(json_lines):
    with log_context(handler="outer"):
        logging.getLogger("x").info("hi", extra={"handler": "inner"})

    [line] = json_lines()
    assert line["handler"] == "inner"


# --- LOG_FORMAT -----------------------------------------------------------------------------


def settings_with(monkeypatch, **environment) -> dict:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_log_format_json_switches_the_console_to_json_lines(monkeypatch):
    logging_config = settings_with(monkeypatch, LOG_FORMAT="json")["LOGGING"]

    console = logging_config["handlers"]["console"]
    assert console["formatter"] == "json"
    assert console["filters"] == ["context"]
    assert logging_config["formatters"]["json"]["()"] == "pythonjsonlogger.json.JsonFormatter"


def test_logs_are_plain_by_default(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)

    assert settings_with(monkeypatch)["LOGGING"]["handlers"]["console"]["formatter"] == "plain"


def test_an_unknown_log_format_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        settings_with(monkeypatch, LOG_FORMAT="xml")


@pytest.mark.django_db(transaction=True)
def test_a_failed_delivery_is_logged_with_its_event_and_handler(json_lines):
    # given a dispatcher whose one handler fails
    def refuse(event):
        raise RuntimeError("the mail server said no")

    dispatcher = DurableEventDispatcher()
    dispatcher.register(ClassCancelled, refuse, name="Refusing.handle")
    event = ClassCancelled(class_id=new_id(), reason="Flood")

    # when the event is recorded and delivered after commit
    with transaction.atomic():
        dispatcher.dispatch([event])

    # then the failure's log line names the event and the handler
    [failure] = [line for line in json_lines() if line.get("handler") == "Refusing.handle"]
    assert failure["event_id"] == str(event.event_id)
    assert "the mail server said no" in failure["message"]
