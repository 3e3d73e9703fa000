"""A read-only JSON API of published monographs, described in `monographs.public.openapi`.

Responses are cached whole and carry `ETag`, `Last-Modified` and `Cache-Control` (see
`monographs.public.page_cache`), so clients revalidate with a cheap 304. Only a response the
cache cannot serve counts towards a client's rate limit. Nothing in a response links to, or
names the slug of, a monograph that is not published.
"""

import re
import string
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import CharField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, Substr, Upper
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.views.decorators.http import require_safe
from django_ratelimit.core import is_ratelimited

from monographs.markdown import render_markdown, sanitize_html
from monographs.models import Drug, RetiredSlug, SearchDocument
from monographs.public.article import (
    PartReview,
    component_names,
    falls_due_at,
    part_reviews,
    reviewer_credits,
)
from monographs.public.changes import rendered_text
from monographs.public.links import class_slug, slug_urls
from monographs.public.page_cache import cached_public_page, generation_cached, true_until
from monographs.references import revision_references
from monographs.vocabulary import origin_label, section_title, source_links

DRUGS_PER_PAGE = 50
API_RATE_GROUP = "public-api"
_RATE = re.compile(r"(\d+)/(\d*)([smhd])")
_RATE_UNITS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}
LETTERS = tuple(string.ascii_uppercase)
# The A-Z index's bucket for names that start with anything but a letter.
OTHER_LETTER = "#"
OTHER_LETTER_SPELLINGS = frozenset({"#", "0", "0-9"})
LIST_PARAMETERS = ("page", "class", "updated_since", "letter")
CLASS_NAMES_KEY = "medref:api:class-names"

INVALID_PAGE = "Invalid page."
NO_SUCH_DRUG = "No published monograph has this slug."


class ApiError(Exception):
    """A request the API answers with a JSON error instead of data."""

    def __init__(self, detail: str, *, status: int, parameter: str | None = None):
        super().__init__(detail)
        self.detail, self.status, self.parameter = detail, status, parameter

    def payload(self) -> dict:
        payload = {"detail": self.detail}
        if self.parameter:
            payload["parameter"] = self.parameter
        return payload


def json_response(data: dict, *, status: int = 200) -> JsonResponse:
    """JSON as the API writes it: dates in ISO 8601, text as UTF-8."""
    return JsonResponse(
        data, status=status, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False}
    )


def _error(error: ApiError) -> JsonResponse:
    response = json_response(error.payload(), status=error.status)
    if error.status == 429:
        response["Retry-After"] = "60"
    return response


def api_rate() -> str:
    """How many responses not served from the page cache a client address may have."""
    return settings.MEDREF_API_RATE


def rate_in_words(rate: str) -> str:
    """A django-ratelimit rate in words: "120/m" is "120 a minute", "10/5m" "10 every 5 minutes"."""
    count, every, unit = _RATE.fullmatch(rate).groups()
    if every and every != "1":
        return f"{count} every {every} {_RATE_UNITS[unit]}s"
    return f"{count} a{'n' if unit == 'h' else ''} {_RATE_UNITS[unit]}"


def _refuse_if_rate_limited(request) -> None:
    rate = api_rate()
    if is_ratelimited(request, group=API_RATE_GROUP, key="ip", rate=rate, increment=True):
        raise ApiError(
            f"Too many requests: at most {rate_in_words(rate)} that are not served from the "
            "cache. Wait a minute, or revalidate with If-None-Match.",
            status=429,
        )


def _absolute(path: str) -> str:
    """Links on the canonical SITE_URL (responses are cached whatever host was asked)."""
    return settings.SITE_URL + path


# ---------------------------------------------------------------------------------------------
# The list and its filters


@dataclass(frozen=True)
class DrugFilters:
    """The list's filters, read from a query string; an unreadable one is a 400."""

    drug_class: str = ""
    updated_since: datetime | None = None
    letter: str = ""
    # As the client wrote them, for the next and previous links.
    given: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_query(cls, query) -> "DrugFilters":
        given = tuple(
            (name, query[name].strip())
            for name in ("class", "updated_since", "letter")
            if query.get(name, "").strip()
        )
        values = dict(given)
        return cls(
            drug_class=values.get("class", ""),
            updated_since=_parse_moment(values["updated_since"])
            if "updated_since" in values
            else None,
            letter=_parse_letter(values["letter"]) if "letter" in values else "",
            given=given,
        )

    def apply(self, drugs):
        if self.drug_class:
            drugs = drugs.filter(search_document__drug_class__in=_class_names(self.drug_class))
        if self.updated_since is not None:
            drugs = drugs.filter(published_revision__approved_at__gte=self.updated_since)
        if self.letter:
            drugs = drugs.alias(initial=Upper(Substr("search_document__name", 1, 1)))
            if self.letter == OTHER_LETTER:
                drugs = drugs.exclude(initial__gte="A", initial__lte="Z")
            else:
                drugs = drugs.filter(initial=self.letter)
        return drugs


