"""The web's conventions: error pages, canonical and social tags, breadcrumbs, print,
combination components, compression, valid feeds and dates."""

import gzip
import json
import re
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from monographs.models import Drug
from tests.factories import monograph, publish
from tests.monographs.public.publicsite import page_text, published

SITE = "https://medref.example"
ATOM = "{http://www.w3.org/2005/Atom}"
JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)
HOSTILE = "/drugs/<script>alert(1)</script>/"


@pytest.fixture
def production(settings):
    """Production settings as far as the response is concerned."""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False
    settings.SITE_URL = SITE
    return settings


@pytest.fixture
def site(contributor, reviewer, settings):
    settings.SITE_URL = SITE
    drug = published(
        "Cyanocobalamin", contributor=contributor, reviewer=reviewer, drug_class="Vitamins"
    )
    return drug


def drug_path(drug: Drug) -> str:
    return reverse("monographs:drug_detail", kwargs={"slug": drug.slug})


def public_paths(drug: Drug, reviewer_slug: str | None = None) -> dict[str, str]:
    paths = {
        "home": reverse("monographs:home"),
        "a-z": reverse("monographs:drug_index") + "?letter=c",
        "monograph": drug_path(drug),
        "change log": reverse("monographs:drug_changes", kwargs={"slug": drug.slug}),
        "classes": reverse("monographs:class_list"),
        "class": reverse("monographs:class_detail", kwargs={"slug": "vitamins"}),
        "search page": reverse("monographs:search"),
        "search results": reverse("monographs:search") + "?q=cyanocobalamin",
        "editorial policy": reverse("monographs:editorial_policy"),
    }
    if reviewer_slug:
        paths["reviewer"] = reverse("reviewer_page", kwargs={"slug": reviewer_slug})
    return paths


def head_tags(html: str) -> dict[str, str]:
    head = html.split("</head>", 1)[0]
    tags = {}
    for _attr, key, value in re.findall(r'<meta (name|property)="([^"]+)" content="([^"]*)"', head):
        tags[key] = value
    canonical = re.findall(r'<link rel="canonical" href="([^"]+)">', head)
    if canonical:
        tags["canonical"] = canonical[0]
    return tags


def breadcrumb_list(html: str) -> list[tuple[str, str]]:
    for block in JSONLD.findall(html):
        data = json.loads(block)
        if data.get("@type") == "BreadcrumbList":
            return [(item["name"], item["item"]) for item in data["itemListElement"]]
    raise AssertionError("no BreadcrumbList JSON-LD")


@pytest.mark.django_db
class ErrorPageTests:
    def test_not_found_has_the_site_chrome_a_search_box_and_the_letters(self, client, production):
        """A missing page answers 404 with the site's header, a search box and A-Z links."""
        response = client.get("/no-such-page/")
        html = page_text(response)
        assert response.status_code == 404
        assert 'class="site-header"' in html
        assert 'class="site-footer"' in html
        assert '<form class="home-search" role="search"' in html
        assert 'name="q"' in html
        assert f'href="{reverse("monographs:drug_index")}?letter=c">C</a>' in html
        assert '<meta name="robots" content="noindex">' in html

    def test_not_found_echoes_nothing_of_the_address(self, client, production):
        """The requested address never reaches the page, escaped or not."""
        html = page_text(client.get(HOSTILE))
        assert "<script>alert" not in html
        assert "alert(1)" not in html

    def test_unknown_monograph_gets_the_same_page(self, client, production):
        """A monograph that does not exist shows the friendly 404, not a bare 'Not Found'."""
        response = client.get("/drugs/unheard-of/")
        assert response.status_code == 404
        assert "We could not find that page" in page_text(response)


class ServerErrorPageTests:
    """No django_db mark: any database access while answering would fail the test."""

    def test_server_error_renders_without_the_database(self, client, production):
        """A failing view answers 500 with the site chrome, no stack and no database."""
        production.ROOT_URLCONF = "tests.monographs.public.errorurls"
        client.raise_request_exception = False
        response = client.get("/broken/")
        html = page_text(response)
        assert response.status_code == 500
        assert "Something went wrong on our side" in html
        assert 'class="site-header"' in html
        assert 'name="q"' in html
        assert "Traceback" not in html
        assert "RuntimeError" not in html
        assert "alert" not in html


