from monographs.models.drugs import Drug, DrugQuerySet, FAQItem, Section, SectionKind
from monographs.models.provenance import UNVERIFIED_ORIGINS, Origin, Provenance
from monographs.models.revisions import Revision, RevisionQuerySet, document_hash, edit_authors
from monographs.models.search import SearchDocument
from monographs.models.slugs import RetiredSlug

__all__ = [
    "UNVERIFIED_ORIGINS",
    "Drug",
    "DrugQuerySet",
    "FAQItem",
    "Origin",
    "Provenance",
    "RetiredSlug",
    "Revision",
    "RevisionQuerySet",
    "SearchDocument",
    "Section",
    "SectionKind",
    "document_hash",
    "edit_authors",
]
