from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from monographs.models import Origin, Revision, SectionKind
from monographs.public.article import split_article
from monographs.public.monograph import COMBINATION_LINKS_KEY
from monographs.public.page_cache import generation_cached
from reviews.exceptions import AddressTaken
from reviews.services import drug_unpublish, review_submit
from tests.factories import (
    FAQItemFactory,
    SectionFactory,
    edit_section,
    monograph,
    publish,
    review_fully_approve,
)
from tests.monographs.adminforms import change_form_data
from tests.monographs.public.publicsite import (
    clone_published,
    outline,
    page_text,
    published,
)
from tests.monographs.public.test_sitemap_feed import ATOM_NS, feed_entries, sitemap_entries

DISCLAIMER = (
    "This information is AI-generated or crowd-sourced and may not be accurate. "
    "Please consult a medical professional for verified advice."
)


def drug_url(drug) -> str:
    return reverse("monographs:drug_detail", kwargs={"slug": drug.slug})


@pytest.mark.django_db
class MonographPageTests:
    def test_published_monograph_shows_its_approved_content(self, client, contributor, reviewer):
        """A reader sees the title, names, class and every section of the approved revision."""
        drug = monograph(
            name="Cyanocobalamin",
            generic_name="cyanocobalamin",
            other_names="Vitamin B12\nCobalamin",
            drug_class="Vitamins",
            sections=(SectionKind.DOSAGE, SectionKind.USAGE, SectionKind.SIDE_EFFECTS),
        )
        publish(drug, contributor=contributor, reviewer=reviewer)
        html = page_text(client.get(drug_url(drug)))
        assert "<h1" in html
        assert ">Cyanocobalamin</h1>" in html
        assert "Vitamin B12, Cobalamin" in html
        assert 'href="/classes/vitamins/"' in html
        for section in drug.sections.all():
            assert section.body_html.strip() in html
            assert f">{section.get_kind_display()}</h2>" in html

    def test_sections_appear_in_the_authors_order(self, client, contributor, reviewer):
        """Sections show in the order they were written in, not in an order of kinds."""
        drug = monograph(
            name="Ordered",
            sections=(SectionKind.SIDE_EFFECTS, SectionKind.DOSAGE, SectionKind.USAGE),
        )
        publish(drug, contributor=contributor, reviewer=reviewer)
        headings = [
            text for level, text in outline(client.get(drug_url(drug))).headings if level == 2
        ]
        assert headings[1:4] == ["Side effects", "Dosage", "Usage"]

    def test_table_of_contents_links_to_every_section(self, client, contributor, reviewer):
        """The table of contents has an anchor for each section and the FAQ, and they exist."""
        drug = published("Anchored", contributor=contributor, reviewer=reviewer, faqs=2)
        page = outline(client.get(drug_url(drug)))
        html = page_text(client.get(drug_url(drug)))
        for anchor in ["usage", "dosage", "faqs"]:
            assert f'href="#{anchor}"' in html
            assert anchor in page.ids

    def test_faq_is_an_accordion_that_works_without_javascript(self, client, contributor, reviewer):
        """Each FAQ item is a details element whose summary is the question."""
        drug = published("Faqful", contributor=contributor, reviewer=reviewer, faqs=3)
        html = page_text(client.get(drug_url(drug)))
        for faq in drug.faqs.all():
            assert f"<summary>{faq.question}</summary>" in html
        assert html.count("<details") == 3

    def test_each_section_shows_its_provenance_with_tool_and_sources(
        self, client, contributor, reviewer
    ):
        """A section's badge names its origin, the AI tool and links its sources."""
        drug = monograph(name="Sourced", sections=())
        SectionFactory(
            drug=drug,
            kind=SectionKind.USAGE,
            origin=Origin.AI_GENERATED,
            ai_tool="GPT-4o",
            sources="NHS page | https://www.nhs.uk/medicines/",
        )
        SectionFactory(drug=drug, kind=SectionKind.DOSAGE, origin=Origin.PROFESSIONAL)
        publish(drug, contributor=contributor, reviewer=reviewer)
        html = page_text(client.get(drug_url(drug)))
        assert ">AI-generated</span>" in html
        assert "GPT-4o" in html
        assert '<a href="https://www.nhs.uk/medicines/"' in html
        assert ">NHS page</a>" in html
        assert ">Written by a professional</span>" in html

    def test_disclaimer_shows_when_any_part_is_unverified(self, client, contributor, reviewer):
        """The seed's disclaimer appears when a section or FAQ is AI-generated or crowd-sourced."""
        drug = monograph(name="Crowdy", sections=(), faqs=0)
        SectionFactory(drug=drug, origin=Origin.PROFESSIONAL)
        FAQItemFactory(drug=drug, origin=Origin.CROWD_SOURCED)
        publish(drug, contributor=contributor, reviewer=reviewer)
        assert DISCLAIMER in page_text(client.get(drug_url(drug)))

    def test_no_disclaimer_for_professionally_written_content(self, client, contributor, reviewer):
        """A monograph written entirely by professionals carries no AI disclaimer."""
        drug = monograph(name="Pro", sections=(), faqs=0)
        SectionFactory(drug=drug, origin=Origin.PROFESSIONAL)
        publish(drug, contributor=contributor, reviewer=reviewer)
        assert DISCLAIMER not in page_text(client.get(drug_url(drug)))

    def test_review_line_names_reviewer_credential_and_dates(self, client, contributor, reviewer):
        """The page says who reviewed it, with credentials, when, and when it is next due."""
        drug = published("Reviewed", contributor=contributor, reviewer=reviewer)
        revision = drug.published_revision
        html = page_text(client.get(drug_url(drug)))
        approved = revision.approved_at
        due = revision.next_review_due
        # Dosage is high-risk: a second reviewer approved it too, and both are named.
        assert f"{reviewer.get_full_name()}, MD; " in revision.approved_by_credit
        expected = (
            f"Medically reviewed by <strong>{revision.approved_by_credit}</strong> on "
            f'<time datetime="{approved:%Y-%m-%d}">{approved.day} {approved:%B %Y}</time>'
            " &middot; next review due "
            f'<time datetime="{due:%Y-%m-%d}">{due.day} {due:%B %Y}</time>'
        )
        assert expected in html

    def test_page_links_to_its_change_log(self, client, published_drug):
        """A reader can get from the monograph to what changed."""
        changes = reverse("monographs:drug_changes", kwargs={"slug": published_drug.slug})
        assert f'href="{changes}"' in page_text(client.get(drug_url(published_drug)))

    def test_unknown_or_unpublished_drug_is_404(self, client, draft_drug):
        """A drug with no published revision does not exist for readers."""
        assert client.get(drug_url(draft_drug)).status_code == 404
        assert client.get("/drugs/no-such-drug/").status_code == 404

    def test_unpublished_monograph_is_404(self, client, published_drug, editor):
        """An editor's unpublish takes the page down."""
        drug_unpublish(drug=published_drug, by=editor)
        assert client.get(drug_url(published_drug)).status_code == 404

    def test_section_headings_are_demoted_below_the_section_title(
        self, client, contributor, reviewer
    ):
        """Headings written inside a section become sub-headings, with unique ids."""
        drug = monograph(name="Nested", sections=(), faqs=0)
        SectionFactory(drug=drug, kind=SectionKind.USAGE, body="# Big\n\ntext\n\n##### Tiny\n\nx")
        SectionFactory(drug=drug, kind=SectionKind.DOSAGE, body="# Big\n\nmore")
        publish(drug, contributor=contributor, reviewer=reviewer)
        page = outline(client.get(drug_url(drug)))
        levels = [level for level, _text in page.headings]
        assert levels.count(1) == 1
        assert (1, "Big") not in page.headings
        assert (3, "Big") in page.headings
        assert (4, "Tiny") in page.headings
        assert len(page.ids) == len(set(page.ids))


