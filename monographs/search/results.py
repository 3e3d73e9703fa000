"""A reader's search: the parsed query and its hits, fetched from the backend a page at a time.

What a query finds changes only when something is published or unpublished, so its count and
each page of its hits are kept per publication generation (`generation_cached`, the page
cache's) under the query's normalized key: "Anaemia" and "anemia" share them, and a publish
retires them all at once.
"""

import hashlib
from dataclasses import dataclass, field

from monographs.public.page_cache import generation_cached
from monographs.search.backend import SearchHit
from monographs.search.query import ParsedQuery, parse_query
from monographs.search.routing import reading_backend

RESULTS_KEY_PREFIX = "medref:search:"

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

    def _cache_key(self, *parts) -> str:
        text = ":".join(map(str, (self.query.key, *parts)))
        return RESULTS_KEY_PREFIX + hashlib.blake2b(text.encode(), digest_size=20).hexdigest()

    def _found(self) -> tuple[int, list[SearchHit]]:
        """How many drugs match (up to one past the cap), or the similar names if none."""
        search = reading_backend()
        found = search.count(self.query, limit=MAX_RESULTS)
        if found == 0 and len("".join(self.query.words)) >= MIN_FUZZY_CHARS:
            return 0, search.similar_names(self.query)
        return found, []

    def count(self) -> int:
        if self._count is None:
            if self.query.is_empty:
                found, self._similar = 0, []
            else:
                found, self._similar = generation_cached(self._cache_key("count"), self._found)
            self.is_capped = found > MAX_RESULTS
            self._count = min(found, MAX_RESULTS)
            if self._similar:
                self.is_fuzzy = True
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
        return generation_cached(
            self._cache_key("page", start, stop),
            lambda: reading_backend().page(self.query, offset=start, limit=stop - start, cap=cap),
        )


def search_drugs(raw_query: str) -> SearchResults:
    """Published monographs matching a user's query, best first, for paging."""
    return SearchResults(query=parse_query(raw_query))
