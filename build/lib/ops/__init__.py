"""Operations: health and readiness probes, Prometheus metrics, worker heartbeats and job runs,
structured logs with the request's context, and error reporting."""