@pytest.mark.django_db
class CombinationLinkTests:
    def test_combination_links_components_and_components_link_back(
        self, client, contributor, reviewer
    ):
        """A combination lists its components; each component links to the combination."""
        methyl = published("Methylcobalamin", contributor=contributor, reviewer=reviewer)
        piracetam = published("Piracetam", contributor=contributor, reviewer=reviewer)
        combo = monograph(name="Methylcobalamin + Piracetam")
        combo.components.add(methyl, piracetam)
        publish(combo, contributor=contributor, reviewer=reviewer)

        combo_html = page_text(client.get(drug_url(combo)))
        assert f'<a href="{drug_url(methyl)}">Methylcobalamin</a>' in combo_html
        assert f'<a href="{drug_url(piracetam)}">Piracetam</a>' in combo_html
        methyl_html = page_text(client.get(drug_url(methyl)))
        assert f'<a href="{drug_url(combo)}">Methylcobalamin + Piracetam</a>' in methyl_html

    def test_unpublished_parts_are_not_linked(self, client, contributor, reviewer):
        """Neither a draft component nor a draft combination is linked from public pages."""
        methyl = published("Methylcobalamin", contributor=contributor, reviewer=reviewer)
        draft_component = monograph(name="Piracetam")
        combo = monograph(name="Methylcobalamin + Piracetam")
        combo.components.add(methyl, draft_component)
        publish(combo, contributor=contributor, reviewer=reviewer)
        draft_combo = monograph(name="Methylcobalamin + Folate")
        draft_combo.components.add(methyl)

        combo_html = page_text(client.get(drug_url(combo)))
        assert drug_url(draft_component) not in combo_html
        methyl_html = page_text(client.get(drug_url(methyl)))
        assert drug_url(combo) in methyl_html
        assert drug_url(draft_combo) not in methyl_html

    def test_component_added_in_a_pending_edit_is_not_linked(self, client, contributor, reviewer):
        """A component added to a published combination's working copy waits for approval."""
        methyl = published("Methylcobalamin", contributor=contributor, reviewer=reviewer)
        folate = published("Folate", contributor=contributor, reviewer=reviewer)
        combo = monograph(name="Methylcobalamin + Folate")
        combo.components.add(methyl)
        publish(combo, contributor=contributor, reviewer=reviewer)
        combo.components.add(folate)
        review_submit(drug=combo, by=contributor)

        combo_html = page_text(client.get(drug_url(combo)))
        assert 'Combination of: <a href="/drugs/methylcobalamin/">Methylcobalamin</a></p>' in (
            combo_html
        )
        assert "Also part of" not in page_text(client.get(drug_url(folate)))

    def test_related_drugs_of_the_same_class_are_listed(self, client, contributor, reviewer):
        """Other published drugs of the class are linked; drafts and other classes are not."""
        drug = published("Alpha", contributor=contributor, reviewer=reviewer, drug_class="Racetams")
        sibling = published(
            "Beta", contributor=contributor, reviewer=reviewer, drug_class="Racetams"
        )
        stranger = published(
            "Gamma", contributor=contributor, reviewer=reviewer, drug_class="Other"
        )
        draft = monograph(name="Delta", drug_class="Racetams")
        html = page_text(client.get(drug_url(drug)))
        assert f'<a href="{drug_url(sibling)}">Beta</a>' in html
        assert drug_url(stranger) not in html
        assert drug_url(draft) not in html


