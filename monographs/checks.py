"""Deployment checks for what the public page cache (monographs/caching.py) relies on."""

import os

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.checks import Warning


def page_cache_shared_by_workers(app_configs, **kwargs) -> list[Warning]:
    """Warn when the page cache is local to each process and several worker processes may run.

    A publish or unpublish moves the generation only in the cache of the worker that handled
    it; every other worker keeps serving its own copies until they expire. gunicorn takes its
    number of workers from WEB_CONCURRENCY (medref/gunicorn.py), 1 when unset.
    """
    if not isinstance(caches[DEFAULT_CACHE_ALIAS], LocMemCache):
        return []
    workers = os.environ.get("WEB_CONCURRENCY", "1").strip()
    if workers.isdigit() and int(workers) <= 1:
        return []
    seconds = settings.MEDREF_PAGE_CACHE_SECONDS or 60  # generation_cached's bound when off
    return [
        Warning(
            f"The page cache is local to each process, and WEB_CONCURRENCY={workers} lets "
            f"several workers run: after an unpublish or a publish, the other workers go on "
            f"serving the old pages for up to {seconds} s.",
            hint="Set REDIS_URL so that every worker shares one cache, or run one worker.",
            id="monographs.W001",
        )
    ]
