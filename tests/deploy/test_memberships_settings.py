"""The membership freeze limit is a setting, and one that could never allow a freeze is
refused at start-up."""

from tests.deploy.test_settings_from_env import load_settings


def test_a_freeze_limit_below_one_day_is_refused():
    loaded = load_settings(DEBUG="True", GYM_MEMBERSHIP_MAX_FREEZE_DAYS="0")

    assert loaded.returncode != 0
    assert "GYM_MEMBERSHIP_MAX_FREEZE_DAYS must be at least 1." in loaded.stderr


def test_the_default_limit_starts():
    assert load_settings(DEBUG="True").returncode == 0
