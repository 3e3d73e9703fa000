"""The public API from a browser: its page is accessible, and another site's script can read it."""

from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.factories import ContributorFactory, ReviewerFactory, monograph, publish

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published_monograph():
    return publish(
        monograph(name="Cyanocobalamin", drug_class="Vitamins"),
        contributor=ContributorFactory(username="carla"),
        reviewer=ReviewerFactory(username="rita"),
    )


def other_site(chromium, live_server_url: str):
    """A page of another site (the same server's other host name: another origin), without
    MedRef's Content-Security-Policy, allowed to reach this machine's addresses."""
    parts = urlsplit(live_server_url)
    other_host = "127.0.0.1" if parts.hostname == "localhost" else "localhost"
    url = f"{parts.scheme}://{other_host}:{parts.port}/another-site/"
    context = chromium.new_context(permissions=["local-network-access"])
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.route(url, lambda route: route.fulfill(body="<!doctype html><title>Clinic</title>"))
    page.goto(url)
    return context, page


def test_api_page_has_no_accessibility_violations(page, live_server, published_monograph):
    """axe-core finds zero violations on /api/, examples included."""
    page.goto(f"{live_server.url}/api/")
    assert page.locator("h1").inner_text() == "Public API"
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_api_page_fits_a_phone(chromium, live_server, published_monograph):
    """On a 390 px screen the examples wrap instead of scrolling the page sideways."""
    context = chromium.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/api/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_a_script_on_another_site_can_read_the_api_but_not_other_pages(
    chromium, live_server, published_monograph
):
    """fetch() from another origin reads /api/ (ETag too, and revalidates after a preflight);
    the browser refuses it any other page."""
    context, page = other_site(chromium, live_server.url)
    read = page.evaluate(
        """async (url) => {
            const response = await fetch(url + "/api/drugs/?class=vitamins");
            const body = await response.json();
            const etag = response.headers.get("ETag");
            const again = await fetch(url + "/api/drugs/?class=vitamins", {
                headers: {"If-None-Match": etag}, cache: "no-store"});
            return {status: response.status, etag: etag, again: again.status,
                    names: body.results.map((item) => item.name)};
        }""",
        live_server.url,
    )
    assert read["status"] == 200
    assert read["etag"]
    assert read["again"] == 304
    assert read["names"] == ["Cyanocobalamin"]
    refused = page.evaluate(
        """async (url) => {
            try { await fetch(url + "/drugs/cyanocobalamin/"); return "read"; }
            catch (error) { return "refused"; }
        }""",
        live_server.url,
    )
    assert refused == "refused"
    context.close()
