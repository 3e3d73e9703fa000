"""The benchmark floor: a monograph page's exact bytes, with no database and no template.

`bench/run.py` compares every page with this view. Only `bench/urls.py` routes it (production's
URLs never do); it sits behind the same middleware as every other view, and answers with the
bytes the real page returned the first time it was asked for that slug: the fastest a Django
page of the same size can be served by the same project.
"""

from collections import OrderedDict
from threading import Lock

from django.http import Http404, HttpResponse
from django.test import Client
from django.urls import reverse

MAX_PAGES = 16

_pages: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
_lock = Lock()


def _capture(request, slug: str) -> tuple[bytes, str]:
    """Fetch the real monograph page once, through the whole stack, as an anonymous reader."""
    client = Client(HTTP_HOST=request.get_host())
    response = client.get(
        reverse("monographs:drug_detail", kwargs={"slug": slug}), secure=request.is_secure()
    )
    if response.status_code != 200:
        raise Http404("No published monograph to serve as the floor.")
    return response.content, response["Content-Type"]


def floor_page(request, slug: str) -> HttpResponse:
    """Serve the captured bytes of the monograph page for `slug`."""
    page = _pages.get(slug)
    if page is None:
        page = _capture(request, slug)
        with _lock:
            _pages[slug] = page
            while len(_pages) > MAX_PAGES:
                _pages.popitem(last=False)
    content, content_type = page
    return HttpResponse(content, content_type=content_type)


def forget_pages() -> None:
    """Drop every captured page (tests, or after the dataset changed)."""
    with _lock:
        _pages.clear()
