"""Writing the search index: one `SearchDocument` per published drug, from its published revision.

The index is written whenever publication changes (`search_index_update`, called by
`monographs.publication`), so drafts and pending edits are never searchable; the
`rebuild_search_index` command rewrites all of it (`search_index_rebuild`).
"""

import re

from monographs.markdown import render_markdown
from monographs.models import Drug, SearchDocument
from monographs.search.backend import HEADING
from monographs.search.routing import writing_backend
from monographs.search.spelling import PRIVATE_USE
from monographs.vocabulary import html_to_text, section_title

REBUILD_BATCH = 200

# Where sanitized HTML starts or ends a block: a line of its own in the stored text, so a
# snippet can be one sentence of one paragraph or list item.
_BLOCK_BOUNDARY = re.compile(
    r"<\s*/?\s*(?:p|li|ul|ol|h[1-6]|blockquote|pre|table|tr|td|th|dl|dt|dd|div|br|hr)\b[^<>]*>",
    re.IGNORECASE,
)


def _clean(text: str) -> str:
    """One line of text without private-use markers, NUL bytes or runs of whitespace."""
    return " ".join(PRIVATE_USE.sub(" ", (text or "").replace("\x00", " ")).split())


def _lines(html: str) -> list[str]:
    """The text of sanitized HTML, one line per paragraph, list item or other block."""
    lines = (_clean(html_to_text(block)) for block in _BLOCK_BOUNDARY.split(html or ""))
    return [line for line in lines if line]


def _html(part: dict, html_key: str, markdown_key: str) -> str:
    html = part.get(html_key)
    return render_markdown(part.get(markdown_key, "")) if html is None else html


def document_fields(content: dict) -> dict:
    """The searchable text of a revision's content: names, aliases, sections, FAQs.

    Body and FAQs keep a line per block (FAQs start with their question); each section starts
    with its title on a `HEADING` line (searched, so "aspirin dosage" finds the monograph with
    a Dosage section, but never shown as a snippet).
    """
    body = []
    for section in content.get("sections", []):
        body.append(HEADING + _clean(section_title(section)))
        body.extend(_lines(_html(section, "html", "markdown")))
    faqs = []
    for faq in content.get("faqs", []):
        faqs.append(_clean(faq.get("question", "")))
        faqs.extend(_lines(_html(faq, "html", "answer")))
    aliases = [content.get("generic_name", ""), *content.get("other_names", [])]
    aliases.append(content.get("drug_class", ""))
    return {
        "name": _clean(content.get("name", "")),
        "drug_class": content.get("drug_class", ""),
        "aliases": "\n".join(_clean(alias) for alias in aliases if _clean(alias)),
        "body": "\n".join(body),
        "faqs": "\n".join(faqs),
    }


def search_index_update(drug: Drug) -> None:
    """Make the drug's search entry match what the public sees of it (or remove it)."""
    revision = drug.published_revision
    if revision is None:
        SearchDocument.objects.filter(drug_id=drug.pk).delete()
        return
    document, _created = SearchDocument.objects.update_or_create(
        drug_id=drug.pk,
        defaults={
            **document_fields(revision.content),
            "slug": revision.slug,
            "reviewed_at": revision.approved_at,
        },
    )
    writing_backend().document_written(document)


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
