"""What every PostgreSQL connection of the site is set up with (gymbooking/env.py)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a PostgreSQL setting; SQLite has no JIT"
)
def test_a_connection_runs_its_queries_without_jit_compilation():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
