"""Which search backend serves a database, and which database: the one the router picks.

Searching is a read of the index, so it runs on the database the router reads `SearchDocument`
from (a replica, when one is configured); index upkeep runs where the router writes it. The
backend is chosen by that database's vendor and runs all its SQL, ORM or raw, on that alias.
"""

from django.db import connections, router

from monographs.models import SearchDocument
from monographs.search.backend import SearchBackend
from monographs.search.postgresql import PostgresSearch
from monographs.search.sqlite import SQLiteSearch


def backend_for(using: str) -> SearchBackend:
    """The search implementation for the database behind an alias."""
    if connections[using].vendor == "postgresql":
        return PostgresSearch(using)
    return SQLiteSearch(using)


def reading_backend() -> SearchBackend:
    """The backend that searches, on the database the router reads the index from."""
    return backend_for(router.db_for_read(SearchDocument))


def writing_backend() -> SearchBackend:
    """The backend that keeps the index up to date, on the database the router writes it to."""
    return backend_for(router.db_for_write(SearchDocument))