@pytest.mark.django_db
class CanonicalAndSocialTagTests:
    def test_every_public_page_has_description_canonical_opengraph_and_twitter(
        self, client, site, reviewer
    ):
        """Each public page names its absolute canonical address and a link preview."""
        from reviews.models import ReviewerProfile

        slug = ReviewerProfile.objects.filter(user=reviewer).values_list("slug", flat=True).first()
        for name, path in public_paths(site, slug).items():
            response = client.get(path)
            assert response.status_code == 200, name
            tags = head_tags(page_text(response))
            assert tags.get("description"), name
            assert tags["canonical"] == SITE + path, name
            assert tags["og:url"] == tags["canonical"], name
            assert tags["og:title"], name
            assert tags["og:description"] == tags["description"], name
            assert tags["twitter:card"] == "summary", name
            assert tags["twitter:title"] == tags["og:title"], name

    def test_search_results_are_not_indexed_but_the_search_page_is(self, client, site):
        """Results pages ask not to be indexed (their links are followed); /search/ may be."""
        results = page_text(client.get(reverse("monographs:search") + "?q=cyanocobalamin"))
        assert '<meta name="robots" content="noindex, follow">' in results
        empty = page_text(client.get(reverse("monographs:search")))
        assert 'name="robots"' not in empty

    def test_change_log_may_be_indexed(self, client, site):
        """A monograph's change log is public record, open to search engines."""
        html = page_text(client.get(reverse("monographs:drug_changes", args=[site.slug])))
        assert 'name="robots"' not in html

    def test_tags_escape_the_monograph_name(self, client, contributor, reviewer, settings):
        """A name with markup stays text in the head's attributes."""
        settings.SITE_URL = SITE
        drug = published('Odd "<b>" & Co', contributor=contributor, reviewer=reviewer)
        html = page_text(client.get(drug_path(drug)))
        head = html.split("</head>", 1)[0]
        assert "<b>" not in head
        assert 'content="Odd &quot;&lt;b&gt;&quot; &amp; Co"' in head


@pytest.mark.django_db
class BreadcrumbTests:
    def test_monograph_breadcrumbs_lead_home_through_its_letter(self, client, site):
        """Home, A-Z, C, Cyanocobalamin: shown, and as BreadcrumbList JSON-LD."""
        html = page_text(client.get(drug_path(site)))
        assert '<nav class="breadcrumb" aria-label="Breadcrumb">' in html
        assert '<span aria-current="page">Cyanocobalamin</span>' in html
        assert breadcrumb_list(html) == [
            ("Home", f"{SITE}/"),
            ("A\u2013Z", f"{SITE}/drugs/"),
            ("C", f"{SITE}/drugs/?letter=c"),
            ("Cyanocobalamin", f"{SITE}/drugs/cyanocobalamin/"),
        ]

    def test_change_log_letter_and_class_pages_have_breadcrumbs(self, client, site):
        """The change log, a letter and a class page end their trail with themselves."""
        changes = page_text(client.get(reverse("monographs:drug_changes", args=[site.slug])))
        assert breadcrumb_list(changes)[-2:] == [
            ("Cyanocobalamin", f"{SITE}/drugs/cyanocobalamin/"),
            ("Change log", f"{SITE}/drugs/cyanocobalamin/changes/"),
        ]
        letter = page_text(client.get(reverse("monographs:drug_index") + "?letter=c"))
        assert breadcrumb_list(letter)[-1] == ("C", f"{SITE}/drugs/?letter=c")
        vitamins = page_text(client.get(reverse("monographs:class_detail", args=["vitamins"])))
        assert breadcrumb_list(vitamins) == [
            ("Home", f"{SITE}/"),
            ("Drug classes", f"{SITE}/classes/"),
            ("Vitamins", f"{SITE}/classes/vitamins/"),
        ]

    def test_a_name_not_starting_with_a_letter_is_under_other(self, client, contributor, reviewer):
        """A monograph filed under '#' leads through the 'Other' page."""
        drug = published("5-Fluorouracil", contributor=contributor, reviewer=reviewer)
        crumbs = breadcrumb_list(page_text(client.get(drug_path(drug))))
        assert crumbs[2][0] == "Other"
        assert crumbs[2][1].endswith("/drugs/?letter=0")