def _parse_moment(value: str) -> datetime:
    """An ISO 8601 date or date-time; without an offset it is in the site's time zone."""
    try:
        moment = parse_datetime(value)
        if moment is None:
            raise ValueError(value)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        hint = " (write a + in the offset as %2B)" if " " in value else ""
        raise ApiError(
            "updated_since must be an ISO 8601 date or date-time, e.g. 2026-01-31 or "
            f"2026-01-31T12:00:00Z{hint}.",
            status=400,
            parameter="updated_since",
        ) from None


def _parse_letter(value: str) -> str:
    letter = value.upper()
    if letter in LETTERS:
        return letter
    if letter in OTHER_LETTER_SPELLINGS:
        return OTHER_LETTER
    raise ApiError(
        "letter must be one letter A-Z, or # (also 0 or 0-9) for names starting otherwise.",
        status=400,
        parameter="letter",
    )


def _class_names(slug: str) -> list[str]:
    """The published drug-class names whose slug is `slug` (none: nothing matches)."""
    return generation_cached(CLASS_NAMES_KEY, _scan_class_names).get(slug, [])


def _scan_class_names() -> dict[str, list[str]]:
    by_slug: dict[str, list[str]] = {}
    names = SearchDocument.objects.exclude(drug_class="").order_by().values_list("drug_class")
    for (name,) in names.distinct():
        by_slug.setdefault(class_slug(name), []).append(name)
    return by_slug


def _page_link(number: int, filters: DrugFilters) -> str:
    query = urlencode([*filters.given, ("page", number)])
    return _absolute(reverse("monographs:api_drugs") + "?" + query)


def drug_list_payload(*, filters: DrugFilters, page_number) -> dict:
    """One page of the published monographs the filters select, by name."""
    drugs = filters.apply(
        Drug.objects.published().annotate(
            public_name=Coalesce(
                "search_document__name",
                KeyTextTransform("name", "published_revision__content"),
                output_field=CharField(),
            )
        )
    )
    rows = drugs.order_by("public_name", "pk").values_list(
        "search_document__slug",
        "public_name",
        "search_document__drug_class",
        "published_revision__approved_at",
    )
    paginator = Paginator(rows, DRUGS_PER_PAGE)
    try:
        page = paginator.page(page_number or 1)
    except (EmptyPage, PageNotAnInteger):
        raise ApiError(INVALID_PAGE, status=404, parameter="page") from None
    api_url = slug_urls("monographs:api_drug")
    page_url = slug_urls("monographs:drug_detail")
    return {
        "count": paginator.count,
        "next": _page_link(page.next_page_number(), filters) if page.has_next() else None,
        "previous": (
            _page_link(page.previous_page_number(), filters) if page.has_previous() else None
        ),
        "results": [
            {
                "slug": slug,
                "name": name,
                "drug_class": drug_class or "",
                "url": _absolute(api_url(slug)),
                "page_url": _absolute(page_url(slug)),
                "last_reviewed": approved_at,
            }
            for slug, name, drug_class, approved_at in page.object_list
        ],
    }


@require_safe
@cached_public_page(params=LIST_PARAMETERS)
def drug_list(request):
    """Published monographs by name, a page at a time, optionally filtered."""
    try:
        _refuse_if_rate_limited(request)
        filters = DrugFilters.from_query(request.GET)
        return json_response(
            drug_list_payload(filters=filters, page_number=request.GET.get("page"))
        )
    except ApiError as error:
        return _error(error)


# ---------------------------------------------------------------------------------------------
# One monograph


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


def _provenance(item: dict) -> dict:
    provenance = item.get("provenance") or {}
    origin = provenance.get("origin") or "unknown"
    return {
        "origin": origin,
        "origin_label": origin_label(origin),
        "ai_tool": provenance.get("ai_tool") or "",
        # A source that is not a web address keeps its title and loses its link.
        "sources": source_links(provenance.get("sources")),
    }