@pytest.mark.django_db
class DraftIsolationTests:
    def test_pending_edit_never_changes_the_public_page(self, client, contributor, reviewer):
        """An edit submitted for review leaves the public page exactly as it was."""
        drug = published("Stable", contributor=contributor, reviewer=reviewer)
        before = client.get(drug_url(drug)).content
        edit_section(drug, "UNREVIEWED CLAIM")
        drug.name = "Renamed In Draft"
        drug.save()
        review_submit(drug=drug, by=contributor)
        after = client.get(drug_url(drug))
        assert "UNREVIEWED CLAIM" not in page_text(after)
        assert "Renamed In Draft" not in page_text(after)
        assert after.content == before

    def test_pending_rename_does_not_reach_listings(self, client, contributor, reviewer):
        """The A-Z index, class page and home page show the published name, not a draft's."""
        drug = published("Stable", contributor=contributor, reviewer=reviewer)
        drug.name = "Renamed In Draft"
        drug.save()
        review_submit(drug=drug, by=contributor)
        for url in ["/", "/drugs/?letter=s", "/classes/vitamins/"]:
            html = page_text(client.get(url))
            assert "Renamed In Draft" not in html, url
            assert "Stable" in html, url


@pytest.mark.django_db
class HomeTests:
    def test_home_has_search_letters_recent_and_policy_link(self, client, contributor, reviewer):
        """The home page offers search, the A-Z letters, recent reviews and the policy."""
        published("Cyanocobalamin", contributor=contributor, reviewer=reviewer)
        html = page_text(client.get("/"))
        assert 'action="/search/"' in html
        assert 'name="q"' in html
        assert 'href="/drugs/?letter=c"' in html
        assert '<a href="/drugs/cyanocobalamin/">Cyanocobalamin</a>' in html
        assert reverse("monographs:editorial_policy") in html

    def test_recently_reviewed_lists_latest_approvals_first(self, client, contributor, reviewer):
        """The newest approvals come first, at most ten, and drafts never appear."""
        for number in range(12):
            published(f"Drug {number:02}", contributor=contributor, reviewer=reviewer)
        monograph(name="Draft Only")
        html = page_text(client.get("/"))
        recent = html.split('id="recent-title"')[1]
        assert recent.index("Drug 11") < recent.index("Drug 10")
        assert "Drug 01" not in recent
        assert "Draft Only" not in html

    def test_empty_site_still_renders(self, client, db):
        """With nothing published the home page explains that instead of failing."""
        assert "No monographs have been published yet." in page_text(client.get("/"))


