"""What the probes and metrics read besides the event log: when each worker last said it was
alive, and when each periodic job last succeeded and last failed. One row per worker or job,
updated in place, so the tables never grow with time."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """A worker's last sign of life (`ops.heartbeats.beat`)."""

    name = models.CharField(max_length=200, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class JobRun(models.Model):
    """The last outcomes of one periodic job (`ops.heartbeats.record_job_run`)."""

    job = models.CharField(max_length=100, unique=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job"]

    def __str__(self) -> str:
        return self.job