def _rendered(item: dict, markdown_key: str) -> dict:
    """The markdown as written, and the sanitized HTML and plain text readers are shown."""
    markdown = item.get(markdown_key) or ""
    html = sanitize_html(item["html"] or "") if "html" in item else render_markdown(markdown)
    return {markdown_key: markdown, "html": html, "text": rendered_text(html)}


def _section(section: dict, review: PartReview | None, today, *, citations: list[int]) -> dict:
    return {
        "kind": section.get("kind") or "",
        "heading": section.get("heading") or "",
        "title": section_title(section),
        **_rendered(section, "markdown"),
        "provenance": _provenance(section),
        "review": _review(review, today),
        "citations": citations,
    }


def _faq(faq: dict, review: PartReview | None, today) -> dict:
    return {
        "question": faq.get("question") or "",
        **_rendered(faq, "answer"),
        "provenance": _provenance(faq),
        "review": _review(review, today),
    }


def _components(drug: Drug, revision) -> list[dict]:
    """A combination's components as reviewed, linked only where one is published there."""
    slugs = list(revision.content.get("components") or [])
    if not slugs:
        return []
    # Published at that slug and still a component of this drug: as the monograph page links.
    published = set(
        SearchDocument.objects.filter(slug__in=slugs, drug__combinations=drug.pk)
        .order_by()
        .values_list("slug", flat=True)
    )
    components = []
    for slug, name in zip(slugs, component_names(revision), strict=True):
        is_published = slug in published
        components.append(
            {
                "name": name,
                "slug": slug if is_published else None,
                "url": _absolute(reverse("monographs:api_drug", args=[slug]))
                if is_published
                else None,
                "page_url": _absolute(reverse("monographs:drug_detail", args=[slug]))
                if is_published
                else None,
            }
        )
    return components


def drug_payload(drug: Drug):
    """The published monograph as the API gives it; and when that stops being true, and
    since when it has been so (see `true_until`)."""
    revision = drug.published_revision
    content = revision.content
    today = timezone.localdate()
    reviews = part_reviews(revision)
    references = revision_references(revision)
    dues = sorted({review.next_review_due for review in reviews.all})
    passed = [due for due in dues if due < today]
    upcoming = [due for due in dues if due >= today]
    if reviews.all:
        reviewed_by = reviewer_credits(reviews.all)
    else:  # approved before reviews were recorded part by part
        reviewed_by = [revision.approved_by_credit] if revision.approved_by_credit else []
    slug = revision.slug
    payload = {
        "slug": slug,
        "name": content.get("name", ""),
        "generic_name": content.get("generic_name", ""),
        "other_names": list(content.get("other_names") or []),
        "drug_class": content.get("drug_class", ""),
        "regulatory_notes": content.get("regulatory_notes", ""),
        "components": _components(drug, revision),
        "sections": [
            _section(section, review, today, citations=cited["citations"])
            for section, review, cited in zip(
                revision.sections, reviews.sections, references["sections"], strict=True
            )
        ],
        "faqs": [
            _faq(faq, review, today)
            for faq, review in zip(revision.faqs, reviews.faqs, strict=True)
        ],
        "references": references["references"],
        "url": _absolute(reverse("monographs:api_drug", args=[slug])),
        "page_url": _absolute(revision.page_url()),
        "reviewed_by": reviewed_by,
        "last_reviewed": revision.approved_at,
        "next_review_due": revision.next_review_due,
        "review_overdue_since": passed[0] if passed else None,
    }
    # `overdue` turns true at midnight after a due date: no copy may outlive that moment.
    until = falls_due_at(upcoming[0]) if upcoming else None
    since = falls_due_at(passed[-1]) if passed else None
    return payload, until, since


def published_drug(slug: str) -> Drug | None:
    """The drug published at `slug`, with its revision (its stored article left behind)."""
    return (
        Drug.objects.published()
        .select_related("published_revision")
        .defer("published_revision__article_html")
        .filter(search_document__slug=slug)
        .first()
    )


@require_safe
@cached_public_page(params=())
def drug_detail(request, slug):
    """One published monograph: its approved revision's content and each part's review."""
    try:
        _refuse_if_rate_limited(request)
        drug = published_drug(slug)
        if drug is None:
            target = RetiredSlug.objects.current_slug(slug)
            if target is None:
                raise ApiError(NO_SUCH_DRUG, status=404)
            return HttpResponsePermanentRedirect(reverse("monographs:api_drug", args=[target]))
    except ApiError as error:
        return _error(error)
    payload, until, since = drug_payload(drug)
    return true_until(json_response(payload), until, since=since)
