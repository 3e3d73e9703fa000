"""Public pages are cached whole; publishing or unpublishing anything starts a new generation.

A cached page is stored with the generation it was rendered in and served only while that
generation is current, so a publish or unpublish (which bumps the generation once its
transaction commits) shows on every public page at once, whichever process serves it.

A page can also stop being true without anything being published, when the clock passes a
moment it depends on (a part's review falling due): its view states that moment with
`true_until`, and no copy of the page is kept past it.

The generation and the time of the last public change live in the shared cache. When the
cache loses them (restart, eviction) they start again from the clock, which is always ahead
of any earlier generation, so a page cached before the loss can never be served again.
"""

import hashlib
import time
import zlib
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

GENERATION_KEY = "medref:public-generation"
CHANGED_AT_KEY = "medref:public-changed-at"
PAGE_KEY_PREFIX = "medref:page:"

T = TypeVar("T")

# Browsers and proxies keep a page but ask again every time; the answer is a cheap 304 as long
# as nothing was published, and a reader never sees an old version after an approval.
DEFAULT_CACHE_CONTROL = "public, max-age=0, must-revalidate"


def _clock_generation() -> int:
    # Nanoseconds: a generation restarted from the clock must be ahead of one that started
    # from it earlier and was bumped once per publish since (a millisecond clock can tie).
    return time.time_ns()


def public_generation() -> int:
    """The current generation of public content; part of every cached page entry."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, _clock_generation(), timeout=None)
        generation = cache.get(GENERATION_KEY, _clock_generation())
    return generation


def public_changed_at() -> float:
    """When public content last changed (seconds since the epoch), as far as the cache knows."""
    changed_at = cache.get(CHANGED_AT_KEY)
    if changed_at is None:
        cache.add(CHANGED_AT_KEY, time.time(), timeout=None)
        changed_at = cache.get(CHANGED_AT_KEY, time.time())
    return changed_at


def public_pages_changed() -> None:
    """Invalidate every cached public page (called once a publish or unpublish commits)."""
    cache.set(CHANGED_AT_KEY, time.time(), timeout=None)
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        # Lost from the cache: restart from the clock, ahead of every generation before.
        cache.set(GENERATION_KEY, _clock_generation(), timeout=None)


def true_until(response: HttpResponse, until: datetime | None, *, since: datetime | None = None):
    """State when `response` stops being true (None: only when something is published), and
    since when it has been so if that is later than the last publish; return the response."""
    response.true_until = until
    response.true_since = since
    return response


def _seconds_true(response, timeout: int) -> int:
    """How long `response` may be kept: `timeout`, capped at when it stops being true."""
    until = getattr(response, "true_until", None)
    if until is None:
        return timeout
    return min(timeout, int(until.timestamp() - time.time()))


def _last_modified(response, changed_at: float) -> float:
    """The last public change, or the moment the page last changed by itself if later."""
    since = getattr(response, "true_since", None)
    return changed_at if since is None else max(changed_at, since.timestamp())


def _current_entry(key: str) -> tuple[int, tuple | None]:
    """The current generation, and the entry stored under `key` if it was made in it.

    Entries are `(generation, ...)` tuples; one cache round trip fetches both.
    """
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    if generation is None:
        generation = public_generation()
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return generation, entry
    return generation, None


def generation_cached(key: str, compute: Callable[[], T]) -> T:
    """A small value derived from all public content, computed once per generation.

    For summaries that would otherwise scan every published monograph on each request (which
    letters of the A-Z have monographs, the drug classes): they change only when something is
    published or unpublished, exactly when the generation moves on.
    """
    generation, entry = _current_entry(key)
    if entry is not None:
        return entry[1]
    value = compute()
    # Bounded like a page, for caches one process cannot see another's publish in (locmem).
    cache.set(key, (generation, value), settings.MEDREF_PAGE_CACHE_SECONDS or 60)
    return value


def page_cache_key(request, params: tuple[str, ...] | None = None) -> str:
    """The cache key of a public page: its path plus its query (or only the named parameters)."""
    if params is None:
        query = request.META.get("QUERY_STRING", "")
    else:
        query = "&".join(f"{name}={request.GET.get(name, '')}" for name in params)
    digest = hashlib.blake2b(f"{request.path}?{query}".encode(), digest_size=20).hexdigest()
    return PAGE_KEY_PREFIX + digest


def content_etag(content: bytes) -> str:
    """A validator that changes whenever the bytes do (64 bits of checksum, plus the length)."""
    return f'"{zlib.crc32(content):08x}{zlib.adler32(content):08x}-{len(content):x}"'


def _is_shareable(request, response) -> bool:
    """Only a plain 200 that no cookie, session or CSRF token went into may be shared."""
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "Vary" not in response
        and not response.has_header("Cache-Control")
        and not (session is not None and session.accessed)
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not request.META.get("CSRF_COOKIE_USED")
    )


_CONDITIONAL_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)


class _Validators(NamedTuple):
    """A page's ETag and Last-Modified (stored with the page as a plain tuple)."""

    etag: str
    last_modified: float
    last_modified_http: str

    @classmethod
    def of(cls, content: bytes, last_modified: float) -> "_Validators":
        return cls(content_etag(content), last_modified, http_date(last_modified))


