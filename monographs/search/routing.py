"""Which search backend serves the database in use."""

from django.db import connection

from monographs.search.backend import SearchBackend
from monographs.search.postgresql import PostgresSearch
from monographs.search.sqlite import SQLiteSearch


def backend() -> SearchBackend:
    """The search implementation for the database in use."""
    if connection.vendor == "postgresql":
        return PostgresSearch()
    return SQLiteSearch()
