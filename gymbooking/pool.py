"""The connection pool's check before it lends a connection out (DATABASE_POOL).

psycopg_pool's own check (what Django uses with CONN_HEALTH_CHECKS) sends an empty query: a
round trip to the server on every request, which costs more than a small page's own query.
An idle connection is only unusable if the server closed it (a restart, a terminated
backend, an idle timeout), and a server closing a connection writes to it first (the error
saying why, then the end of the stream). So: a connection whose socket has nothing to read
is lent as it is, for the price of a poll; one with something to read gets the real check,
which raises on a closed one (the pool then opens a new connection).
"""

import select


def check_pooled_connection(conn) -> None:
    """Raise if the server has closed this idle connection; return quietly otherwise."""
    from psycopg_pool import ConnectionPool

    if not conn.closed and not conn.broken:
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
        if not readable:
            return
    ConnectionPool.check_connection(conn)
