"""The contract every search backend keeps, and the results they all hand back.

A backend is made for one database alias (`using`) and runs every query, ORM or raw SQL, on
that database. Ranking is the same on every backend: drugs whose *name* holds every
query word come first, then those whose name, generic name, other names or class hold them, then
body mentions; within a tier the backend's full-text rank decides. When nothing matches, drug
names that look like the query are offered instead, for misspellings.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from django.urls import reverse
from django.utils.safestring import SafeString

from monographs.search.query import ParsedQuery

FUZZY_LIMIT = 50

# Starts a section title's line in a search document's stored text (a private-use character,
# removed from the text around it): titles are searched, but a snippet is a sentence of the
# text, never a title.
HEADING = "\ue002"


@dataclass(frozen=True)
class SearchHit:
    slug: str
    name: str
    drug_class: str
    reviewed_at: datetime
    snippet: SafeString

    @property
    def url(self) -> str:
        return reverse("monographs:drug_detail", kwargs={"slug": self.slug})


@runtime_checkable
class SearchBackend(Protocol):
    """Search over the `SearchDocument` rows of the database `using` names, and index upkeep."""

    using: str

    def count(self, query: ParsedQuery, *, limit: int) -> int:
        """How many drugs match, counting no further than one past `limit`."""
        ...

    def page(
        self, query: ParsedQuery, *, offset: int, limit: int, cap: int | None
    ) -> list[SearchHit]:
        """One page of hits, best first; with a `cap`, rank every name match and the first `cap`
        matches of all (ranking every mention of a very common word costs more than it tells)."""
        ...

    def similar_names(self, query: ParsedQuery) -> list[SearchHit]:
        """Up to `FUZZY_LIMIT` drugs whose names look like the query's words, closest first."""
        ...

    def document_written(self, document) -> None:
        """Bring the backend's index up to date with one `SearchDocument` just written."""
        ...

    def documents_rebuilt(self) -> None:
        """Bring the backend's index up to date after every search document was rewritten."""
        ...
