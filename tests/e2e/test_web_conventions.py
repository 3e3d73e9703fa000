"""The web's conventions in a real browser: Lighthouse's SEO audits, the dark scheme under
axe, and the print button."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings

from monographs.importer import import_file
from monographs.public.page_cache import public_pages_changed
from reviews.services import review_submit
from tests.factories import ContributorFactory, ReviewerFactory, review_fully_approve
from tests.monographs.public.publicsite import published

pytestmark = pytest.mark.django_db(transaction=True)

SEEDS = Path(django_settings.BASE_DIR).parent / "shared" / "seeds"

# Lighthouse's SEO category, audit by audit (lighthouse-core/audits/seo and its gatherers):
# document-title, meta-description, http-status-code, viewport, html-has-lang, link-text,
# crawlable-anchors, is-crawlable, image-alt, hreflang, canonical, plugins; robots-txt apart.
SEO_AUDITS = (Path(__file__).parent / "lighthouse_seo.js").read_text()

ROBOTS_DIRECTIVES = {"user-agent", "disallow", "allow", "sitemap", "crawl-delay"}


@pytest.fixture
def site(live_server, settings):
    """The seeds published through the workflow, plus a classed monograph, served at SITE_URL."""
    settings.SITE_URL = live_server.url
    contributor = ContributorFactory(username="carla")
    reviewer = ReviewerFactory(username="rita", first_name="Rita", last_name="Mensah")
    second = ReviewerFactory(username="rob", first_name="Rob", last_name="Okafor")
    for path in sorted(SEEDS.iterdir()):
        drug = import_file(path, user=contributor)
        review = review_submit(drug=drug, by=contributor, comment="Imported seed")
        review_fully_approve(review, reviewer, second)
    published("Folic acid", contributor=contributor, reviewer=reviewer, drug_class="Vitamins")
    public_pages_changed()
    return live_server


SEO_PAGES = [
    "/",
    "/drugs/cyanocobalamin/",
    "/search/",
    "/drugs/?letter=c",
    "/classes/vitamins/",
    "/drugs/cyanocobalamin/changes/",
]


@pytest.mark.parametrize("path", SEO_PAGES)
def test_lighthouse_seo_audits_pass(page, site, path):
    """Every audit of Lighthouse's SEO category passes (a score of 100)."""
    response = page.goto(f"{site.url}{path}")
    assert 200 <= response.status < 300
    assert "noindex" not in (response.headers.get("x-robots-tag") or "")
    assert page.evaluate(SEO_AUDITS) == []


def test_search_results_pass_every_audit_but_ask_not_to_be_indexed(page, site):
    """Results pages are deliberately noindex (links followed); every other audit passes."""
    page.goto(f"{site.url}/search/?q=vitamin")
    failures = page.evaluate(SEO_AUDITS)
    assert failures == ["is-crawlable: noindex, follow"]


def test_robots_txt_is_valid(page, site):
    """robots.txt answers 200 and every line is a directive crawlers know."""
    response = page.goto(f"{site.url}/robots.txt")
    assert response.status == 200
    for line in response.text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            directive, colon, _value = line.partition(":")
            assert directive.strip().lower() in ROBOTS_DIRECTIVES, line
            assert colon, line
    assert f"Sitemap: {site.url}/sitemap.xml" in response.text()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/drugs/?letter=c",
        "/search/?q=vitamin",
        "/drugs/cyanocobalamin/",
        "/drugs/cyanocobalamin/changes/",
        "/drugs/methylcobalamin-piracetam/",
        "/classes/",
        "/classes/vitamins/",
        "/about/editorial-policy/",
        "/no-such-page/",
    ],
)
def test_dark_scheme_has_no_accessibility_violations(chromium, site, path):
    """Under prefers-color-scheme: dark, axe-core finds zero violations (contrast included)."""
    context = chromium.new_context(color_scheme="dark", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{site.url}{path}")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(18, 20, 23)"
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
    finally:
        context.close()


def test_print_button_prints_and_the_printout_says_where_it_came_from(page, site):
    """The button calls window.print; on paper the page's URL, version and review date show."""
    page.add_init_script("window.print = () => { window.printed = (window.printed || 0) + 1; };")
    page.goto(f"{site.url}/drugs/cyanocobalamin/")
    button = page.get_by_role("button", name="Print this page")
    assert button.is_visible()
    button.click()
    assert page.evaluate("window.printed") == 1
    details = page.locator(".print-details")
    assert not details.is_visible()
    page.emulate_media(media="print")
    assert details.is_visible()
    assert not button.is_visible()
    text = details.inner_text()
    assert f"{site.url}/drugs/cyanocobalamin/" in text
    assert "version 1" in text
    assert "medically reviewed" in text


def test_without_javascript_there_is_no_print_button(chromium, site):
    """A script-free reader sees no button that would do nothing."""
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site.url}/drugs/cyanocobalamin/")
        assert page.get_by_role("button", name="Print this page").count() == 0
        assert not page.locator(".print-action").is_visible()
    finally:
        context.close()
