"""Public pages are cached whole; publishing or unpublishing anything starts a new generation."""

from django.core.cache import cache

GENERATION_KEY = "medref:public-generation"


def public_generation() -> int:
    """The current generation of public content; part of every public cache key and ETag."""
    return cache.get_or_set(GENERATION_KEY, 1, timeout=None)


def public_pages_changed() -> None:
    """Invalidate every cached public page (called once a publish or unpublish commits)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, public_generation() + 1, timeout=None)
