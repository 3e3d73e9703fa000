"""The list's filters, its limits and what it costs: through HTTP, as API clients use it."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.utils import timezone

from monographs.models import SectionKind
from tests.factories import monograph, publish

LIST_URL = "/api/drugs/"


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["results"]]


@pytest.fixture
def shelf(contributor, reviewer):
    """Published monographs of two classes and several initials, one approved long ago."""
    with time_machine.travel(timezone.now() - timedelta(days=400), tick=False):
        publish(
            monograph(name="Cyanocobalamin", drug_class="Vitamins", faqs=0),
            contributor=contributor,
            reviewer=reviewer,
        )
    for name, drug_class in (
        ("Calcitriol", "Vitamins"),
        ("Amlodipine", "Calcium channel blockers"),
        ("Carvedilol", "Beta blockers"),
        ("5-Fluorouracil", ""),
    ):
        publish(
            monograph(name=name, drug_class=drug_class, sections=(SectionKind.USAGE,), faqs=0),
            contributor=contributor,
            reviewer=reviewer,
        )
    monograph(name="Cholecalciferol draft", drug_class="Vitamins")


@pytest.mark.django_db
class ClassFilterTests:
    def test_class_slug_selects_its_published_monographs(self, client, shelf):
        """?class= takes the class's slug, as in /classes/<slug>/, and lists only it."""
        assert names(client.get(LIST_URL, {"class": "vitamins"})) == [
            "Calcitriol",
            "Cyanocobalamin",
        ]
        assert names(client.get(LIST_URL, {"class": "calcium-channel-blockers"})) == ["Amlodipine"]

    def test_unknown_class_is_an_empty_list(self, client, shelf):
        """A class nothing published belongs to gives no results, not an error."""
        response = client.get(LIST_URL, {"class": "antibiotics"})
        assert response.json()["count"] == 0
        assert names(response) == []


@pytest.mark.django_db
class UpdatedSinceFilterTests:
    def test_date_and_date_time_select_what_was_approved_since(self, client, shelf):
        """?updated_since= takes an ISO date or date-time and keeps later approvals only."""
        last_month = (timezone.now() - timedelta(days=30)).date().isoformat()
        recent = ["5-Fluorouracil", "Amlodipine", "Calcitriol", "Carvedilol"]
        assert names(client.get(LIST_URL, {"updated_since": last_month})) == recent
        moment = (timezone.now() - timedelta(days=30)).isoformat()
        assert names(client.get(LIST_URL, {"updated_since": moment})) == recent
        assert len(names(client.get(LIST_URL, {"updated_since": "2000-01-01"}))) == 5
        assert names(client.get(LIST_URL, {"updated_since": "2999-01-01T00:00:00Z"})) == []

    def test_offset_is_honoured(self, client, shelf):
        """A date-time with an offset means that moment, wherever it is written from."""
        now = timezone.now()
        just_after = (now + timedelta(minutes=1)).astimezone(
            timezone.get_fixed_timezone(timedelta(hours=5))
        )
        assert names(client.get(LIST_URL, {"updated_since": just_after.isoformat()})) == []

    @pytest.mark.parametrize(
        "value",
        [
            "yesterday",
            "2026-02-30",
            "2026-13-01",
            "31/01/2026",
            "2026-01-01T25:00",
            "0001-01-01T00:00+14:00",
        ],
    )
    def test_unreadable_value_is_a_400_with_a_json_reason(self, client, shelf, value):
        """A value that is not an ISO date or date-time answers 400 naming the parameter."""
        response = client.get(LIST_URL, {"updated_since": value})
        assert response.status_code == 400
        data = response.json()
        assert data["parameter"] == "updated_since"
        assert "ISO 8601" in data["detail"]

    def test_unencoded_plus_in_the_offset_gets_a_hint(self, client, shelf):
        """A + sent unencoded arrives as a space; the error says how to write it."""
        response = client.get(f"{LIST_URL}?updated_since=2026-01-01T00:00:00+02:00")
        assert response.status_code == 400
        assert "%2B" in response.json()["detail"]


@pytest.mark.django_db
class LetterFilterTests:
    def test_letter_lists_names_starting_with_it(self, client, shelf):
        """?letter= lists the A-Z index's letter, in either case."""
        expected = ["Calcitriol", "Carvedilol", "Cyanocobalamin"]
        assert names(client.get(LIST_URL, {"letter": "c"})) == expected
        assert names(client.get(LIST_URL, {"letter": "C"})) == expected
        assert names(client.get(LIST_URL, {"letter": "Z"})) == []

    @pytest.mark.parametrize("value", ["#", "0", "0-9"])
    def test_other_bucket_lists_names_not_starting_with_a_letter(self, client, shelf, value):
        """?letter=# (or 0, 0-9) is the A-Z index's bucket for everything else."""
        assert names(client.get(LIST_URL, {"letter": value})) == ["5-Fluorouracil"]

    @pytest.mark.parametrize("value", ["AB", "é", "1", "*"])
    def test_anything_else_is_a_400(self, client, shelf, value):
        """A letter the index has no bucket for answers 400 naming the parameter."""
        response = client.get(LIST_URL, {"letter": value})
        assert response.status_code == 400
        assert response.json()["parameter"] == "letter"