@pytest.mark.django_db
class DrugIndexTests:
    def test_index_lists_one_letter(self, client, contributor, reviewer):
        """?letter=c lists the published drugs starting with C only."""
        published("Cyanocobalamin", contributor=contributor, reviewer=reviewer)
        published("Aspirin", contributor=contributor, reviewer=reviewer)
        monograph(name="Caffeine")
        html = page_text(client.get("/drugs/?letter=c"))
        assert "Cyanocobalamin" in html
        assert "Aspirin</a>" not in html
        assert "Caffeine" not in html

    def test_default_letter_is_the_first_with_drugs(self, client, contributor, reviewer):
        """Without a letter the index opens at the first letter that has a monograph."""
        published("Cyanocobalamin", contributor=contributor, reviewer=reviewer)
        html = page_text(client.get("/drugs/"))
        assert "Cyanocobalamin" in html
        assert '<h2 id="letter-title">C</h2>' in html

    def test_letters_without_drugs_are_shown_but_not_linked(self, client, contributor, reviewer):
        """Empty letters are visible but are not links."""
        published("Cyanocobalamin", contributor=contributor, reviewer=reviewer)
        html = page_text(client.get("/drugs/?letter=c"))
        assert 'href="/drugs/?letter=c"' in html
        assert 'href="/drugs/?letter=b"' not in html
        assert '<span class="letter-empty">B' in html

    def test_names_not_starting_with_a_letter_have_their_own_page(
        self, client, contributor, reviewer
    ):
        """A name starting with a digit is listed under 'Other characters'."""
        published("5-HTP", contributor=contributor, reviewer=reviewer)
        html = page_text(client.get("/drugs/?letter=0"))
        assert "5-HTP" in html

    def test_unknown_letter_is_404(self, client, db):
        """A letter that is not A-Z or 0 is not a page."""
        assert client.get("/drugs/?letter=zz").status_code == 404


@pytest.mark.django_db
class ClassPageTests:
    def test_class_list_and_detail(self, client, contributor, reviewer):
        """Drug classes are listed and each lists its published monographs."""
        published("Piracetam", contributor=contributor, reviewer=reviewer, drug_class="Racetams")
        published("Cyanocobalamin", contributor=contributor, reviewer=reviewer)
        monograph(name="Aniracetam", drug_class="Racetams")
        listing = page_text(client.get("/classes/"))
        assert '<a href="/classes/racetams/">Racetams</a>' in listing
        assert '<a href="/classes/vitamins/">Vitamins</a>' in listing
        detail = page_text(client.get("/classes/racetams/"))
        assert "Piracetam" in detail
        assert "Aniracetam" not in detail
        assert "Cyanocobalamin" not in detail

    def test_unknown_class_is_404(self, client, db):
        """A class with no published monograph has no page."""
        assert client.get("/classes/nothing-here/").status_code == 404


