"""The public search page and its suggestions: published monographs only.

A results page costs a constant handful of queries, and none when its query was answered
since the last publication (`monographs.search.results`); suggestions cost none once the
process has its suggestion index.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_safe
from django_ratelimit.core import is_ratelimited

from monographs.public.page_cache import cached_public_page
from monographs.search.query import MAX_QUERY_CHARS
from monographs.search.results import MAX_RESULTS, search_drugs
from monographs.search.suggest import suggest

RESULTS_PER_PAGE = 10
# A reader typing fast asks a few times a second; a cached answer is not counted. The benchmark,
# one address asking thousands of times a second, sets MEDREF_SUGGEST_RATE higher.
SUGGEST_RATE = getattr(settings, "MEDREF_SUGGEST_RATE", "120/m")


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


@cached_public_page(params=("q",))
@require_safe
def search_suggest(request):
    """Drugs whose name, brand name or synonym starts with ?q=, as JSON for the search box.

    Plain strings (the script puts them into text nodes), never HTML.
    """
    if is_ratelimited(request, group="search-suggest", key="ip", rate=SUGGEST_RATE, increment=True):
        return JsonResponse(
            {"error": "Too many suggestions asked for; wait a moment.", "suggestions": []},
            status=429,
        )
    found = suggest(request.GET.get("q", ""))
    return JsonResponse({"suggestions": [suggestion.as_json() for suggestion in found]})
