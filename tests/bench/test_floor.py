import pytest

import bench.settings
import medref.settings
from bench.floor import forget_pages


@pytest.fixture(autouse=True)
def _forget_captured_pages():
    """Each test captures its own pages: the floor keeps them per process."""
    yield
    forget_pages()


def uppercase_names(module) -> dict:
    return {name: value for name, value in vars(module).items() if name.isupper()}


def floor_url(drug) -> str:
    return f"/_floor/drugs/{drug.slug}/"


class BenchSettingsTests:
    def test_bench_settings_are_production_settings_plus_the_floors_urls(self):
        """The benchmark serves the production configuration; only the URL map differs, and the
        suggestion rate limit, which one load generator on one address would otherwise hit."""
        assert bench.settings.ROOT_URLCONF == "bench.urls"
        assert uppercase_names(bench.settings) == {
            **uppercase_names(medref.settings),
            "ROOT_URLCONF": "bench.urls",
            "MEDREF_SUGGEST_RATE": "1000000/m",
        }


@pytest.mark.django_db
class ProductionUrlsTests:
    def test_floor_is_not_routed_by_default(self, client, published_drug):
        """Under the site's own settings there is no floor URL at all."""
        assert client.get(floor_url(published_drug)).status_code == 404


@pytest.mark.django_db
@pytest.mark.urls("bench.urls")
class BenchmarkFloorTests:
    def test_floor_serves_the_monograph_pages_exact_bytes(self, client, published_drug):
        """With the bench URLs, the floor answers with the real page's bytes."""
        page = client.get(published_drug.get_absolute_url())
        floor = client.get(floor_url(published_drug))
        assert page.status_code == 200
        assert floor.status_code == 200
        assert floor.content == page.content
        assert floor["Content-Type"] == page["Content-Type"]

    def test_floor_answers_without_the_database_once_captured(
        self, client, published_drug, django_assert_num_queries
    ):
        """After its first request the floor costs no query."""
        first = client.get(floor_url(published_drug))
        with django_assert_num_queries(0):
            again = client.get(floor_url(published_drug))
        assert again.content == first.content

    def test_floor_passes_through_the_same_middleware(self, client, published_drug):
        """The floor's response carries the security headers every page gets."""
        page = client.get(published_drug.get_absolute_url())
        floor = client.get(floor_url(published_drug))
        for header in ("X-Frame-Options", "X-Content-Type-Options", "Content-Security-Policy"):
            assert floor[header] == page[header]

    def test_floor_of_an_unpublished_drug_is_not_found(self, client, draft_drug):
        """The floor cannot be used to read a draft."""
        assert client.get(floor_url(draft_drug)).status_code == 404
