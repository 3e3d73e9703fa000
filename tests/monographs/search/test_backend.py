import pytest

import monographs.search
from monographs.search.backend import SearchBackend
from monographs.search.postgresql import PostgresSearch
from monographs.search.sqlite import SQLiteSearch


class SearchBackendContractTests:
    @pytest.mark.parametrize("implementation", [PostgresSearch, SQLiteSearch])
    def test_each_backend_keeps_the_contract(self, implementation):
        """Both backends offer every method of `SearchBackend`, bound to the alias given."""
        backend = implementation("replica")
        assert isinstance(backend, SearchBackend)
        assert backend.using == "replica"

    def test_package_offers_what_the_rest_of_the_site_imports(self):
        """`monographs.search` still exposes the entry points other code has always imported."""
        for name in ("search_drugs", "search_index_update", "search_index_rebuild", "parse_query"):
            assert callable(getattr(monographs.search, name))
