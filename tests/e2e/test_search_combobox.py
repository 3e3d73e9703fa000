"""The site search box suggests drugs as a combobox (WAI-ARIA 1.2, listbox popup)."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.factories import ContributorFactory, ReviewerFactory
from tests.monographs.search.searchpage import published


@pytest.fixture
def vitamins():
    """Cyanocobalamin (also called Vitamin B12), Cyanokit and Methylcobalamin, published."""
    contributor = ContributorFactory(username="carla")
    reviewer = ReviewerFactory(username="rita")
    drugs = [("Cyanocobalamin", "Vitamin B12"), ("Cyanokit", ""), ("Methylcobalamin", "")]
    for name, other_names in drugs:
        published(name, contributor=contributor, reviewer=reviewer, other_names=other_names)


def open_suggestions(page, live_server, text):
    page.goto(f"{live_server.url}/drugs/?letter=c")
    box = page.get_by_role("combobox", name="Search monographs")
    box.fill(text)
    page.get_by_role("listbox").wait_for()
    return box


def test_keyboard_picks_a_suggestion_and_opens_the_drug(page, live_server, vitamins):
    """Typing, ArrowDown and Enter open the suggested monograph; the count is announced."""
    box = open_suggestions(page, live_server, "vit b")
    assert box.get_attribute("aria-expanded") == "true"
    options = page.get_by_role("option")
    assert options.all_inner_texts() == ["Cyanocobalamin Vitamin B12"]
    status = page.locator("form.has-suggestions [role=status]")
    assert status.inner_text().startswith("1 suggestion available.")
    controlled = box.get_attribute("aria-controls")
    assert page.locator(f"#{controlled}").get_attribute("role") == "listbox"

    box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    box.press("Enter")
    page.wait_for_url(re.compile(r"/drugs/cyanocobalamin/$"))
    assert page.locator("h1").inner_text() == "Cyanocobalamin"


def test_escape_closes_the_suggestions_and_enter_then_searches(page, live_server, vitamins):
    """Escape closes the list and keeps the text; Enter then runs the plain search."""
    box = open_suggestions(page, live_server, "cyano")
    assert page.get_by_role("option").all_inner_texts() == ["Cyanocobalamin", "Cyanokit"]
    box.press("ArrowDown")
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-activedescendant") is None
    assert page.get_by_role("listbox").is_hidden()
    assert box.input_value() == "cyano"
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=cyano"))


def test_open_combobox_has_no_accessibility_violations(page, live_server, vitamins):
    """axe-core finds nothing wrong with the combobox while its suggestions are open."""
    box = open_suggestions(page, live_server, "cy")
    box.press("ArrowDown")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_search_works_without_javascript(chromium, live_server, vitamins):
    """With scripts off the box is the plain search form, and a search finds the drug."""
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/drugs/?letter=c")
        box = page.get_by_role("searchbox", name="Search monographs")
        assert box.get_attribute("role") is None
        box.fill("vitamin b-12")
        box.press("Enter")
        page.wait_for_url(re.compile(r"/search/\?q=vitamin"))
        assert page.get_by_role("link", name="Cyanocobalamin").count() == 1
    finally:
        context.close()
