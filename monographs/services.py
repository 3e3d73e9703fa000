"""Content operations on monographs; the editorial workflow lives in `reviews`."""

from django.db import transaction
from django.db.models import Max

from monographs.models import Drug, Revision, Significance, document_hash, edit_authors
from monographs.public.article import public_component_names


def drug_content_hash(drug: Drug) -> str:
    return document_hash(drug.document())


@transaction.atomic
def revision_preview(*, drug: Drug) -> Revision:
    """The working copy as the revision submitting it would freeze; nothing is saved."""
    return Revision(
        drug=drug,
        number=0,
        content=drug.document(with_html=True),
        component_names=public_component_names(drug),
    )


def revision_freeze(
    *, drug: Drug, by, reason: str = "", significance: str = Significance.EDITORIAL
) -> Revision:
    """Freeze the drug's working copy into a new immutable revision."""
    document = drug.document(with_html=True)
    last_approved = drug.revisions.approved().order_by("-number").first()
    number = (drug.revisions.aggregate(last=Max("number"))["last"] or 0) + 1
    revision = Revision.objects.create(
        drug=drug,
        number=number,
        content=document,
        content_hash=document_hash(document),
        component_names=public_component_names(drug),
        reason=reason,
        significance=significance,
        created_by=by,
    )
    authors = edit_authors(drug, since=last_approved.created_at if last_approved else None)
    revision.authors.set(authors | {by.pk})
    return revision
