"""`export_member_data` and `erase_member`: a member named by id or e-mail, clear errors and
exit status for an unknown one, and nothing changed by a dry run or a refused confirmation."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.utils import timezone

from bookings.models import Booking
from events.models import StoredEvent
from members.models import Member
from tests.factories import BookingFactory, FitnessClassFactory, member_with_credits

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    member = member_with_credits(2, name="Ana Silva", email="ana@example.com")
    BookingFactory(
        member=member,
        fitness_class=FitnessClassFactory(starts_at=timezone.now() + timedelta(days=1)),
    )
    return member


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- export_member_data ----------------------------------------------------------------------


def test_the_export_goes_to_stdout_as_json_by_default(ana):
    data = json.loads(run("export_member_data", "ANA@example.com"))

    assert data["member_id"] == str(ana.pk)
    assert data["profile"]["name"] == "Ana Silva"
    assert len(data["bookings"]) == 1


def test_the_export_writes_a_zip_of_csv_files_to_the_output(ana, tmp_path):
    path = tmp_path / "ana.zip"

    said = run("export_member_data", str(ana.pk), "--format", "csv", "--output", str(path))

    assert str(path) in said
    assert "bookings.csv" in zipfile.ZipFile(path).namelist()


def test_a_json_export_can_go_to_a_file(ana, tmp_path):
    path = tmp_path / "ana.json"

    run("export_member_data", str(ana.pk), "--output", str(path))

    assert json.loads(path.read_text())["profile"]["email"] == "ana@example.com"


def test_a_csv_export_needs_an_output_file(ana):
    with pytest.raises(CommandError, match="--output"):
        run("export_member_data", str(ana.pk), "--format", "csv")


def test_an_unwritable_output_is_a_clear_error(ana, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        run("export_member_data", str(ana.pk), "--output", str(tmp_path / "no" / "such.json"))


@pytest.mark.parametrize("command", ["export_member_data", "erase_member"])
def test_an_unknown_member_is_a_clear_error_with_exit_status_1(command, capsys):
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", command, "nobody@example.com"]).execute()

    assert exited.value.code == 1
    assert "No member has the id or e-mail 'nobody@example.com'." in capsys.readouterr().err


# --- erase_member ----------------------------------------------------------------------------


def test_a_dry_run_says_what_would_be_done_and_changes_nothing(ana):
    said = run("erase_member", "ana@example.com", "--dry-run")

    assert "Cancel 1 upcoming booking" in said
    assert "Dry run: nothing was changed." in said
    ana.refresh_from_db()
    assert (ana.name, ana.erased_at) == ("Ana Silva", None)
    assert not StoredEvent.objects.exists()


def test_with_yes_the_member_is_erased_by_the_command(ana):
    said = run("erase_member", str(ana.pk), "--yes")

    assert f"Erased member {ana.pk}: 1 booking cancelled, 0 waitlists left." in said
    ana.refresh_from_db()
    assert ana.name == "Erased member"
    assert Booking.objects.get(member=ana).status == "cancelled"
    erased = StoredEvent.objects.get(type="MemberErased")
    assert (erased.actor_kind, erased.actor_label) == ("system", "erase_member command")


def test_erasing_again_says_so_and_changes_nothing(ana):
    run("erase_member", str(ana.pk), "--no-input")

    said = run("erase_member", str(ana.pk), "--no-input")

    assert "Already erased: nothing was changed." in said
    assert StoredEvent.objects.filter(type="MemberErased").count() == 1


def test_without_a_terminal_or_yes_nothing_is_erased(ana, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("erase\n"))

    with pytest.raises(CommandError, match="pass --yes"):
        run("erase_member", str(ana.pk))

    assert Member.objects.get(pk=ana.pk).erased_at is None


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "erased"), [("erase", True), ("no", False)])
def test_on_a_terminal_the_command_asks_first(ana, monkeypatch, answer, erased):
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: answer)

    if erased:
        run("erase_member", str(ana.pk))
    else:
        with pytest.raises(CommandError, match="Not erased"):
            run("erase_member", str(ana.pk))

    assert (Member.objects.get(pk=ana.pk).erased_at is not None) is erased
