"""A read-only JSON API of published monographs, in the exporter's document shape.

Responses are cached whole and carry `ETag`, `Last-Modified` and `Cache-Control` (see
`monographs.public.page_cache`), so clients revalidate with a cheap 304.
"""

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import CharField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from monographs.models import Drug, RetiredSlug, SearchDocument
from monographs.public.article import PartReview, falls_due_at, part_reviews, reviewer_credits
from monographs.public.page_cache import cached_public_page, true_until

DRUGS_PER_PAGE = 50


def _json(data: dict, *, status: int = 200) -> JsonResponse:
    return JsonResponse(
        data, status=status, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False}
    )


def _not_found(detail: str) -> JsonResponse:
    return _json({"detail": detail}, status=404)


def without_html(value):
    """A revision's content as the exporter writes it: no rendered HTML."""
    if isinstance(value, dict):
        return {key: without_html(item) for key, item in value.items() if key != "html"}
    if isinstance(value, list):
        return [without_html(item) for item in value]
    return value


def _absolute(path: str) -> str:
    """Links on the canonical SITE_URL (responses are cached whatever host was asked)."""
    return settings.SITE_URL + path


def _page_link(number: int) -> str:
    return _absolute(reverse("monographs:api_drugs") + "?" + urlencode({"page": number}))


@require_safe
@cached_public_page(params=("page",))
def drug_list(request):
    """Published monographs by name, a page at a time."""
    drugs = (
        Drug.objects.published()
        .annotate(
            public_name=Coalesce(
                "search_document__name",
                KeyTextTransform("name", "published_revision__content"),
                output_field=CharField(),
            )
        )
        .order_by("public_name", "pk")
        .values_list("search_document__slug", "public_name", "published_revision__approved_at")
    )
    paginator = Paginator(drugs, DRUGS_PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (EmptyPage, PageNotAnInteger):
        return _not_found("Invalid page.")
    results = [
        {
            "slug": slug,
            "name": name,
            "url": _absolute(reverse("monographs:api_drug", args=[slug])),
            "page_url": _absolute(reverse("monographs:drug_detail", args=[slug])),
            "last_reviewed": approved_at,
        }
        for slug, name, approved_at in page.object_list
    ]
    return _json(
        {
            "count": paginator.count,
            "next": _page_link(page.next_page_number()) if page.has_next() else None,
            "previous": (_page_link(page.previous_page_number()) if page.has_previous() else None),
            "results": results,
        }
    )


def _review(review: PartReview | None, today) -> dict | None:
    if review is None:
        return None
    return {
        "reviewed_at": review.reviewed_at,
        "reviewed_by": list(review.credits),
        "next_review_due": review.next_review_due,
        "overdue": review.next_review_due < today,
        # Its reviewers signed that they take editorial responsibility for it.
        "editorial_responsibility_taken": review.responsibility_taken,
    }


def _with_reviews(items: list[dict], reviews: list, today) -> list[dict]:
    return [
        {**item, "review": _review(review, today)}
        for item, review in zip(items, reviews, strict=True)
    ]


@require_safe
@cached_public_page(params=())
def drug_detail(request, slug):
    """One published monograph: its approved revision's content and each part's review."""
    drug = (
        Drug.objects.published()
        .select_related("published_revision")
        .defer("published_revision__article_html")
        .filter(search_document__slug=slug)
        .first()
    )
    if drug is None:
        target = RetiredSlug.objects.current_slug(slug)
        if target is None:
            return _not_found("No published monograph has this slug.")
        return HttpResponsePermanentRedirect(reverse("monographs:api_drug", args=[target]))
    revision = drug.published_revision
    today = timezone.localdate()
    reviews = part_reviews(revision)
    document = without_html(revision.content)
    document["sections"] = _with_reviews(document.get("sections", []), reviews.sections, today)
    document["faqs"] = _with_reviews(document.get("faqs", []), reviews.faqs, today)
    if document.get("components"):
        # Only components published at that slug: a client follows them to /api/drugs/<slug>/.
        published = set(
            SearchDocument.objects.filter(slug__in=document["components"]).values_list(
                "slug", flat=True
            )
        )
        document["components"] = [slug for slug in document["components"] if slug in published]
    dues = sorted({review.next_review_due for review in reviews.all})
    passed = [due for due in dues if due < today]
    upcoming = [due for due in dues if due >= today]
    if reviews.all:
        reviewed_by = reviewer_credits(reviews.all)
    else:  # approved before reviews were recorded part by part
        reviewed_by = [revision.approved_by_credit] if revision.approved_by_credit else []
    response = _json(
        {
            **document,
            "page_url": _absolute(revision.page_url()),
            "reviewed_by": reviewed_by,
            "last_reviewed": revision.approved_at,
            "next_review_due": revision.next_review_due,
            "review_overdue_since": passed[0] if passed else None,
        }
    )
    # `overdue` turns true at midnight after a due date: no copy may outlive that moment.
    return true_until(
        response,
        falls_due_at(upcoming[0]) if upcoming else None,
        since=falls_due_at(passed[-1]) if passed else None,
    )