@pytest.mark.django_db
class EditorialPolicyTests:
    def test_policy_explains_flags_and_review(self, client, db):
        """The editorial policy page names every provenance flag and the review process."""
        html = page_text(client.get(reverse("monographs:editorial_policy")))
        for label in Origin.labels:
            assert label in html
        assert "medical reviewer" in html


@pytest.mark.django_db
class QueryCountTests:
    """Public pages cost the same few queries at any size (page cache off, to count them)."""

    @pytest.fixture(autouse=True)
    def _uncached(self, settings):
        settings.MEDREF_PAGE_CACHE_SECONDS = 0

    @pytest.fixture(params=[10, 200], ids=["10 drugs", "200 drugs"])
    def site(self, request, contributor, reviewer):
        original = published("Methylcobalamin", contributor=contributor, reviewer=reviewer)
        clone_published(original, request.param - 1, prefix="Mecobalamin")
        return request.param

    @pytest.mark.parametrize(
        ("url", "queries"),
        [
            ("/", 2),
            ("/drugs/", 2),
            ("/drugs/?letter=m", 2),
            ("/classes/", 1),
            ("/classes/vitamins/", 2),
            ("/drugs/methylcobalamin/", 2),
            ("/drugs/methylcobalamin/changes/", 3),
            ("/about/editorial-policy/", 0),
        ],
    )
    def test_page_queries_do_not_grow_with_drugs(
        self, client, site, url, queries, django_assert_num_queries
    ):
        """Home, index, class pages, a monograph and its change log: constant queries."""
        with django_assert_num_queries(queries):
            response = client.get(url)
        assert response.status_code == 200
        if url in ("/drugs/?letter=m", "/classes/vitamins/"):
            assert page_text(response).count(">Mecobalamin ") == site - 1

    @pytest.mark.parametrize(
        ("url", "queries"),
        [("/", 1), ("/drugs/?letter=m", 1), ("/classes/", 0), ("/classes/vitamins/", 1)],
    )
    def test_letters_and_classes_are_summarised_once_per_publication(
        self, client, site, url, queries, django_assert_num_queries
    ):
        """Which letters and classes have monographs is worked out once, not per request."""
        client.get(url)
        with django_assert_num_queries(queries):
            response = client.get(url)
        assert response.status_code == 200

    @pytest.mark.parametrize("sections", [1, 20])
    def test_monograph_queries_do_not_grow_with_sections(
        self, client, contributor, reviewer, sections, django_assert_num_queries
    ):
        """A monograph with twenty sections costs what one with a single section does."""
        drug = published(
            "Sectioned",
            contributor=contributor,
            reviewer=reviewer,
            sections=[SectionKind.OTHER] * sections,
            faqs=sections,
        )
        with django_assert_num_queries(2):
            response = client.get(drug_url(drug))
        assert page_text(response).count('<section class="monograph-section">') == sections

    def test_combination_links_cost_one_query_once_per_publication(
        self, client, settings, contributor, reviewer, django_assert_num_queries
    ):
        """Links between a combination and its components are looked up once, then reused."""
        settings.MEDREF_PAGE_CACHE_SECONDS = 0
        parts = [
            published(name, contributor=contributor, reviewer=reviewer)
            for name in ("Methylcobalamin", "Piracetam", "Folate")
        ]
        combo = monograph(name="Methylcobalamin + Piracetam + Folate")
        combo.components.add(*parts)
        publish(combo, contributor=contributor, reviewer=reviewer)
        with django_assert_num_queries(3):
            first = client.get(drug_url(combo))
        with django_assert_num_queries(1):
            again = client.get(drug_url(combo))
        for response in (first, again):
            for part in parts:
                assert f'<a href="{drug_url(part)}">{part.name}</a>' in page_text(response)

    def test_combination_links_stay_cached_while_many_other_combinations_are_read(
        self, client, settings, contributor, reviewer, django_assert_num_queries
    ):
        """The local-memory cache keeps a combination's links when 2,000 others are looked up."""
        settings.MEDREF_PAGE_CACHE_SECONDS = 0
        part = published("Piracetam", contributor=contributor, reviewer=reviewer)
        combo = monograph(name="Methylcobalamin + Piracetam")
        combo.components.add(part)
        publish(combo, contributor=contributor, reviewer=reviewer)
        client.get(drug_url(combo))
        for other in range(2000):  # what reading 2,000 other combinations' pages stores
            generation_cached(f"{COMBINATION_LINKS_KEY}{combo.pk + 1 + other}", list)
        with django_assert_num_queries(1):
            response = client.get(drug_url(combo))
        assert f'<a href="{drug_url(part)}">Piracetam</a>' in page_text(response)


