"""Writing the search index: one `SearchDocument` per published drug, from its published revision.

The index is written whenever publication changes (`search_index_update`, called by
`monographs.publication`), so drafts and pending edits are never searchable; the
`rebuild_search_index` command rewrites all of it (`search_index_rebuild`).
"""

from monographs.markdown import render_markdown
from monographs.models import Drug, SearchDocument
from monographs.search.backend import MARK_START, MARK_STOP
from monographs.search.routing import writing_backend
from monographs.vocabulary import html_to_text, section_title

REBUILD_BATCH = 200


def _clean(text: str) -> str:
    """Text without highlight markers, NUL bytes or runs of whitespace."""
    text = (text or "").replace(MARK_START, " ").replace(MARK_STOP, " ").replace("\x00", " ")
    return " ".join(text.split())


def document_fields(content: dict) -> dict:
    """The searchable text of a revision's content: names, aliases, sections, FAQs."""
    sections = []
    for section in content.get("sections", []):
        text = section.get("html")
        if text is None:
            text = render_markdown(section.get("markdown", ""))
        # The title readers see, so "aspirin dosage" finds the monograph with a Dosage section.
        sections.append(f"{section_title(section)} {html_to_text(text)}")
    faqs = []
    for faq in content.get("faqs", []):
        answer = faq.get("html")
        if answer is None:
            answer = render_markdown(faq.get("answer", ""))
        faqs.append(f"{faq.get('question', '')} {html_to_text(answer)}")
    aliases = [content.get("generic_name", ""), *content.get("other_names", [])]
    aliases.append(content.get("drug_class", ""))
    return {
        "name": _clean(content.get("name", "")),
        "drug_class": content.get("drug_class", ""),
        "aliases": _clean("\n".join(alias for alias in aliases if alias)),
        "body": _clean("\n".join(sections)),
        "faqs": _clean("\n".join(faqs)),
    }


def search_index_update(drug: Drug) -> None:
    """Make the drug's search entry match what the public sees of it (or remove it)."""
    revision = drug.published_revision
    if revision is None:
        SearchDocument.objects.filter(drug_id=drug.pk).delete()
        return
    SearchDocument.objects.update_or_create(
        drug_id=drug.pk,
        defaults={
            **document_fields(revision.content),
            "slug": revision.slug,
            "reviewed_at": revision.approved_at,
        },
    )
    writing_backend().document_written(drug.pk)


def search_index_rebuild() -> int:
    """Rebuild the whole index from the published revisions; return how many were indexed."""
    SearchDocument.objects.all().delete()
    published = (
        Drug.objects.published()
        .select_related("published_revision")
        .only("published_revision__content", "published_revision__approved_at")
        .order_by("pk")
    )
    indexed = 0
    batch: list[SearchDocument] = []
    for drug in published.iterator(chunk_size=REBUILD_BATCH):
        revision = drug.published_revision
        batch.append(
            SearchDocument(
                drug_id=drug.pk,
                slug=revision.slug,
                reviewed_at=revision.approved_at,
                **document_fields(revision.content),
            )
        )
        if len(batch) == REBUILD_BATCH:
            indexed += _index_batch(batch)
    indexed += _index_batch(batch)
    writing_backend().documents_rebuilt()
    return indexed


def _index_batch(batch: list[SearchDocument]) -> int:
    # A derived index, not content: bulk writes are right here (there is no history to keep).
    SearchDocument.objects.bulk_create(batch)
    written = len(batch)
    batch.clear()
    return written
