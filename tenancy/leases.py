"""Job leases: a periodic job runs at most once at a time, whatever starts it twice.

Two beat processes started by mistake, or a slow run overlapping the next, would otherwise run a job twice at
once. Each job name has one platform row (tenancy.JobLease). A run claims it with ONE conditional UPDATE that
succeeds only when the lease is free or expired, and releases it when the run ends; a run that finds it held
skips. No advisory or row lock is held across the run: a transaction pooler may hand the next statement to
another server connection (session locks would leak), a long transaction would pin the row, and SQLite has
neither. The database clock decides expiry, so workers with skewed clocks agree. A run that dies keeps the
lease until it expires (`ttl`): choose a ttl longer than a run takes, since a run that outlives it may overlap
the next one.

The rows have no tenant and are read and written directly on the application's connection, like TenantDomain,
each statement committing at once (call this outside a transaction, as tasks do), so every process sees them.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.db.models import DateTimeField, ExpressionWrapper, Q, Value
from django.db.models.functions import Now

from tenancy.models import JobLease

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 600


def _holder() -> str:
    """Names this run: the host and process (for an operator reading the row) and a random part (unique)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"[:200]


def claim_lease(*, name: str, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> str | None:
    """Take the lease of `name` for `ttl_seconds`; return the holder token, or None when another holds it."""
    if ttl_seconds <= 0:
        raise ValueError(f"A lease needs a positive ttl, got {ttl_seconds!r}")
    leases = JobLease.objects.using(DEFAULT_DB_ALIAS)
    if not leases.filter(name=name).exists():
        # Insert-ignore: a concurrent first claim may insert the row between the check and here.
        try:
            with transaction.atomic(using=DEFAULT_DB_ALIAS):
                leases.create(name=name)
        except IntegrityError:
            pass
    holder = _holder()
    expires = ExpressionWrapper(Now() + Value(timedelta(seconds=ttl_seconds)), output_field=DateTimeField())
    won = leases.filter(Q(expires_at__isnull=True) | Q(expires_at__lt=Now()), name=name).update(
        holder=holder, claimed_at=Now(), expires_at=expires
    )
    return holder if won else None


def release_lease(*, name: str, holder: str) -> bool:
    """Free the lease if this holder still has it (after an expiry another run may have taken it over)."""
    freed = JobLease.objects.using(DEFAULT_DB_ALIAS).filter(name=name, holder=holder).update(holder="", expires_at=None)
    return bool(freed)


@contextlib.contextmanager
def job_lease(name: str, *, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> Iterator[bool]:
    """`with job_lease("tickets.sweep_feed") as held:` — run the body only `if held`; released at the end."""
    holder = claim_lease(name=name, ttl_seconds=ttl_seconds)
    if holder is None:
        logger.info("Skipping %s: another run holds its lease", name)
        yield False
        return
    try:
        yield True
    finally:
        if not release_lease(name=name, holder=holder):
            logger.warning("%s ran past its lease (%ss); another run may have overlapped it", name, ttl_seconds)


def leased(name: str, *, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> Callable:
    """Decorate a periodic job so that it runs only while it holds its lease; a skipped run returns None."""

    def decorate(job: Callable) -> Callable:
        @functools.wraps(job)
        def run(*args, **kwargs):
            with job_lease(name, ttl_seconds=ttl_seconds) as held:
                if not held:
                    return None
                return job(*args, **kwargs)

        return run

    return decorate