@pytest.mark.django_db
class PrintTests:
    def test_monograph_offers_a_print_slot_and_carries_url_version_and_review_date(
        self, client, site
    ):
        """The printout names the page's address, the version and when it was reviewed."""
        html = page_text(client.get(drug_path(site)))
        assert '<div class="print-action" data-print-button hidden></div>' in html
        revision = site.published_revision
        details = re.search(r'<p class="print-details">(.*?)</p>', html).group(1)
        assert f"{SITE}/drugs/cyanocobalamin/" in details
        assert f"version {revision.number}" in details
        assert f'datetime="{revision.approved_at:%Y-%m-%d}"' in details

    def test_no_inline_script_for_the_button(self, client, site):
        """The button comes from site.js, so the CSP's script-src 'self' holds."""
        html = page_text(client.get(drug_path(site)))
        assert "onclick" not in html
        assert re.findall(r"<script(?![^>]*(?:src=|application/ld\+json))", html) == []


@pytest.mark.django_db
class CombinationComponentTests:
    def test_unpublished_component_is_named_as_plain_text(self, client, contributor, reviewer):
        """A combination names every component: a link if published, its name if not."""
        methyl = published("Methylcobalamin", contributor=contributor, reviewer=reviewer)
        draft = monograph(name="Piracetam")
        combo = monograph(name="Methylcobalamin + Piracetam")
        combo.components.add(methyl, draft)
        publish(combo, contributor=contributor, reviewer=reviewer)

        html = page_text(client.get(drug_path(combo)))
        assert (
            '<p class="components">Combination of: '
            f'<a href="{drug_path(methyl)}">Methylcobalamin</a>, Piracetam</p>'
        ) in html
        assert drug_path(draft) not in html

    def test_api_lists_only_published_components(self, client, contributor, reviewer):
        """The API links a component only when it is published; an unpublished one is a name."""
        methyl = published("Methylcobalamin", contributor=contributor, reviewer=reviewer)
        draft = monograph(name="Piracetam")
        combo = monograph(name="Methylcobalamin + Piracetam")
        combo.components.add(methyl, draft)
        publish(combo, contributor=contributor, reviewer=reviewer)

        data = client.get(reverse("monographs:api_drug", args=[combo.slug])).json()
        assert [(item["name"], item["slug"]) for item in data["components"]] == [
            ("Methylcobalamin", methyl.slug),
            ("Piracetam", None),
        ]
        assert f"/{draft.slug}/" not in str(data)
        for block in JSONLD.findall(page_text(client.get(drug_path(combo)))):
            assert drug_path(draft) not in block


@pytest.mark.django_db
class CompressionTests:
    def test_pages_are_gzipped_for_clients_that_accept_it(self, client, site, production):
        """A public page is sent gzip-compressed when asked, and plain otherwise."""
        path = drug_path(site)
        compressed = client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert compressed["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in compressed["Vary"]
        plain = client.get(path)
        assert not plain.has_header("Content-Encoding")
        assert gzip.decompress(compressed.content) == plain.content

    def test_conditional_get_still_answers_304(self, client, site, production):
        """The weakened ETag of a compressed page still revalidates, from the page cache too."""
        path = drug_path(site)
        first = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
        assert first["ETag"].startswith('W/"')
        for _ in range(2):  # the second answer is a page-cache hit
            again = client.get(path, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=first["ETag"])
            assert again.status_code == 304
        plain = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
        assert plain.status_code == 304


@pytest.mark.django_db
class FeedAndDateTests:
    def test_feeds_name_an_author(self, client, site):
        """RFC 4287: every feed has an atom:author (here on the feed, for every entry)."""
        for path in (
            reverse("monographs:feed_reviewed"),
            reverse("monographs:drug_changes_feed", args=[site.slug]),
        ):
            feed = ElementTree.fromstring(client.get(path).content)  # noqa: S314 — our own feed
            assert feed.find(f"{ATOM}author/{ATOM}name").text == "MedRef"
            assert feed.findall(f"{ATOM}entry"), path

    def test_time_elements_carry_valid_datetimes(self, client, site):
        """No <time datetime> has fractions of a second (the Nu HTML checker refuses them)."""
        valid = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}([+-]\d{4}|Z))?")
        for name, path in public_paths(site).items():
            values = re.findall(r'<time datetime="([^"]*)"', page_text(client.get(path)))
            assert all(valid.fullmatch(value) for value in values), (name, values)
        changes = page_text(client.get(reverse("monographs:drug_changes", args=[site.slug])))
        assert re.search(r'<time datetime="\d{4}-\d{2}-\d{2}T', changes)
