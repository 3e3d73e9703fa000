from monographs.models.drugs import Drug, DrugQuerySet, FAQItem, Section, SectionKind
from monographs.models.provenance import UNVERIFIED_ORIGINS, Origin, Provenance
from monographs.models.references import Reference
from monographs.models.reviewed_parts import Reconfirmation, ReviewedPart
from monographs.models.revisions import (
    SIGNIFICANCE_HELP,
    Revision,
    RevisionQuerySet,
    Significance,
    document_hash,
    edit_authors,
)
from monographs.models.search import SearchDocument
from monographs.models.slugs import RetiredSlug

__all__ = [
    "SIGNIFICANCE_HELP",
    "UNVERIFIED_ORIGINS",
    "Drug",
    "DrugQuerySet",
    "FAQItem",
    "Origin",
    "Provenance",
    "Reconfirmation",
    "Reference",
    "RetiredSlug",
    "ReviewedPart",
    "Revision",
    "RevisionQuerySet",
    "SearchDocument",
    "Section",
    "SectionKind",
    "Significance",
    "document_hash",
    "edit_authors",
]
