"""A reader's search: the parsed query and its hits, fetched from the backend a page at a time."""

from dataclasses import dataclass, field

from monographs.search.backend import SearchHit
from monographs.search.query import ParsedQuery, parse_query
from monographs.search.routing import reading_backend

MAX_RESULTS = 500
MIN_FUZZY_CHARS = 4


@dataclass
class SearchResults:
    """The hits for one query, fetched a page at a time (a valid `Paginator` object list).

    At most `MAX_RESULTS` hits are offered. When more monographs match, every name match is
    still ranked, together with the first `MAX_RESULTS` body matches, and `is_capped` is set:
    ranking all of ten thousand mentions of a very common word costs more than it tells.
    When nothing matches, drugs with similar names are offered and `is_fuzzy` is set.
    """

    query: ParsedQuery
    is_fuzzy: bool = False
    is_capped: bool = False
    _count: int | None = None
    _similar: list[SearchHit] = field(default_factory=list)

    def count(self) -> int:
        if self._count is None:
            search = reading_backend()
            found = 0 if self.query.is_empty else search.count(self.query, limit=MAX_RESULTS)
            self.is_capped = found > MAX_RESULTS
            self._count = min(found, MAX_RESULTS)
            if found == 0 and len("".join(self.query.words)) >= MIN_FUZZY_CHARS:
                self._similar = search.similar_names(self.query)
                self.is_fuzzy = bool(self._similar)
                self._count = len(self._similar)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[SearchHit]:
        if not isinstance(index, slice):
            raise TypeError("SearchResults can only be sliced.")
        start, stop, _ = index.indices(self.count())
        if stop <= start:
            return []
        if self.is_fuzzy:
            return self._similar[start:stop]
        cap = MAX_RESULTS if self.is_capped else None
        return reading_backend().page(self.query, offset=start, limit=stop - start, cap=cap)


def search_drugs(raw_query: str) -> SearchResults:
    """Published monographs matching a user's query, best first, for paging."""
    return SearchResults(query=parse_query(raw_query))
