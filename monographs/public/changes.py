"""The public change log of a monograph: what changed in each approved version."""

from django.db.models.fields.json import KeyTextTransform
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from monographs.diff import UNCHANGED, compare_documents
from monographs.models import Revision, SearchDocument
from monographs.public.links import (
    drug_url,
    redirect_retired_slug,
)
from monographs.public.page_cache import cached_public_page

CHANGES_PER_PAGE = 10


def _published_drug(slug: str) -> dict | None:
    """The drug id, slug and public title of the monograph published at `slug`, if any."""
    return (
        SearchDocument.objects.filter(slug=slug, drug__published_revision__isnull=False)
        .order_by()
        .annotate(title=KeyTextTransform("name", "drug__published_revision__content"))
        .values("drug_id", "slug", "title")
        .first()
    )


def _page_number(request) -> int:
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError as error:
        raise Http404("No such page.") from error
    if number < 1:
        raise Http404("No such page.")
    return number


def _visible_changes(comparison) -> dict:
    return {
        "fields": [change for change in comparison.fields if change.status != UNCHANGED],
        "sections": [change for change in comparison.sections if change.is_changed],
        "faqs": [change for change in comparison.faqs if change.is_changed],
    }


@cached_public_page(params=("page",))
def drug_changes(request, slug):
    """What changed in each approved version of a monograph, newest first."""
    drug = _published_drug(slug)
    if drug is None:
        return redirect_retired_slug(request, "monographs:drug_changes", slug)
    number = _page_number(request)
    start = (number - 1) * CHANGES_PER_PAGE
    # One row more than the page shows: the version the page's oldest entry is compared with.
    revisions = list(
        Revision.objects.approved()
        .filter(drug_id=drug["drug_id"])
        .order_by("-approved_at", "-number")
        .only("content", "approved_at", "approved_by_credit", "next_review_due")[
            start : start + CHANGES_PER_PAGE + 1
        ]
    )
    if not revisions:
        raise Http404("No such page.")
    shown = revisions[:CHANGES_PER_PAGE]
    entries = []
    for index, revision in enumerate(shown):
        older = revisions[index + 1] if index + 1 < len(revisions) else None
        entry = {"revision": revision, "is_first": older is None}
        if older is not None:
            entry["changes"] = _visible_changes(compare_documents(older.content, revision.content))
            entry["has_changes"] = any(entry["changes"].values())
        entries.append(entry)
    changes_url = reverse("monographs:drug_changes", kwargs={"slug": drug["slug"]})
    return render(
        request,
        "monographs/drug_changes.html",
        {
            "drug": drug,
            "title": drug["title"],
            "drug_url": drug_url(drug["slug"]),
            "entries": entries,
            "newer_url": (f"{changes_url}?page={number - 1}" if number > 2 else changes_url)
            if number > 1
            else "",
            "older_url": f"{changes_url}?page={number + 1}"
            if len(revisions) > CHANGES_PER_PAGE
            else "",
        },
    )