@pytest.mark.django_db
class StoredArticleTests:
    def test_article_stored_by_an_older_version_is_still_served(
        self, client, contributor, reviewer, caplog
    ):
        """An article without today's stored facts is assembled on the fly, with a warning."""
        drug = published("Legacy", contributor=contributor, reviewer=reviewer)
        Revision.objects.filter(pk=drug.published_revision_id).update(
            article_html="<article><h1>Legacy</h1></article>"
        )
        response = client.get(drug_url(drug))
        assert response.status_code == 200
        assert "Medically reviewed by" in page_text(response)
        assert "assemble_articles" in caplog.text

    def test_published_article_is_stored_lz4_compressed_on_postgresql(self, contributor, reviewer):
        """The article every request reads is kept with PostgreSQL's fast LZ4 compression."""
        if connection.vendor != "postgresql":
            pytest.skip("TOAST compression is PostgreSQL's; SQLite stores the text as it is")
        drug = published(
            "Sectioned",
            contributor=contributor,
            reviewer=reviewer,
            sections=[SectionKind.OTHER] * 20,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_column_compression(article_html), pg_column_size(article_html), "
                "octet_length(article_html) FROM monographs_revision WHERE id = %s",
                [drug.published_revision_id],
            )
            compression, stored, length = cursor.fetchone()
        assert compression == "lz4"
        assert stored < length

    def test_assemble_articles_stores_them_afresh(self, contributor, reviewer):
        """The management command re-assembles every published article in place."""
        drug = published("Legacy", contributor=contributor, reviewer=reviewer)
        Revision.objects.filter(pk=drug.published_revision_id).update(article_html="old")
        call_command("assemble_articles", stdout=StringIO())
        drug.published_revision.refresh_from_db()
        assert split_article(drug.published_revision.article_html).title == "Legacy"


def save_slug_in_admin(client, drug, slug: str, *, by) -> None:
    """Change the working copy's slug the way a contributor does: the admin form, saved."""
    client.force_login(by)
    data = change_form_data(client, drug)
    data["slug"] = slug
    response = client.post(reverse("admin:monographs_drug_change", args=[drug.pk]), data)
    assert response.status_code == 302
    client.logout()


def listed_addresses(client) -> set[str]:
    """Every monograph address the sitemap, the feed and the API list give out."""
    feed = feed_entries(client)
    api = client.get("/api/drugs/").json()["results"]
    return {
        *(urlsplit(url).path for url in sitemap_entries(client)),
        *(urlsplit(entry.find("a:link", ATOM_NS).get("href")).path for entry in feed),
        *(urlsplit(result["page_url"]).path for result in api),
        *(urlsplit(result["url"]).path for result in api),
    } - {"/", "/drugs/", "/classes/", "/classes/vitamins/"}


@pytest.fixture(params=[300, 0], ids=["page cache on", "page cache off"])
def page_cache(request, settings):
    settings.MEDREF_PAGE_CACHE_SECONDS = request.param


