"""/metrics: Prometheus text with the requests this process answered and what the database
says about the background work, for the allowed scrapers only (everyone else: 404)."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from events.models import Delivery
from ops.heartbeats import beat, record_job_run
from ops.models import JobRun, WorkerHeartbeat
from tests.factories import DeliveryFactory

METRICS = "/metrics"
TOKEN = "s3cret-scrape-token"


def samples(response) -> dict[tuple[str, tuple], float]:
    """{(name, sorted labels): value} of a scrape."""
    assert response.status_code == 200, response.status_code
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def requests_counted(view: str, method: str = "GET", status: str = "200") -> float:
    labels = {"view": view, "method": method, "status": status}
    return REGISTRY.get_sample_value("gymbooking_http_requests_total", labels) or 0.0


@pytest.mark.django_db
def test_requests_are_counted_and_timed_by_view_method_and_status(member_client, client):
    before_ok = requests_counted("classes:schedule")
    before_missing = requests_counted("unresolved", status="404")

    member_client.get("/")
    member_client.get("/")
    member_client.get("/no-such-page/")

    scrape = samples(client.get(METRICS))
    schedule = (("method", "GET"), ("status", "200"), ("view", "classes:schedule"))
    assert scrape["gymbooking_http_requests_total", schedule] == before_ok + 2
    assert scrape["gymbooking_http_request_duration_seconds_count", schedule] == before_ok + 2
    assert scrape["gymbooking_http_request_duration_seconds_sum", schedule] > 0
    missing = (("method", "GET"), ("status", "404"), ("view", "unresolved"))
    assert scrape["gymbooking_http_requests_total", missing] == before_missing + 1


@pytest.mark.django_db
def test_the_probes_and_scrapes_are_not_counted_as_requests(client):
    client.get("/health/live")
    client.get(METRICS)

    scrape = samples(client.get(METRICS))
    views = {dict(labels).get("view") for name, labels in scrape}
    assert not {"ops:live", "ops:ready", "ops:metrics"} & views


@pytest.mark.django_db
def test_an_unknown_method_is_counted_as_other(client):
    before = requests_counted("unresolved", method="other", status="404")

    client.generic("BREW", "/teapot/")

    assert requests_counted("unresolved", method="other", status="404") == before + 1


@pytest.mark.django_db
def test_deliveries_waiting_or_given_up_are_counted_by_handler_and_status(client):
    now = timezone.now()
    DeliveryFactory.create_batch(2, handler="NotificationHandler.email", next_attempt_at=now)
    DeliveryFactory(handler="NotificationHandler.email", status=Delivery.Status.FAILED)
    DeliveryFactory.create_batch(3, handler="WaitlistPromotionHandler", status="dead")
    DeliveryFactory.create_batch(4, handler="NotificationHandler.in_app", status="delivered")

    scrape = samples(client.get(METRICS))

    deliveries = {
        dict(labels)["handler"] + "/" + dict(labels)["status"]: value
        for (name, labels), value in scrape.items()
        if name == "gymbooking_deliveries"
    }
    assert deliveries == {
        "NotificationHandler.email/pending": 2,
        "NotificationHandler.email/failed": 1,
        "WaitlistPromotionHandler/dead": 3,
    }
    assert scrape["gymbooking_metrics_database_up", ()] == 1


@pytest.mark.django_db
def test_the_oldest_due_delivery_says_how_long_it_has_been_due(client):
    now = timezone.now()
    DeliveryFactory(next_attempt_at=now - timedelta(minutes=2))
    DeliveryFactory(next_attempt_at=now - timedelta(minutes=1))
    DeliveryFactory(next_attempt_at=now + timedelta(hours=1), status="failed")  # not yet due
    DeliveryFactory(next_attempt_at=now - timedelta(days=3), status="delivered")

    age = samples(client.get(METRICS))["gymbooking_delivery_oldest_due_age_seconds", ()]

    assert 120 <= age < 130


@pytest.mark.django_db
def test_with_nothing_due_the_oldest_due_age_is_zero(client):
    DeliveryFactory(next_attempt_at=timezone.now() - timedelta(days=3), status="delivered")

    assert samples(client.get(METRICS))["gymbooking_delivery_oldest_due_age_seconds", ()] == 0


@pytest.mark.django_db
def test_heartbeats_and_job_runs_are_exposed(client):
    beat("process_events@web-1", force=True)
    WorkerHeartbeat.objects.create(
        name="process_events@web-2", beat_at=timezone.now() - timedelta(minutes=10)
    )
    record_job_run("close_classes", succeeded=True)
    record_job_run("expire_credits", succeeded=False)
    succeeded_at = JobRun.objects.get(job="close_classes").succeeded_at

    scrape = samples(client.get(METRICS))

    assert (
        scrape["gymbooking_worker_heartbeat_age_seconds", (("worker", "process_events@web-1"),)] < 5
    )
    assert (
        600
        <= scrape["gymbooking_worker_heartbeat_age_seconds", (("worker", "process_events@web-2"),)]
        < 610
    )
    success = scrape["gymbooking_job_last_success_timestamp_seconds", (("job", "close_classes"),)]
    assert success == pytest.approx(succeeded_at.timestamp())
    assert ("gymbooking_job_last_failure_timestamp_seconds", (("job", "expire_credits"),)) in scrape
    assert ("gymbooking_job_last_success_timestamp_seconds", (("job", "expire_credits"),)) not in (
        scrape
    )


@pytest.mark.django_db
def test_the_database_gauges_cost_six_small_queries(client, django_assert_num_queries):
    DeliveryFactory.create_batch(3)
    with django_assert_num_queries(6):
        client.get(METRICS)


def test_a_scrape_still_answers_when_the_database_is_unreachable(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("gone")):
        scrape = samples(client.get(METRICS))

    assert scrape["gymbooking_metrics_database_up", ()] == 0
    assert not any(name == "gymbooking_deliveries" for name, _ in scrape)


# --- Who may scrape -----------------------------------------------------------------------


@pytest.mark.django_db
def test_another_address_gets_a_404(client):
    response = client.get(METRICS, REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 404
    assert b"gymbooking_" not in response.content


@pytest.mark.django_db
def test_a_request_through_a_proxy_is_not_let_in_by_the_proxy_address(client):
    # the proxy runs on the same machine, so the request comes from 127.0.0.1
    response = client.get(METRICS, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert response.status_code == 404


@pytest.mark.django_db
def test_the_bearer_token_lets_a_scraper_in_from_anywhere(client, settings):
    settings.GYM_METRICS_TOKEN = TOKEN

    allowed = client.get(
        METRICS, REMOTE_ADDR="203.0.113.9", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    wrong = client.get(
        METRICS, REMOTE_ADDR="203.0.113.9", headers={"Authorization": "Bearer guess"}
    )
    without = client.get(METRICS, REMOTE_ADDR="203.0.113.9")

    assert allowed.status_code == 200
    assert b"gymbooking_deliveries" in allowed.content
    assert (wrong.status_code, without.status_code) == (404, 404)


@pytest.mark.django_db
def test_with_no_address_allowed_only_the_token_gets_in(client, settings):
    settings.GYM_METRICS_ALLOWED_IPS = []
    settings.GYM_METRICS_TOKEN = TOKEN

    assert client.get(METRICS).status_code == 404
    assert client.get(METRICS, headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200


@pytest.mark.django_db
def test_allowed_addresses_may_be_networks(client, settings):
    settings.GYM_METRICS_ALLOWED_IPS = ["10.0.0.0/8", "::1"]

    assert client.get(METRICS, REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get(METRICS, REMOTE_ADDR="127.0.0.1").status_code == 404


@pytest.mark.django_db
def test_the_scrape_is_prometheus_text_and_never_cached(client):
    response = client.get(METRICS)

    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-store" in response["Cache-Control"]
    assert response.cookies == {}


# --- Several worker processes ----------------------------------------------------------------

COUNT_A_REQUEST = """
import django
django.setup()
from ops.metrics import observe_request
observe_request("classes:schedule", "GET", 200, 0.02)
"""

SCRAPE = """
import django
django.setup()
from prometheus_client import generate_latest
from ops.metrics import scrape_registry
print(generate_latest(scrape_registry()).decode())
"""


def test_with_a_multiprocess_directory_the_scrape_adds_up_every_process(tmp_path: Path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gymbooking.settings",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }

    def python(code: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    # given two worker processes that each answered a request
    python(COUNT_A_REQUEST)
    python(COUNT_A_REQUEST)

    # when a third one is scraped
    output = python(SCRAPE)

    # then it reports both
    labels = {"method": "GET", "status": "200", "view": "classes:schedule"}
    [family] = [
        f for f in text_string_to_metric_families(output) if f.name == "gymbooking_http_requests"
    ]
    assert [s.value for s in family.samples if s.labels == labels] == [2.0]


@pytest.mark.django_db
def test_superseded_deliveries_are_counted_by_handler(client):
    DeliveryFactory.create_batch(2, status="superseded", superseded_reason="cancelled since")
    DeliveryFactory(status="superseded", handler="NotificationHandler.in_app")
    DeliveryFactory(status="delivered")

    scrape = samples(client.get(METRICS))

    email = (("handler", "NotificationHandler.email"), ("status", "superseded"))
    in_app = (("handler", "NotificationHandler.in_app"), ("status", "superseded"))
    assert scrape["gymbooking_deliveries", email] == 2
    assert scrape["gymbooking_deliveries", in_app] == 1
    assert not any(
        labels == (("handler", "NotificationHandler.email"), ("status", "delivered"))
        for name, labels in scrape
    )
