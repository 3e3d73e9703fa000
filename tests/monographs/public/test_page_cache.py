import os

import pytest
from django.core.cache import cache
from django.urls import reverse

from medref.caches import RedisCache
from monographs.public.page_cache import (
    GENERATION_KEY,
    public_generation,
    public_pages_changed,
)
from reviews.services import drug_unpublish, review_approve, review_submit
from tests.factories import edit_section, monograph, review_fully_approve, signed
from tests.monographs.public import cacheurls
from tests.monographs.public.publicsite import page_text, published

PUBLIC_URLS = ["/", "/drugs/", "/drugs/?letter=m", "/classes/", "/classes/vitamins/"]
REDIS_URL = os.environ.get("MEDREF_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_answers(url: str) -> bool:
    import redis

    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture(autouse=True, params=["local memory", "Redis"])
def page_cache(request, settings):
    """Every test here runs on the local-memory cache and on a real Redis server."""
    if request.param == "Redis":
        if not redis_answers(REDIS_URL):
            message = f"no Redis server answers at {REDIS_URL}"
            if os.environ.get("CI") == "true":
                pytest.fail(f"{message}; the Redis cache tests are required here.")
            pytest.skip(f"{message}; Redis cache tests skipped.")
        settings.CACHES = {
            "default": {
                "BACKEND": "medref.caches.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": f"medref-test-{os.getpid()}",
            }
        }
        assert isinstance(cache._connections["default"], RedisCache)
    cache.clear()
    yield request.param
    cache.clear()


@pytest.fixture(params=[300, 0], ids=["cache on", "cache off"])
def cache_on_and_off(request, settings):
    """Run a test with the page cache on and with it off (`MEDREF_PAGE_CACHE_SECONDS=0`)."""
    settings.MEDREF_PAGE_CACHE_SECONDS = request.param
    return request.param


def drug_url(drug) -> str:
    return reverse("monographs:drug_detail", kwargs={"slug": drug.slug})


def approve_edit(drug, body, *, contributor, reviewer, capture):
    """Publish an edit the way production does: the cache hears of it once it commits."""
    edit_section(drug, body)
    with capture(execute=True):
        review_approve(
            review=review_submit(drug=drug, by=contributor), by=reviewer, signature=signed(reviewer)
        )


@pytest.mark.django_db
class PublishInvalidationTests:
    def test_publishing_shows_the_new_text_at_once(
        self, client, contributor, reviewer, django_capture_on_commit_callbacks
    ):
        """A cached monograph page shows the newly approved text on the next request."""
        drug = published("Fresh", contributor=contributor, reviewer=reviewer)
        client.get(drug_url(drug))
        approve_edit(
            drug,
            "Brand new approved text.",
            contributor=contributor,
            reviewer=reviewer,
            capture=django_capture_on_commit_callbacks,
        )
        assert "Brand new approved text." in page_text(client.get(drug_url(drug)))

    def test_publishing_shows_at_once_with_the_cache_disabled(
        self, client, settings, contributor, reviewer, django_capture_on_commit_callbacks
    ):
        """Without the page cache the new text shows just the same."""
        settings.MEDREF_PAGE_CACHE_SECONDS = 0
        drug = published("Uncached", contributor=contributor, reviewer=reviewer)
        client.get(drug_url(drug))
        approve_edit(
            drug,
            "Uncached new text.",
            contributor=contributor,
            reviewer=reviewer,
            capture=django_capture_on_commit_callbacks,
        )
        assert "Uncached new text." in page_text(client.get(drug_url(drug)))

    def test_a_new_monograph_appears_in_cached_listings(
        self, client, contributor, reviewer, django_capture_on_commit_callbacks
    ):
        """Home, index and class pages cached before a publish list the new monograph after it."""
        published("Methylcobalamin", contributor=contributor, reviewer=reviewer)
        for url in PUBLIC_URLS:
            client.get(url)
        with django_capture_on_commit_callbacks(execute=True):
            published("Mecobalamin", contributor=contributor, reviewer=reviewer)
        for url in ["/", "/drugs/?letter=m", "/classes/vitamins/"]:
            assert "Mecobalamin" in page_text(client.get(url)), url

    def test_a_new_drug_of_the_class_is_listed_on_the_others_at_once(
        self,
        client,
        cache_on_and_off,
        contributor,
        reviewer,
        django_capture_on_commit_callbacks,
    ):
        """ "Other drugs in this class" on a monograph read before a publish lists the new one."""
        statin = published(
            "Atorvastatin", drug_class="Statins", contributor=contributor, reviewer=reviewer
        )
        assert "Rosuvastatin" not in page_text(client.get(drug_url(statin)))
        with django_capture_on_commit_callbacks(execute=True):
            published(
                "Rosuvastatin", drug_class="Statins", contributor=contributor, reviewer=reviewer
            )
        assert "Rosuvastatin" in page_text(client.get(drug_url(statin)))

    def test_a_new_letter_and_class_appear_at_once(
        self,
        client,
        contributor,
        reviewer,
        cache_on_and_off,
        django_capture_on_commit_callbacks,
    ):
        """The letters and classes summaries follow a publish, with or without the page cache."""
        published("Methylcobalamin", contributor=contributor, reviewer=reviewer)
        assert 'href="/drugs/?letter=z"' not in page_text(client.get("/"))
        assert "Minerals" not in page_text(client.get("/classes/"))
        with django_capture_on_commit_callbacks(execute=True):
            published("Zinc", contributor=contributor, reviewer=reviewer, drug_class="Minerals")
        assert 'href="/drugs/?letter=z"' in page_text(client.get("/"))
        assert 'href="/drugs/?letter=z"' in page_text(client.get("/drugs/"))
        assert "Minerals" in page_text(client.get("/classes/"))
        assert client.get("/classes/minerals/").status_code == 200

    def test_a_combination_published_later_links_back_from_cached_component(
        self,
        client,
        cache_on_and_off,
        contributor,
        reviewer,
        django_capture_on_commit_callbacks,
    ):
        """A component page read earlier links to a combination published afterwards."""
        methyl = published("Methylcobalamin", contributor=contributor, reviewer=reviewer)
        first = monograph(name="Methylcobalamin + Folate", drug_class="Vitamins")
        first.components.add(methyl)
        with django_capture_on_commit_callbacks(execute=True):
            review_fully_approve(review_submit(drug=first, by=contributor), reviewer)
        assert drug_url(first) in page_text(client.get(drug_url(methyl)))
        second = monograph(name="Methylcobalamin + Piracetam", drug_class="Nootropics")
        second.components.add(methyl)
        with django_capture_on_commit_callbacks(execute=True):
            review_fully_approve(review_submit(drug=second, by=contributor), reviewer)
        html = page_text(client.get(drug_url(methyl)))
        assert drug_url(first) in html
        assert drug_url(second) in html

    def test_unpublishing_removes_the_page_at_once(
        self, client, contributor, reviewer, editor, django_capture_on_commit_callbacks
    ):
        """A cached page turns into a 404, and leaves the listings, as soon as it is unpublished."""
        drug = published("Withdrawn", contributor=contributor, reviewer=reviewer)
        assert client.get(drug_url(drug)).status_code == 200
        client.get("/drugs/?letter=w")
        with django_capture_on_commit_callbacks(execute=True):
            drug_unpublish(drug=drug, by=editor)
        assert client.get(drug_url(drug)).status_code == 404
        assert "Withdrawn" not in page_text(client.get("/drugs/?letter=w"))

    def test_a_pending_submission_does_not_invalidate(
        self, client, contributor, reviewer, django_capture_on_commit_callbacks
    ):
        """Submitting for review changes nothing public, so cached pages stay valid."""
        drug = published("Patient", contributor=contributor, reviewer=reviewer)
        generation = public_generation()
        edit_section(drug, "Not yet reviewed.")
        with django_capture_on_commit_callbacks(execute=True):
            review_submit(drug=drug, by=contributor)
        assert public_generation() == generation
        assert "Not yet reviewed." not in page_text(client.get(drug_url(drug)))

    def test_losing_the_generation_never_revives_old_pages(self, client, published_drug):
        """If the cache forgets the generation, the new one is ahead of every cached page."""
        client.get(drug_url(published_drug))
        before = public_generation()
        cache.delete(GENERATION_KEY)
        assert public_generation() > before


@pytest.mark.django_db
class CachedResponseTests:
    def test_cached_page_costs_no_queries(self, client, published_drug, django_assert_num_queries):
        """Once cached, a monograph is served without touching the database."""
        first = client.get(drug_url(published_drug))
        with django_assert_num_queries(0):
            second = client.get(drug_url(published_drug))
        assert second.content == first.content
        assert second["ETag"] == first["ETag"]

    def test_cached_page_keeps_the_security_headers(self, client, published_drug):
        """A page served from the cache has the headers the full stack gave it."""
        first = client.get(drug_url(published_drug))
        second = client.get(drug_url(published_drug))
        for header in (
            "Content-Type",
            "Content-Security-Policy",
            "X-Frame-Options",
            "X-Content-Type-Options",
            "Referrer-Policy",
        ):
            assert second[header] == first[header], header
        assert "frame-ancestors 'none'" in second["Content-Security-Policy"]

    def test_a_cached_page_is_refused_to_a_disallowed_host(self, client, published_drug):
        """Serving from the cache does not skip the ALLOWED_HOSTS check."""
        assert client.get(drug_url(published_drug)).status_code == 200
        response = client.get(drug_url(published_drug), headers={"host": "evil.example"})
        assert response.status_code == 400

    def test_an_uncached_page_is_refused_to_a_disallowed_host(
        self, client, published_drug, cache_on_and_off
    ):
        """A disallowed Host gets 400 on a miss and with the cache off, and is never stored."""
        response = client.get(drug_url(published_drug), headers={"host": "evil.example"})
        assert response.status_code == 400
        assert "Medically reviewed" in client.get(drug_url(published_drug)).content.decode()

    def test_monograph_has_validators_and_cache_control(self, client, published_drug):
        """Monograph responses carry ETag, Last-Modified and a public Cache-Control."""
        response = client.get(drug_url(published_drug))
        assert response["ETag"].startswith('"')
        assert response["Last-Modified"].endswith("GMT")
        assert response["Cache-Control"] == "public, max-age=0, must-revalidate"
        assert "Cookie" not in response.get("Vary", "")

    def test_if_none_match_gets_304(self, client, published_drug, cache_on_and_off):
        """A client holding the current ETag gets 304 Not Modified, cached or not."""
        etag = client.get(drug_url(published_drug))["ETag"]
        response = client.get(drug_url(published_drug), headers={"if-none-match": etag})
        assert response.status_code == 304
        assert response.content == b""
        assert response["ETag"] == etag

    def test_if_modified_since_gets_304(self, client, published_drug):
        """A client whose copy is as new as the last public change gets 304."""
        last_modified = client.get(drug_url(published_drug))["Last-Modified"]
        response = client.get(
            drug_url(published_drug), headers={"if-modified-since": last_modified}
        )
        assert response.status_code == 304

    def test_stale_etag_gets_the_new_page(
        self, client, contributor, reviewer, django_capture_on_commit_callbacks
    ):
        """After an approval the old ETag no longer matches and the new page is sent."""
        drug = published("Tagged", contributor=contributor, reviewer=reviewer)
        etag = client.get(drug_url(drug))["ETag"]
        approve_edit(
            drug,
            "Changed.",
            contributor=contributor,
            reviewer=reviewer,
            capture=django_capture_on_commit_callbacks,
        )
        response = client.get(drug_url(drug), headers={"if-none-match": etag})
        assert response.status_code == 200
        assert response["ETag"] != etag

    def test_staff_and_anonymous_readers_get_the_same_page(self, client, published_drug, editor):
        """Public pages show only published content, so a logged-in editor shares the cache."""
        anonymous = client.get(drug_url(published_drug))
        client.force_login(editor)
        logged_in = client.get(drug_url(published_drug))
        assert logged_in.content == anonymous.content
        assert "Cookie" not in logged_in.get("Vary", "")

    def test_errors_are_not_cached(self, client, contributor, reviewer):
        """A 404 is computed afresh: a drug published later is found at once."""
        assert client.get("/drugs/later/").status_code == 404
        assert client.get("/drugs/later/").status_code == 404
        published("Later", contributor=contributor, reviewer=reviewer)
        public_pages_changed()
        assert client.get("/drugs/later/").status_code == 200

    def test_unrelated_query_strings_share_one_entry(
        self, client, published_drug, django_assert_num_queries
    ):
        """Tracking parameters on a monograph URL are served from the same cache entry."""
        client.get(drug_url(published_drug))
        with django_assert_num_queries(0):
            response = client.get(drug_url(published_drug) + "?utm_source=x")
        assert response.status_code == 200

    def test_index_letters_are_cached_separately(self, client, contributor, reviewer):
        """Each letter of the A-Z index is its own page in the cache."""
        published("Aspirin", contributor=contributor, reviewer=reviewer)
        published("Caffeine", contributor=contributor, reviewer=reviewer)
        assert "Aspirin" in page_text(client.get("/drugs/?letter=a"))
        assert "Caffeine" in page_text(client.get("/drugs/?letter=c"))
        assert "Aspirin" not in page_text(client.get("/drugs/?letter=c"))


@pytest.mark.django_db
@pytest.mark.urls("tests.monographs.public.cacheurls")
class DecoratorTests:
    @pytest.fixture(autouse=True)
    def _calls(self):
        cacheurls.calls.clear()

    def test_views_that_touch_the_session_are_not_shared(self, client):
        """A response that read the session (so may be personal) is never stored."""
        for _ in range(2):
            assert client.get("/personal/").content == b"hello"
        assert cacheurls.calls == ["personal", "personal"]

    def test_get_is_stored_and_post_is_passed_through(self, client):
        """Only GET and HEAD are cached; a POST always reaches the view, without validators."""
        assert client.get("/echo/")["ETag"]
        assert client.get("/echo/").content == b"GET"
        response = client.post("/echo/")
        assert response.content == b"POST"
        assert "ETag" not in response
        assert cacheurls.calls == ["echo", "echo"]
