"""A real `process_events` process and a mail server that accepts connections and never
answers: SIGTERM mid-send stops the worker within seconds (the SMTP timeout bounds the send),
and the e-mail is kept, failed and retried later; even SIGKILL loses nothing. An idle worker
stops at once."""

import time

import pytest

from tests.worker_process import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

SMTP_TIMEOUT = 3  # seconds
A_FEW_SECONDS = 2  # what stopping may take beyond the send in hand

BOOK_A_CLASS = """
import json
from gymbooking.composition import services
from tests.factories import FitnessClassFactory, member_with_credits
member = member_with_credits(1, name="Ana", email="ana@example.com")
services().book_class.execute(str(member.id), str(FitnessClassFactory(name="Spin").id))
print(json.dumps(member.email))
"""

E_MAIL_DELIVERIES = """
import json
from events.models import Delivery
rows = Delivery.objects.filter(handler="NotificationHandler.email")
print(json.dumps(list(rows.values("queue", "status", "attempts", "last_error"))))
"""

RETRY_NOW = """
from events.dispatcher import retry_now
from events.models import Delivery
retry_now(Delivery.objects.all())
"""


@pytest.fixture
def a_booking_with_its_e_mail_due(processes):
    """Ana booked Spin (in another process): her confirmation e-mail is due to the workers."""
    processes.python(BOOK_A_CLASS)
    [delivery] = processes.python(E_MAIL_DELIVERIES)
    assert (delivery["queue"], delivery["status"]) == ("mail", "pending")


def e_mail_delivery(processes) -> tuple[str, int, str]:
    [delivery] = processes.python(E_MAIL_DELIVERIES)
    return delivery["status"], delivery["attempts"], delivery["last_error"]


def mail_worker(processes, url: str):
    return processes.start(
        "process_events", "--queue", "mail", "--poll-interval", "0.2",
        EMAIL_URL=url, EMAIL_TIMEOUT=str(SMTP_TIMEOUT),
    )  # fmt: skip


def deliver_later(processes, working_smtp) -> str:
    """Once the retry time has come, a worker with a mail server that works."""
    processes.python(RETRY_NOW)
    return processes.manage(
        "process_events", "--once", "--queue", "mail", EMAIL_URL=working_smtp.url
    )


def test_sigterm_mid_send_stops_the_worker_within_seconds_and_the_e_mail_is_retried_later(
    processes, a_booking_with_its_e_mail_due, black_hole_smtp, working_smtp
):
    # given a mail worker sending to a server that never answers
    worker = mail_worker(processes, black_hole_smtp.url)
    wait_until(lambda: black_hole_smtp.connections, timeout=30, what="the worker to connect")

    # when it gets SIGTERM in the middle of the send
    took = worker.stop(timeout=SMTP_TIMEOUT + 10)

    # then it stopped cleanly within the SMTP timeout and a few seconds
    assert worker.returncode == 0, worker.log()
    assert took < SMTP_TIMEOUT + A_FEW_SECONDS, f"stopping took {took:.1f} s"
    assert worker.output() == "Ran 1 delivery."
    # and the e-mail is failed, not lost: the timeout is recorded, a retry is due later
    status, attempts, error = e_mail_delivery(processes)
    assert (status, attempts) == ("failed", 1)
    assert "timed out" in error
    # and when it is retried with a mail server that works, Ana gets her e-mail, once
    assert deliver_later(processes, working_smtp) == "Ran 1 delivery."
    assert [message["To"] for message in working_smtp.messages] == ["ana@example.com"]
    assert e_mail_delivery(processes)[:2] == ("delivered", 2)


def test_a_worker_killed_mid_send_loses_nothing(
    processes, a_booking_with_its_e_mail_due, black_hole_smtp, working_smtp
):
    # given a mail worker sending to a server that never answers
    worker = mail_worker(processes, black_hole_smtp.url)
    wait_until(lambda: black_hole_smtp.connections, timeout=30, what="the worker to connect")

    # when it is killed outright in the middle of the send
    worker.kill()

    # then its transaction rolled back: the e-mail is still pending, no attempt counted
    assert e_mail_delivery(processes)[:2] == ("pending", 0)
    # and the next worker sends it
    assert (
        processes.manage("process_events", "--once", "--queue", "mail", EMAIL_URL=working_smtp.url)
        == "Ran 1 delivery."
    )
    assert [message["To"] for message in working_smtp.messages] == ["ana@example.com"]


def test_an_idle_worker_stops_at_once_on_sigterm_whatever_its_poll_interval(processes):
    # given a worker with nothing to do, waiting 60 s between polls
    worker = processes.start("process_events", "--poll-interval", "60")
    wait_until(lambda: "process_events started" in worker.log(), timeout=30, what="the worker")
    time.sleep(0.3)  # into its wait

    # when it gets SIGTERM
    took = worker.stop(timeout=10)

    # then it stopped at once, cleanly: not after its 60 s wait (the bound leaves room for a
    # loaded machine, where an interpreter's exit alone has taken 1.5 s)
    assert worker.returncode == 0, worker.log()
    assert took < 5, f"stopping took {took:.1f} s"
    assert worker.output() == "Ran 0 deliveries."
