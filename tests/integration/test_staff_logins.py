"""The first staff login: `create_staff` makes one that signs in whatever the letter case,
refuses duplicates in any case, takes its password from a prompt or a file and works at the
locations it is given; Django's own `createsuperuser` with a mixed-case name makes a login
that can sign in too."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


def sign_in_request():
    """What the sign-in page passes to authenticate (django-axes counts attempts per request)."""
    return RequestFactory().post("/accounts/login/")


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def password_file(tmp_path):
    path = tmp_path / "password"
    path.write_text(PASSWORD + "\n")
    return path


def create_staff(*args: str) -> str:
    out = StringIO()
    call_command("create_staff", *args, stdout=out)
    return out.getvalue()


def test_create_staff_makes_a_lower_case_superuser_who_signs_in_in_any_case(password_file):
    out = create_staff(
        "--email", "OpsAdmin@Gym.Example.com", "--superuser", "--password-file", password_file
    )

    user = get_user_model().objects.get()
    assert (user.username, user.email) == ("opsadmin@gym.example.com", "opsadmin@gym.example.com")
    assert user.is_staff and user.is_superuser
    assert out == (
        "Created the staff login opsadmin@gym.example.com (superuser); sign in at /admin/.\n"
        "It works at every location.\n"
    )
    for typed in (
        "OpsAdmin@Gym.Example.com",
        "opsadmin@gym.example.com",
        " OPSADMIN@GYM.EXAMPLE.COM",
    ):
        assert authenticate(request=sign_in_request(), username=typed, password=PASSWORD) == user


def test_create_staff_with_a_username_and_a_group(password_file):
    create_staff(
        "--email",
        "desk@gym.example.com",
        "--username",
        "FrontDesk",
        "--name",
        "Dee Sk",
        "--group",
        "Front desk",
        "--password-file",
        password_file,
    )

    user = get_user_model().objects.get()
    assert user.username == "frontdesk"
    assert (user.first_name, user.last_name) == ("Dee", "Sk")
    assert [g.name for g in user.groups.all()] == ["Front desk"]
    assert user.is_staff and not user.is_superuser
    assert authenticate(request=sign_in_request(), username="FRONTDESK", password=PASSWORD) == user


def test_create_staff_at_named_locations_works_there_only(password_file):
    old_town, riverside = LocationFactory(name="Old Town"), LocationFactory(name="Riverside")
    LocationFactory(name="Harbour")

    out = create_staff(
        "--email", "desk@gym.example.com", "--group", "Front desk",
        "--location", "Riverside", "--location", "Old Town", "--password-file", password_file,
    )  # fmt: skip

    user = get_user_model().objects.get()
    assert set(user.staffed_locations.all()) == {old_town, riverside}
    assert not user.has_perm("locations.work_at_every_location")
    assert out.endswith("It works at Old Town, Riverside.\n")


def test_create_staff_for_every_location_holds_the_chain_permission(password_file):
    LocationFactory(name="Old Town")

    out = create_staff(
        "--email", "boss@gym.example.com", "--every-location", "--password-file", password_file
    )

    user = get_user_model().objects.get()
    assert user.has_perm("locations.work_at_every_location")
    assert not user.staffed_locations.exists()
    assert out.endswith("It works at every location.\n")


def test_create_staff_without_a_location_says_it_sees_none_yet(password_file):
    out = create_staff("--email", "new@gym.example.com", "--password-file", password_file)

    assert out.endswith(
        "It works at no location yet: give --location, or add it to a location's staff in the "
        "admin.\n"
    )


def test_an_unknown_location_is_refused_and_names_the_locations_there_are(password_file):
    LocationFactory(name="Old Town")

    with pytest.raises(CommandError, match=r"No location Nowhere \(there are: Old Town\)"):
        create_staff(
            "--email", "a@b.example", "--location", "Nowhere", "--password-file", password_file
        )

    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("--email", "OPS@gym.example.com"),
        ("--email", "other@gym.example.com", "--username", "Ops@Gym.Example.com"),
    ],
)
def test_a_login_or_e_mail_taken_in_any_case_is_refused(password_file, args):
    create_staff("--email", "ops@gym.example.com", "--password-file", password_file)

    with pytest.raises(CommandError, match="already exists"):
        create_staff(*args, "--password-file", password_file)

    assert get_user_model().objects.count() == 1


def test_an_unknown_group_is_refused_and_names_the_groups_there_are(password_file):
    with pytest.raises(CommandError, match=r"No group Owners \(there are: Front desk, Manager\)"):
        create_staff(
            "--email", "a@b.example", "--group", "Owners", "--password-file", password_file
        )

    assert not get_user_model().objects.exists()
    assert Group.objects.count() == 2


def test_a_weak_password_is_refused(tmp_path):
    weak = tmp_path / "weak"
    weak.write_text("password\n")

    with pytest.raises(CommandError, match="The password is refused"):
        create_staff("--email", "a@b.example", "--password-file", weak)

    assert not get_user_model().objects.exists()


def test_the_password_is_asked_for_twice_on_a_terminal(monkeypatch):
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))

    create_staff("--email", "Ops@gym.example.com", "--superuser")

    assert (
        authenticate(request=sign_in_request(), username="ops@gym.example.com", password=PASSWORD)
        is not None
    )


def test_passwords_that_do_not_match_are_refused(monkeypatch):
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))

    with pytest.raises(CommandError, match="do not match"):
        create_staff("--email", "ops@gym.example.com")

    assert not get_user_model().objects.exists()


def test_without_a_terminal_or_a_password_file_it_says_to_use_the_file(monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)

    with pytest.raises(CommandError, match="use --password-file"):
        create_staff("--email", "ops@gym.example.com")


# --- Django's createsuperuser ----------------------------------------------------------------


def test_createsuperuser_with_a_mixed_case_name_makes_a_login_that_signs_in(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)

    call_command(
        "createsuperuser",
        "--username",
        "OpsAdmin",
        "--email",
        "Ops@Gym.example.com",
        "--noinput",
        stdout=StringIO(),
    )

    user = get_user_model().objects.get()
    assert (user.username, user.email) == ("opsadmin", "ops@gym.example.com")
    assert authenticate(request=sign_in_request(), username="OpsAdmin", password=PASSWORD) == user


def test_createsuperuser_refuses_a_login_that_differs_only_in_case(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command(
        "createsuperuser", "--username", "opsadmin", "--email", "", "--noinput", stdout=StringIO()
    )

    with pytest.raises(CommandError, match="'opsadmin' already exists"):
        call_command(
            "createsuperuser",
            "--username",
            "OpsAdmin",
            "--email",
            "",
            "--noinput",
            stdout=StringIO(),
        )

    assert get_user_model().objects.count() == 1