def _finish(request, response, validators: _Validators, cache_control: str):
    response["ETag"] = validators.etag
    response["Last-Modified"] = validators.last_modified_http
    response["Cache-Control"] = cache_control
    if not any(header in request.META for header in _CONDITIONAL_HEADERS):
        return response
    return get_conditional_response(
        request,
        etag=validators.etag,
        last_modified=int(validators.last_modified),
        response=response,
    )


class PublicPage(NamedTuple):
    """How a public view's pages are cached: attached to the view by `cached_public_page`."""

    params: tuple[str, ...] | None
    cache_control: str


def cached_public_page(view=None, *, params: tuple[str, ...] | None = None, cache_control=None):
    """Mark a public GET view whose pages are the same for every visitor, for `PageCacheMiddleware`.

    `params` names the query parameters the page depends on (others are ignored in the cache
    key, so arbitrary query strings cannot fill the cache); by default the whole query string
    counts. Every response gets a content-hash `ETag`, a `Last-Modified` of the last public
    change and `Cache-Control` (`cache_control`, or revalidate every time).
    """

    def decorator(view_func):
        view_func.public_page = PublicPage(params, cache_control or DEFAULT_CACHE_CONTROL)
        return view_func

    if view is not None:
        return decorator(view)
    return decorator


def _public_page(request) -> PublicPage | None:
    """The caching of the public view this GET or HEAD request is routed to, if it is one."""
    if request.method not in ("GET", "HEAD"):
        return None
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None
    return getattr(match.func, "public_page", None)


class PageCacheMiddleware:
    """Serve public pages whole from the cache, ahead of the rest of the middleware.

    It sits right after the security and static-file middleware. A hit skips sessions, CSRF,
    authentication, messages, URL dispatch and the view, and carries the headers the whole
    stack gave the page when it was stored (Content-Security-Policy, X-Frame-Options, ...); it
    costs one cache round trip (the generation and the page together). A miss runs the stack
    and stores the page if nothing personal went into it. With the cache off
    (`MEDREF_PAGE_CACHE_SECONDS=0`) pages still get validators and 304 answers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        page = _public_page(request)
        if page is None:
            return self.get_response(request)
        timeout = settings.MEDREF_PAGE_CACHE_SECONDS
        if timeout <= 0:
            response = self.get_response(request)
            if not _is_shareable(request, response):
                return response
            last_modified = _last_modified(response, public_changed_at())
            validators = _Validators.of(response.content, last_modified)
            return _finish(request, response, validators, page.cache_control)

        key = page_cache_key(request, page.params)
        generation, entry = _current_entry(key)
        if entry is not None:
            request.get_host()  # a hit skips CommonMiddleware: refuse a disallowed Host here too
            _generation, content, headers, validators = entry
            response = HttpResponse(content, headers=dict(headers))
            return _finish(request, response, _Validators(*validators), page.cache_control)

        changed_at = public_changed_at()
        response = self.get_response(request)
        if not _is_shareable(request, response):
            return response
        validators = _Validators.of(response.content, _last_modified(response, changed_at))
        timeout = _seconds_true(response, timeout)
        if timeout > 0:
            entry = (generation, response.content, tuple(response.items()), tuple(validators))
            cache.set(key, entry, timeout)
        return _finish(request, response, validators, page.cache_control)
