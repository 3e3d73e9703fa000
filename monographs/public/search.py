"""The public search page: published monographs only, a constant handful of queries."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from monographs.search.query import MAX_QUERY_CHARS
from monographs.search.results import MAX_RESULTS, search_drugs

RESULTS_PER_PAGE = 10


def _page_url(query: str, number: int) -> str:
    return "?" + urlencode({"q": query, "page": number})


@require_safe
def search(request):
    """Search results for ?q=, best first, with highlighted passages and pages of results."""
    results = search_drugs(request.GET.get("q", ""))
    query = results.query
    page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "query": query,
        "results": results,
        "page": page,
        "hits": page.object_list,
        "max_query_chars": MAX_QUERY_CHARS,
        "max_results": MAX_RESULTS,
        "previous_url": _page_url(query.text, page.number - 1) if page.has_previous() else "",
        "next_url": _page_url(query.text, page.number + 1) if page.has_next() else "",
    }
    return render(request, "monographs/search.html", context)
