"""Search over published monographs: one entry point, a PostgreSQL and a SQLite backend.

- `query`: the reader's query, bounded and parsed (never handed to a database parser as syntax);
- `results`: `search_drugs`, the entry point, and the page-at-a-time `SearchResults`;
- `backend`: the contract every backend keeps (`SearchBackend`) and the hits they return;
- `postgresql`, `sqlite`: one module per backend; `routing` picks the one for the database;
- `index`: writing the `SearchDocument` rows (`search_index_update`, `search_index_rebuild`).
"""

from monographs.search.backend import SearchBackend, SearchHit
from monographs.search.index import document_fields, search_index_rebuild, search_index_update
from monographs.search.query import MAX_QUERY_CHARS, ParsedQuery, parse_query
from monographs.search.results import MAX_RESULTS, SearchResults, search_drugs

__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_RESULTS",
    "ParsedQuery",
    "SearchBackend",
    "SearchHit",
    "SearchResults",
    "document_fields",
    "parse_query",
    "search_drugs",
    "search_index_rebuild",
    "search_index_update",
]
