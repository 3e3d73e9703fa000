from datetime import datetime
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.urls import reverse

from reviews.services import drug_unpublish, review_submit
from tests.factories import edit_section, monograph, publish
from tests.monographs.public.publicsite import edit_and_publish

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
ATOM_NS = {"a": "http://www.w3.org/2005/Atom"}
FEED_URL = "/feeds/reviewed.atom"


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def sitemap_entries(client) -> dict[str, str | None]:
    """Each <loc> in sitemap.xml with its <lastmod> (or None)."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)  # noqa: S314 — our own response
    return {
        url.findtext("s:loc", namespaces=SITEMAP_NS): url.findtext(
            "s:lastmod", namespaces=SITEMAP_NS
        )
        for url in root.findall("s:url", SITEMAP_NS)
    }


def feed_entries(client) -> list[ElementTree.Element]:
    response = client.get(FEED_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)  # noqa: S314 — our own response
    return feed.findall("a:entry", ATOM_NS)


def text(entry, tag: str) -> str:
    return entry.findtext(f"a:{tag}", namespaces=ATOM_NS)


def publish_many(count: int, *, contributor, reviewer, prefix: str) -> list:
    return [
        publish(
            monograph(name=f"{prefix} {number:03}", drug_class=f"Class {number % 3}", faqs=0),
            contributor=contributor,
            reviewer=reviewer,
        )
        for number in range(count)
    ]


@pytest.fixture
def vitamin(contributor, reviewer):
    return publish(
        monograph(name="Cyanocobalamin", drug_class="Vitamins"),
        contributor=contributor,
        reviewer=reviewer,
    )


@pytest.mark.django_db
class SitemapTests:
    def test_lists_published_monographs_with_their_last_approval(
        self, client, contributor, reviewer, vitamin
    ):
        """Each published monograph is listed, last modified on the day it was last approved."""
        edit_and_publish(vitamin, "New dosage.", contributor=contributor, reviewer=reviewer)
        vitamin.refresh_from_db()
        entries = sitemap_entries(client)
        approved = vitamin.published_revision.approved_at
        assert entries[absolute("/drugs/cyanocobalamin/")] == approved.strftime("%Y-%m-%d")

    def test_lists_home_index_and_class_pages(self, client, vitamin):
        """The home page, the A-Z index, the class list and each class page are listed."""
        entries = sitemap_entries(client)
        for path in ["/", "/drugs/", "/classes/", "/classes/vitamins/"]:
            assert absolute(path) in entries
        assert entries[absolute("/classes/vitamins/")] == (
            vitamin.published_revision.approved_at.strftime("%Y-%m-%d")
        )

    def test_drafts_pending_and_unpublished_are_left_out(
        self, client, contributor, editor, reviewer, vitamin, django_capture_on_commit_callbacks
    ):
        """Drafts and unpublished drugs are not listed; a pending edit does not move lastmod."""
        monograph(name="Draftamine", drug_class="Secret class")
        kept = publish(
            monograph(name="Keptamine", drug_class="Keepers"),
            contributor=contributor,
            reviewer=reviewer,
        )
        before = sitemap_entries(client)[absolute("/drugs/keptamine/")]
        edit_section(kept, "Pending words.")
        review_submit(drug=kept, by=contributor)
        with django_capture_on_commit_callbacks(execute=True):
            drug_unpublish(drug=vitamin, by=editor)
        entries = sitemap_entries(client)
        assert absolute("/drugs/draftamine/") not in entries
        assert absolute("/classes/secret-class/") not in entries
        assert absolute("/drugs/cyanocobalamin/") not in entries
        assert absolute("/classes/vitamins/") not in entries
        assert entries[absolute("/drugs/keptamine/")] == before


@pytest.mark.django_db
class RobotsTests:
    def test_allows_everything_but_the_admin_and_points_to_the_sitemap(self, client):
        """robots.txt is plain text, keeps crawlers out of /admin/ and names the sitemap."""
        response = client.get("/robots.txt")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        lines = response.content.decode().splitlines()
        assert "User-agent: *" in lines
        assert "Disallow: /admin/" in lines
        assert [line for line in lines if line.startswith("Disallow")] == ["Disallow: /admin/"]
        assert f"Sitemap: {absolute(reverse('sitemap'))}" in lines


@pytest.mark.django_db
class ReviewedFeedTests:
    def test_each_approval_is_an_entry_newest_first(self, client, contributor, reviewer, vitamin):
        """Every approval of a published monograph is an Atom entry dated at its approval."""
        edit_and_publish(vitamin, "New dosage.", contributor=contributor, reviewer=reviewer)
        vitamin.refresh_from_db()
        entries = feed_entries(client)
        assert len(entries) == 2
        newest = entries[0]
        assert text(newest, "title") == "Cyanocobalamin: reviewed"
        link = newest.find("a:link", ATOM_NS).get("href")
        assert link == absolute("/drugs/cyanocobalamin/")
        updated = datetime.fromisoformat(text(newest, "updated"))
        assert updated == vitamin.published_revision.approved_at
        assert text(entries[0], "id") != text(entries[1], "id")
        assert "reviewed by Ada" in text(newest, "summary")

    def test_summary_is_escaped_html(self, client, contributor, reviewer):
        """Names are escaped in the HTML summary, so a feed reader shows them as text."""
        publish(
            monograph(name="Bold <b>Tagamine</b> & Co", drug_class="<i>Class</i>"),
            contributor=contributor,
            reviewer=reviewer,
        )
        [entry] = feed_entries(client)
        summary = entry.find("a:summary", ATOM_NS)
        assert summary.get("type") == "html"
        assert summary.text.startswith("Bold &lt;b&gt;Tagamine&lt;/b&gt; &amp; Co (&lt;i&gt;")
        assert text(entry, "title") == "Bold <b>Tagamine</b> & Co: reviewed"

    def test_drafts_pending_and_unpublished_are_left_out(
        self, client, contributor, editor, reviewer, vitamin, django_capture_on_commit_callbacks
    ):
        """Only approvals of monographs the public can read appear in the feed."""
        monograph(name="Draftamine")
        pending = publish(monograph(name="Pendamine"), contributor=contributor, reviewer=reviewer)
        edit_section(pending, "Waiting.")
        review_submit(drug=pending, by=contributor)
        with django_capture_on_commit_callbacks(execute=True):
            drug_unpublish(drug=vitamin, by=editor)
        entries = feed_entries(client)
        assert [text(entry, "title") for entry in entries] == ["Pendamine: reviewed"]


@pytest.mark.django_db
class MachineReadableQueryCountTests:
    def test_sitemap_and_feed_cost_the_same_queries_with_10_or_200_drugs(
        self, client, contributor, reviewer, django_assert_num_queries, settings
    ):
        """sitemap.xml and the feed do not run more queries as monographs are added."""
        settings.MEDREF_PAGE_CACHE_SECONDS = 0
        publish_many(10, contributor=contributor, reviewer=reviewer, prefix="Mapamine")
        for drugs in (10, 200):
            if drugs == 200:
                publish_many(190, contributor=contributor, reviewer=reviewer, prefix="Bulkamine")
            with django_assert_num_queries(3):
                entries = sitemap_entries(client)
            assert len(entries) == drugs + 3 + 3
            with django_assert_num_queries(1):
                assert len(feed_entries(client)) == min(drugs, 50)
