"""docs/operations.md's promise, checked end to end on PostgreSQL: two web nodes and two
workers, started from the project's deploy files with an environment like the example one,
serve a member who signs in on one node and cancels on the other; the first member waiting is
promoted; the mail server never answers and nobody notices but /metrics; SIGTERM stops every
process in good time.

The tests run in order on one site (tests/system/conftest.py), each step leaving what the next
one checks, as an operator's walk through the runbook would.
"""

import re
import time

import pytest

from tests.system.conftest import BOOKED, SMTP_TIMEOUT, WAITING
from tests.system.http import Browser, probe
from tests.worker_process import wait_until

pytestmark = [pytest.mark.system, pytest.mark.timeout(90)]

FAST_ENOUGH = 3.0  # seconds for a whole POST and its redirect, with the mail server hung
PROMOTION_SECONDS = 10.0
GUNICORN_STOP_SECONDS = 15.0
STYLESHEET = re.compile(r'href="(/static/css/gymbooking\.[0-9a-f]{12}\.css)"')
CANCEL_FORM = re.compile(r'action="(/bookings/[0-9a-f-]{36}/cancel/)"')


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def booking_status(site, email: str) -> str | None:
    rows = site.query(
        "SELECT b.status FROM bookings_booking b JOIN members_member m ON m.id = b.member_id "
        "WHERE m.email = %s ORDER BY b.created_at DESC LIMIT 1",
        email,
    )
    return rows[0][0] if rows else None


def waiting_count(site, email: str) -> int:
    return site.query(
        "SELECT count(*) FROM bookings_waitlistentry w JOIN members_member m "
        "ON m.id = w.member_id WHERE m.email = %s",
        email,
    )[0][0]


def e_mail_gauges(metrics: str) -> dict[str, float]:
    """`gymbooking_deliveries` for the e-mail handler, by status."""
    found = re.findall(
        r'^gymbooking_deliveries\{handler="NotificationHandler\.email",status="(\w+)"\} (\S+)$',
        metrics,
        flags=re.MULTILINE,
    )
    return {status: float(value) for status, value in found}


# --- The runbook, in order --------------------------------------------------------------------


def test_both_nodes_are_live_and_ready(site):
    # given two nodes started from deploy/gunicorn.conf.py, DEBUG off, over PostgreSQL
    for node in site.nodes:
        # when the load balancer polls them over plain HTTP at their own address
        live = probe(node.url + "/health/live")
        ready = probe(node.url + "/health/ready")

        # then both probes answer 200 ok
        assert (live.status, live.body.strip()) == (200, "ok"), node.name
        assert (ready.status, ready.body.strip()) == (200, "ok"), node.name


def test_a_member_signs_in_on_one_node_and_cancels_on_the_other_while_mail_hangs(site):
    node_a, node_b = site.nodes
    ana = Browser()

    # when Ana signs in on node A
    signed_in, took = timed(lambda: ana.sign_in(node_a.url, BOOKED[1]))

    # then she lands on the schedule, signed in, at once
    assert took < FAST_ENOUGH, f"signing in took {took:.1f} s"
    assert signed_in.url == node_a.url + "/", signed_in.url
    assert "Sign out" in signed_in.body

    # when she opens her bookings on node B (her session is in the database) and cancels Spin
    mine = ana.get(node_b.url + "/me/bookings/")
    assert mine.url == node_b.url + "/me/bookings/", "node B does not know her session"
    cancel = CANCEL_FORM.search(mine.body)
    assert cancel, "no cancel button on her bookings page"
    cancelled, took = timed(lambda: ana.submit(mine, cancel.group(1)))

    # then node B answered at once with the success message, although mail hangs
    assert took < FAST_ENOUGH, f"cancelling took {took:.1f} s"
    assert cancelled.status == 200
    assert "Your booking for Spin" in cancelled.body
    assert "is cancelled and your credit has been refunded." in cancelled.body
    assert booking_status(site, BOOKED[1]) == "cancelled"

    # and Ben, who was waiting, is promoted into the freed spot
    wait_until(
        lambda: booking_status(site, WAITING[1]) == "confirmed",
        timeout=PROMOTION_SECONDS,
        interval=0.2,
        what="Ben's promotion",
    )
    assert waiting_count(site, WAITING[1]) == 0
    # and he sees it on his bookings page on node A
    ben = Browser()
    ben.sign_in(node_a.url, WAITING[1])
    his = ben.get(node_a.url + "/me/bookings/")
    assert CANCEL_FORM.search(his.body), "Ben's bookings page shows no booking to cancel"


def test_both_nodes_serve_the_stylesheet_a_page_links(site):
    node_a, node_b = site.nodes
    # given the stylesheet a page links (collected, hashed)
    page = Browser().get(node_a.url + "/accounts/login/")
    stylesheet = STYLESHEET.search(page.body)
    assert stylesheet, "the page links no collected stylesheet"

    for node in (node_a, node_b):
        # when a browser fetches it from either node
        css = Browser().get(node.url + stylesheet.group(1))

        # then it is served
        assert css.status == 200, node.name
        assert "{" in css.body, node.name


def test_metrics_show_the_e_mails_waiting_for_the_mail_server(site):
    # given the cancellation's and the promotion's e-mails, and a mail server that never
    # answers, which the mail worker has tried
    wait_until(
        lambda: site.mail_server.connections,
        timeout=10,
        interval=0.1,
        what="the mail worker to connect to the mail server",
    )

    for node in site.nodes:
        # when Prometheus scrapes a node from 127.0.0.1
        metrics = probe(node.url + "/metrics")

        # then the database is up, the two e-mails are pending or failed (none sent, none
        # dead), and both workers are beating
        assert metrics.status == 200
        assert "gymbooking_metrics_database_up 1.0" in metrics.body
        gauges = e_mail_gauges(metrics.body)
        assert set(gauges) <= {"pending", "failed"}, gauges
        assert sum(gauges.values()) == 2, gauges
        for queue in ("fast", "mail"):
            assert f'worker="process_events-{queue}@system-test"' in metrics.body, queue


def test_sigterm_stops_both_workers_within_the_smtp_timeout_then_both_nodes(site):
    for queue, worker in site.workers.items():
        # when a worker gets SIGTERM (the mail one may be waiting on the mail server)
        took = worker.stop(timeout=SMTP_TIMEOUT + 5)

        # then it ends within the SMTP timeout and a margin, cleanly
        assert took < SMTP_TIMEOUT + 5, f"the {queue} worker took {took:.1f} s"
        assert worker.returncode == 0, f"{queue} worker:\n{worker.log()[-3000:]}"

    for node in site.nodes:
        # when a gunicorn gets SIGTERM, then it ends, cleanly
        node.process.stop(timeout=GUNICORN_STOP_SECONDS)
        assert node.process.returncode == 0, f"node {node.name}:\n{node.process.log()[-3000:]}"
