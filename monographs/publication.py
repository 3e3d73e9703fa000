"""What must follow whenever a drug's published revision changes (publish or unpublish)."""

from django.db import transaction

from monographs.models import Drug, RetiredSlug, SearchDocument
from monographs.public.page_cache import public_pages_changed
from monographs.search.index import search_index_update


class PublishedSlugTaken(Exception):
    """The revision would publish a monograph at an address another published one has."""


def publication_changed(drug: Drug) -> None:
    """Refresh all that derives from what the public sees; call inside the publish transaction."""
    revision = drug.published_revision
    slug = revision.slug if revision else None
    if slug and SearchDocument.objects.filter(slug=slug).exclude(drug_id=drug.pk).exists():
        raise PublishedSlugTaken(f"Another published monograph is at {revision.page_url()}.")
    previous = SearchDocument.objects.filter(drug_id=drug.pk).values_list("slug", flat=True).first()
    search_index_update(drug)
    published_slug_changed(drug, previous=previous, current=slug)
    transaction.on_commit(public_pages_changed)


def published_slug_changed(drug: Drug, *, previous: str | None, current: str | None) -> None:
    """Keep a monograph's earlier published slug redirecting to where it is published now."""
    if current:
        # A slug published now wins over a retired one, whichever monograph retired it.
        RetiredSlug.objects.filter(slug=current).delete()
    if previous and previous != current:
        RetiredSlug.objects.update_or_create(slug=previous, defaults={"drug": drug})


def article_changed(drug: Drug) -> None:
    """The published article was assembled again (its review lines changed): show it at once."""
    transaction.on_commit(public_pages_changed)
