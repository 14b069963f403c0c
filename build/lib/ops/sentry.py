"""Error reporting to Sentry, when SENTRY_DSN is set (called from settings)."""


def init_sentry(
    dsn: str,
    *,
    environment: str,
    release: str | None = None,
    traces_sample_rate: float = 0.0,
) -> bool:
    """Start the Sentry client with the Django integration; False (and nothing done) without
    a DSN. Personal data (users' e-mail addresses, IP addresses, cookies, request bodies) is
    not sent. Nothing connects here: events are sent from a background thread when they
    happen."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        environment=environment,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
    )
    return True
