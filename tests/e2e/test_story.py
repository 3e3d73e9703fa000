"""The whole editorial story and the reader's journeys, in a real Chromium against a live server."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.utils import timezone

from monographs.importer import import_file
from monographs.models import Drug
from monographs.public.page_cache import public_pages_changed
from reviews.services import review_submit
from tests.e2e.conftest import PASSWORD, admin_sign_in
from tests.factories import ContributorFactory, ReviewerFactory, review_fully_approve

pytestmark = pytest.mark.django_db(transaction=True)

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
OLD_DOSAGE = "Dosage of cyanocobalamin varies significantly"
NEW_DOSAGE = "Adults: **one 1000 mcg tablet** daily, or as your doctor advises."
FIRST_REVIEW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


@pytest.fixture
def team():
    """A contributor, the reviewer who approved the seeds, and the reviewer of the edit."""
    return {
        "contributor": ContributorFactory(username="carla"),
        "seed_reviewer": ReviewerFactory(username="rita", first_name="Rita", last_name="Mensah"),
        "reviewer": ReviewerFactory(username="rob", first_name="Rob", last_name="Okafor"),
    }


@pytest.fixture
def site(team):
    """The three seed documents imported, submitted and approved through the real workflow."""
    for path in sorted(SEEDS.iterdir()):
        drug = import_file(path, user=team["contributor"])
        review = review_submit(drug=drug, by=team["contributor"], comment="Imported seed")
        review_fully_approve(review, team["seed_reviewer"], team["reviewer"])
    revision = Drug.objects.get(slug="cyanocobalamin").published_revision
    revision.approved_at = FIRST_REVIEW
    revision.save(update_fields=["approved_at"])
    public_pages_changed()
    return team


def log_in(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    admin_sign_in(page, live_server, username)
    return page


def sign_approval(page, secret: str = PASSWORD) -> None:
    """Tick every statement of the attestation and sign it, as a reviewer approving does."""
    attestation = page.get_by_role("group", name="Sign your approval")
    boxes = attestation.get_by_role("checkbox")
    assert boxes.count() >= 4
    for index in range(boxes.count()):
        boxes.nth(index).check()
    attestation.get_by_label("Sign with your password or a one-time code").fill(secret)


def reviewed_on(page) -> str:
    return page.locator(".reviewed time").first.get_attribute("datetime")


def test_contributor_edit_is_public_only_after_review(chromium, page, live_server, site):
    """Edit with live preview, submit, review the diff, approve: only then do readers see it."""
    public_url = f"{live_server.url}/drugs/cyanocobalamin/"
    drug = Drug.objects.get(slug="cyanocobalamin")

    editor = log_in(chromium, live_server, "carla")
    editor.goto(f"{live_server.url}/admin/monographs/drug/{drug.pk}/change/")
    bodies = editor.locator("textarea[id^='id_sections-'][id$='-body']")
    dosage = next(
        bodies.nth(i) for i in range(bodies.count()) if OLD_DOSAGE in bodies.nth(i).input_value()
    )
    # A long form starts folded: unfold the dosage section, as the contributor would.
    row = editor.locator("#" + dosage.get_attribute("id").removeprefix("id_").removesuffix("-body"))
    if row.locator(".medref-fold").get_attribute("aria-expanded") == "false":
        row.locator(".medref-fold").click()
    dosage.fill(NEW_DOSAGE)
    preview = editor.locator(f"#{dosage.get_attribute('id')} ~ .markdownx-preview")
    preview.locator("strong", has_text="one 1000 mcg tablet").wait_for()
    editor.click("input[name=_continue]")
    editor.wait_for_selector(".messagelist .success")
    editor.fill("#id_workflow_reason", "Clearer adult dose")
    editor.get_by_role("button", name="Submit for review", exact=True).click()
    editor.wait_for_selector(".messagelist .success")

    page.goto(public_url)
    assert OLD_DOSAGE in page.content()
    assert "one 1000 mcg tablet" not in page.content()
    assert reviewed_on(page) == "2026-01-15"

    reviewer = log_in(chromium, live_server, "rob")
    reviewer.goto(f"{live_server.url}/admin/reviews/review/")
    reviewer.get_by_role("link", name=re.compile("Cyanocobalamin")).first.click()
    reviewer.wait_for_selector("ins")
    assert "Adults" in reviewer.locator("ins").all_inner_texts()
    assert reviewer.locator("del", has_text="Dosage").count() >= 1
    assert reviewer.locator("strong", has_text="one 1000 mcg tablet").count() >= 1
    # Dosage is high risk: Rob approves that part, and it waits for a second reviewer.
    reviewer.get_by_role("group", name="Review of Dosage").get_by_label("Approve").check()
    sign_approval(reviewer)
    reviewer.get_by_role("button", name="Record my decisions").click()
    reviewer.wait_for_selector(".messagelist .success")
    assert "Dosage: 1 of 2 approvals" in reviewer.locator("#review-progress").inner_text()
    page.goto(public_url)
    assert "one 1000 mcg tablet" not in page.content()

    second = log_in(chromium, live_server, "rita")
    second.goto(reviewer.url)
    second.get_by_role("button", name="Approve all I may").click()
    # Unsigned, the approval is refused and the page says what is missing.
    assert "Tick every statement to approve." in second.locator(".errorlist").all_inner_texts()[0]
    sign_approval(second)
    second.get_by_role("button", name="Approve all I may").click()
    second.wait_for_selector(".messagelist .success")

    page.goto(public_url)
    assert page.locator("strong", has_text="one 1000 mcg tablet").count() == 1
    assert OLD_DOSAGE not in page.content()
    assert "Rob Okafor, MD" in page.locator(".reviewed").inner_text()
    assert reviewed_on(page) == timezone.localdate().isoformat()

    page.goto(f"{public_url}changes/")
    assert any("Adults" in added for added in page.locator("ins").all_inner_texts())
    assert "Rob Okafor, MD" in page.content()


def test_reader_finds_vitamin_b12_from_the_home_page(page, live_server, site):
    """Searching "vitamin b12" on the home page leads to the Cyanocobalamin monograph."""
    page.goto(f"{live_server.url}/")
    page.fill("#home-search-q", "vitamin b12")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=vitamin"))
    page.get_by_role("link", name="Cyanocobalamin").first.click()
    assert page.locator("h1").inner_text() == "Cyanocobalamin"


def test_reader_browses_a_to_z_to_a_combination(page, live_server, site):
    """The A-Z index leads to a combination page that names its components."""
    page.goto(f"{live_server.url}/")
    page.locator("nav.letters").get_by_role("link", name="M", exact=True).click()
    page.wait_for_url(re.compile(r"letter=m"))
    page.get_by_role("link", name="Methylcobalamin + Piracetam").click()
    assert page.locator("h1").inner_text() == "Methylcobalamin + Piracetam"
    assert "Piracetam" in page.locator("main").inner_text()


def test_faq_accordion_opens_and_closes(page, live_server, site):
    """A question's answer is hidden until the reader opens it."""
    page.goto(f"{live_server.url}/drugs/cyanocobalamin/")
    faq = page.locator("details.faq").first
    answer = faq.locator("p").first
    assert not answer.is_visible()
    faq.locator("summary").click()
    assert answer.is_visible()
    faq.locator("summary").click()
    assert not answer.is_visible()


def test_monograph_screenshots_for_humans(chromium, live_server, site, artifacts_dir):
    """Desktop and mobile screenshots of a monograph are written to tests/artifacts/."""
    for name, width in [("desktop", 1280), ("mobile", 390)]:
        context = chromium.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server.url}/drugs/cyanocobalamin/")
        path = artifacts_dir / f"monograph-{name}.png"
        page.screenshot(path=path, full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        context.close()
        assert path.stat().st_size > 10_000


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/drugs/?letter=c",
        "/search/?q=vitamin",
        "/drugs/cyanocobalamin/",
        "/drugs/cyanocobalamin/changes/",
        "/drugs/methylcobalamin-piracetam/",
        "/about/editorial-policy/",
    ],
)
def test_public_pages_have_no_accessibility_violations(page, live_server, site, path):
    """axe-core finds zero violations on the reader's pages."""
    page.goto(f"{live_server.url}{path}")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
