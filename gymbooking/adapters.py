"""The small framework adapters the use cases need besides repositories."""

from contextlib import AbstractContextManager
from datetime import datetime

from django.db import transaction
from django.utils import timezone


class SystemClock:
    def now(self) -> datetime:
        return timezone.now()


class DjangoTransactions:
    def atomic(self) -> AbstractContextManager[object]:
        return transaction.atomic()
