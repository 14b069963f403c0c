"""Static files across a rolling deploy: collectstatic into a STATIC_ROOT kept between
deploys (never --clear) adds the new release's hashed files beside the previous one's, and
WhiteNoise serves both — each for ever (immutable), since a hashed name never changes — so a
page rendered by either release finds its stylesheet on a node of the other.
"""

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import storages
from django.core.management import call_command
from django.http import HttpResponse
from django.templatetags.static import static
from django.test import RequestFactory

from ops.static import StaticFilesMiddleware

BASE_DIR = Path(__file__).resolve().parents[2]
STYLESHEET = "css/gymbooking.css"
MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.fixture
def release(tmp_path, settings):
    """The project's static sources in a folder of their own (so a test can change them),
    collected with the production storage into a STATIC_ROOT outside any release."""
    sources = tmp_path / "sources"
    shutil.copytree(BASE_DIR / "static", sources)
    settings.STATICFILES_DIRS = [sources]
    settings.STATIC_ROOT = tmp_path / "static-root"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": MANIFEST_STORAGE},
    }
    return sources


def collectstatic() -> str:
    """Collect as a deploy does (no --clear), and return the stylesheet's hashed URL."""
    call_command("collectstatic", "--noinput", verbosity=0)
    storages._storages.pop("staticfiles", None)  # a new release's process: the new manifest
    return static(STYLESHEET)


def node() -> StaticFilesMiddleware:
    """A web node's static files middleware, as it is when the node starts."""
    return StaticFilesMiddleware(lambda request: HttpResponse(status=404))


def serve(url: str, started=None):
    """The request as a node answers it: freshly started, or one `started` earlier."""
    return (started or node())(RequestFactory().get(url))


def test_both_releases_stylesheets_are_served_for_ever_after_two_deploys(release):
    old_url = collectstatic()
    stylesheet = release / STYLESHEET
    stylesheet.write_text(stylesheet.read_text() + "\n.new-release { color: inherit; }\n")

    new_url = collectstatic()

    assert old_url != new_url
    for url in (old_url, new_url):
        assert re.fullmatch(r"/static/css/gymbooking\.[0-9a-f]{12}\.css", url)
        response = serve(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "max-age=315360000, public, immutable", url
    assert b".new-release" in b"".join(serve(new_url).streaming_content)
    assert b".new-release" not in b"".join(serve(old_url).streaming_content)


def test_a_node_started_before_the_deploy_serves_the_new_release_s_stylesheet(release):
    # given a node running the old release
    collectstatic()
    old_node = node()
    stylesheet = release / STYLESHEET
    stylesheet.write_text(stylesheet.read_text() + "\n.new-release { color: inherit; }\n")

    # when the new release is collected, and a page it rendered sends a browser to that node
    new_url = collectstatic()
    response = serve(new_url, started=old_node)

    # then the old node finds the new file on disk and serves it for ever
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert b".new-release" in b"".join(response.streaming_content)


def test_a_missing_hashed_name_is_still_not_found(release):
    collectstatic()

    assert serve("/static/css/gymbooking.0123456789ab.css").status_code == 404


def test_a_hashed_looking_name_outside_the_static_root_is_never_served(release, tmp_path):
    collectstatic()
    (tmp_path / "secret.0123456789ab.txt").write_text("not static")

    assert serve("/static/../secret.0123456789ab.txt").status_code == 404


def test_without_the_immutable_test_the_old_release_s_file_would_be_cached_a_minute(
    release, settings
):
    """Why WHITENOISE_IMMUTABLE_FILE_TEST is set: WhiteNoise's own test only knows the
    current manifest's names."""
    old_url = collectstatic()
    (release / STYLESHEET).write_text("body { margin: 0; }\n")
    collectstatic()
    del settings.WHITENOISE_IMMUTABLE_FILE_TEST

    response = serve(old_url)

    assert response.status_code == 200
    assert "immutable" not in response["Cache-Control"]


def test_unhashed_names_are_not_cached_for_ever(release):
    collectstatic()

    response = serve(f"/{django_settings.STATIC_URL.strip('/')}/{STYLESHEET}")

    assert response.status_code == 200
    assert "immutable" not in response["Cache-Control"]