@pytest.mark.django_db
class CombinedFiltersAndPagesTests:
    def test_filters_combine_and_pages_keep_them(self, client, shelf, monkeypatch):
        """Filters narrow each other, and next/previous links carry them to every page."""
        monkeypatch.setattr("monographs.public.api.DRUGS_PER_PAGE", 1)
        query = {"class": "vitamins", "letter": "C", "updated_since": "2000-01-01"}
        first = client.get(LIST_URL, query).json()
        assert first["count"] == 2
        assert first["previous"] is None
        next_url = urlsplit(first["next"])
        assert next_url.path == LIST_URL
        assert parse_qs(next_url.query) == {
            "class": ["vitamins"],
            "letter": ["C"],
            "updated_since": ["2000-01-01"],
            "page": ["2"],
        }
        second = client.get(f"{LIST_URL}?{next_url.query}").json()
        assert second["next"] is None
        assert parse_qs(urlsplit(second["previous"]).query)["page"] == ["1"]
        listed = [item["name"] for item in [*first["results"], *second["results"]]]
        assert listed == ["Calcitriol", "Cyanocobalamin"]
        last_month = (timezone.now() - timedelta(days=30)).date().isoformat()
        assert names(client.get(LIST_URL, {**query, "updated_since": last_month})) == ["Calcitriol"]

    def test_each_filter_is_cached_apart(self, client, shelf):
        """Cached pages are kept per filter value: one filter never serves another's page."""
        assert names(client.get(LIST_URL, {"letter": "A"})) == ["Amlodipine"]
        assert names(client.get(LIST_URL, {"letter": "C"}))[0] == "Calcitriol"
        assert names(client.get(LIST_URL, {"letter": "A"})) == ["Amlodipine"]
        assert len(names(client.get(LIST_URL))) == 5


@pytest.mark.django_db
class RateLimitTests:
    def test_uncached_responses_past_the_limit_are_429_with_retry_after(
        self, client, shelf, settings
    ):
        """Past the limit an address gets 429 and Retry-After; cached answers still come."""
        settings.MEDREF_API_RATE = "2/m"
        assert client.get(LIST_URL, {"letter": "A"}).status_code == 200
        assert client.get(LIST_URL, {"letter": "C"}).status_code == 200
        refused = client.get(LIST_URL, {"letter": "Z"})
        assert refused.status_code == 429
        assert refused["Retry-After"] == "60"
        assert "Too many requests" in refused.json()["detail"]
        assert client.get("/api/drugs/amlodipine/").status_code == 429
        assert names(client.get(LIST_URL, {"letter": "A"})) == ["Amlodipine"]

    def test_the_limit_is_configured_and_documented_as_set(self, client, shelf, settings):
        """API_RATE_LIMIT (MEDREF_API_RATE) sets the limit the page and the description state."""
        settings.MEDREF_API_RATE = "5000/h"
        assert "5000 an hour" in client.get("/api/").content.decode()
        description = client.get("/api/openapi.json").json()["info"]["description"]
        assert "5000 an hour" in description
        settings.MEDREF_API_RATE = "1/5m"
        client.get(LIST_URL, {"letter": "A"})
        refused = client.get(LIST_URL, {"letter": "C"})
        assert "at most 1 every 5 minutes" in refused.json()["detail"]

    def test_each_address_has_its_own_count(self, client, shelf, settings):
        """Another client address is not refused for the first one's requests."""
        settings.MEDREF_API_RATE = "1/m"
        assert client.get(LIST_URL, {"letter": "A"}).status_code == 200
        assert client.get(LIST_URL, {"letter": "C"}).status_code == 429
        other = client.get(LIST_URL, {"letter": "C"}, REMOTE_ADDR="203.0.113.9")
        assert other.status_code == 200

    def test_behind_trusted_proxies_each_client_has_its_own_count(self, client, shelf, settings):
        """Behind a proxy the count is per client address (X-Forwarded-For), not per proxy."""
        settings.MEDREF_TRUSTED_PROXY_COUNT = 1
        settings.MEDREF_API_RATE = "1/m"
        proxy = {"REMOTE_ADDR": "10.0.0.1"}
        first = {"x-forwarded-for": "198.51.100.1"}
        second = {"x-forwarded-for": "198.51.100.2"}
        assert client.get(LIST_URL, {"letter": "A"}, headers=first, **proxy).status_code == 200
        assert client.get(LIST_URL, {"letter": "C"}, headers=first, **proxy).status_code == 429
        assert client.get(LIST_URL, {"letter": "C"}, headers=second, **proxy).status_code == 200


@pytest.mark.django_db
class FilteredListQueryCountTests:
    def test_filtered_list_costs_a_count_and_a_page(
        self, client, shelf, django_assert_num_queries, settings
    ):
        """Each filter, or all together, costs the same two queries (class names are cached)."""
        settings.MEDREF_PAGE_CACHE_SECONDS = 0
        client.get(LIST_URL, {"class": "vitamins"})  # the class names, once per publication
        for query in (
            {"class": "vitamins"},
            {"updated_since": "2000-01-01"},
            {"letter": "C"},
            {"letter": "#"},
            {"class": "beta-blockers", "letter": "C", "updated_since": "2000-01-01"},
        ):
            with django_assert_num_queries(2):
                assert client.get(LIST_URL, query).status_code == 200