@pytest.mark.django_db
@pytest.mark.usefixtures("page_cache")
class PublishedSlugTests:
    OLD, NEW = "/drugs/methylcobalamin/", "/drugs/mecobalamin/"
    OLD_API, NEW_API = "/api/drugs/methylcobalamin/", "/api/drugs/mecobalamin/"

    @pytest.fixture
    def committed(self, contributor, reviewer, django_capture_on_commit_callbacks):
        """Publish as production does: caches hear of it once the transaction commits."""

        def publish_committed(drug, **fields):
            with django_capture_on_commit_callbacks(execute=True):
                if drug is None:
                    return published(
                        fields.pop("name"), contributor=contributor, reviewer=reviewer, **fields
                    )
                return publish(drug, contributor=contributor, reviewer=reviewer)

        return publish_committed

    @pytest.fixture
    def drug(self, client, committed):
        drug = committed(None, name="Methylcobalamin")
        for url in (self.OLD, f"{self.OLD}changes/", self.OLD_API):
            assert client.get(url).status_code == 200  # and cached, when the cache is on
        return drug

    def test_saved_slug_edit_changes_no_public_address(self, client, drug, contributor, committed):
        """An unsubmitted slug edit leaves every public address as it was, after other publishes."""
        before = listed_addresses(client)
        save_slug_in_admin(client, drug, "mecobalamin", by=contributor)
        committed(None, name="Folate")  # an unrelated publish: a new cache generation

        assert client.get(self.OLD).status_code == 200
        assert client.get(f"{self.OLD}changes/").status_code == 200
        assert client.get(self.OLD_API).json()["slug"] == "methylcobalamin"
        for url in (self.NEW, f"{self.NEW}changes/", self.NEW_API):
            assert client.get(url).status_code == 404, url
        assert listed_addresses(client) == before | {"/drugs/folate/", "/api/drugs/folate/"}
        assert self.OLD in page_text(client.get("/drugs/?letter=m"))

    def test_reviewed_rename_moves_the_page_and_the_old_address_redirects(
        self, client, drug, contributor, committed
    ):
        """After approval the page is at the new slug; the old one answers 301 to it."""
        save_slug_in_admin(client, drug, "mecobalamin", by=contributor)
        committed(drug)

        assert ">Methylcobalamin</h1>" in page_text(client.get(self.NEW))
        assert client.get(f"{self.NEW}changes/").status_code == 200
        for old, new in [
            (self.OLD, self.NEW),
            (f"{self.OLD}changes/", f"{self.NEW}changes/"),
            (f"{self.OLD}changes/?page=2", f"{self.NEW}changes/?page=2"),
            (self.OLD_API, self.NEW_API),
        ]:
            response = client.get(old)
            assert response.status_code == 301, old
            assert response["Location"] == new
        assert listed_addresses(client) == {self.NEW, self.NEW_API}
        assert client.get(self.NEW_API).json()["page_url"].endswith(self.NEW)
        assert self.NEW in page_text(client.get("/drugs/?letter=m"))
        assert self.OLD not in page_text(client.get("/drugs/?letter=m"))

    def test_a_slug_published_now_wins_over_a_retired_one(
        self, client, drug, contributor, committed
    ):
        """Once another monograph is published at a retired slug, that slug is its page."""
        save_slug_in_admin(client, drug, "mecobalamin", by=contributor)
        committed(drug)
        committed(None, name="Methylcobalamin B", slug="methylcobalamin")
        response = client.get(self.OLD)
        assert response.status_code == 200
        assert ">Methylcobalamin B</h1>" in page_text(response)

    def test_unpublished_monograph_does_not_redirect(
        self, client, drug, contributor, editor, committed, django_capture_on_commit_callbacks
    ):
        """The old slug of a monograph that is no longer published is simply gone."""
        save_slug_in_admin(client, drug, "mecobalamin", by=contributor)
        committed(drug)
        with django_capture_on_commit_callbacks(execute=True):
            drug_unpublish(drug=drug, by=editor)
        for url in (self.OLD, self.NEW, self.OLD_API):
            assert client.get(url).status_code == 404, url

    def test_approval_cannot_take_an_address_another_monograph_is_published_at(
        self, client, drug, contributor, reviewer
    ):
        """Two published monographs never share a slug: that approval is refused, undone."""
        drug.slug = "mecobalamin"  # its rename waits for review
        drug.save()
        newcomer = monograph(name="Methylcobalamin B", slug="methylcobalamin")
        review = review_submit(drug=newcomer, by=contributor)
        with pytest.raises(AddressTaken, match="Nothing was published"):
            review_fully_approve(review, reviewer)
        newcomer.refresh_from_db()
        review.refresh_from_db()
        assert newcomer.published_revision_id is None
        assert review.is_open
        assert ">Methylcobalamin</h1>" in page_text(client.get(self.OLD))
