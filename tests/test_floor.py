import importlib

import pytest
from django.urls import clear_url_caches

import medref.urls
from medref.floor import forget_pages


def reload_urls() -> None:
    importlib.reload(medref.urls)
    clear_url_caches()


@pytest.fixture
def floor_switch(settings):
    """Turn the benchmark floor on or off, re-reading the URL configuration each time."""

    def switch(on: bool) -> None:
        settings.MEDREF_BENCHMARK_FLOOR = on
        reload_urls()

    yield switch
    settings.MEDREF_BENCHMARK_FLOOR = False
    reload_urls()
    forget_pages()


def floor_url(drug) -> str:
    return f"/_floor/drugs/{drug.slug}/"


@pytest.mark.django_db
class BenchmarkFloorTests:
    def test_floor_is_not_routed_by_default(self, client, published_drug, floor_switch):
        """Without the benchmark setting there is no floor URL at all."""
        floor_switch(False)
        assert client.get(floor_url(published_drug)).status_code == 404

    def test_floor_serves_the_monograph_pages_exact_bytes(
        self, client, published_drug, floor_switch
    ):
        """With the setting on, the floor answers with the real page's bytes."""
        floor_switch(True)
        page = client.get(published_drug.get_absolute_url())
        floor = client.get(floor_url(published_drug))
        assert page.status_code == 200
        assert floor.status_code == 200
        assert floor.content == page.content
        assert floor["Content-Type"] == page["Content-Type"]

    def test_floor_answers_without_the_database_once_captured(
        self, client, published_drug, floor_switch, django_assert_num_queries
    ):
        """After its first request the floor costs no query."""
        floor_switch(True)
        first = client.get(floor_url(published_drug))
        with django_assert_num_queries(0):
            again = client.get(floor_url(published_drug))
        assert again.content == first.content

    def test_floor_passes_through_the_same_middleware(self, client, published_drug, floor_switch):
        """The floor's response carries the security headers every page gets."""
        floor_switch(True)
        page = client.get(published_drug.get_absolute_url())
        floor = client.get(floor_url(published_drug))
        for header in ("X-Frame-Options", "X-Content-Type-Options", "Content-Security-Policy"):
            assert floor[header] == page[header]

    def test_floor_of_an_unpublished_drug_is_not_found(self, client, draft_drug, floor_switch):
        """The floor cannot be used to read a draft."""
        floor_switch(True)
        assert client.get(floor_url(draft_drug)).status_code == 404
