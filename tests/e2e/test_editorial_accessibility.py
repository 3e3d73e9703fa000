"""axe-core finds zero violations on the editorial screens (WCAG 2 A/AA rules)."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from reviews.models import ShareLink
from reviews.services import review_submit
from tests.e2e.conftest import admin_sign_in
from tests.factories import (
    ReviewerFactory,
    SectionFactory,
    edit_section,
    monograph,
    publish,
)

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def desk(contributor_page):
    """A published monograph with an edit in review, a reviewer, and a review link."""
    from django.contrib.auth import get_user_model

    contributor = get_user_model().objects.get(username="carla")
    reviewer = ReviewerFactory(username="rita")
    drug = monograph(name="Cyanocobalamin")
    SectionFactory(drug=drug, position=5, heading="What is it?", body="A *vitamin*.")
    publish(drug, contributor=contributor, reviewer=reviewer)
    edit_section(drug, "Treats **deficiency**.", by=contributor)
    review = review_submit(drug=drug, by=contributor, comment="Clearer usage")
    link = ShareLink.objects.create(
        revision=review.revision,
        recipient="Dr Lee",
        created_by=reviewer,
        expires_at=review.submitted_at.replace(year=review.submitted_at.year + 1),
    )
    return {"drug": drug, "review": review, "link": link, "reviewer": reviewer}


def violations(page) -> str:
    results = Axe().run(page)
    return "" if results.violations_count == 0 else results.generate_report()


def login(page, live_server, username):
    page.context.clear_cookies()
    admin_sign_in(page, live_server, username)


def test_contributor_screens(contributor_page, live_server, desk):
    """Index, drug list, change form with the live preview open, history and compare."""
    page = contributor_page
    drug = desk["drug"]
    base = f"{live_server.url}/admin/monographs/drug/"
    reports = {}
    for name, url in [
        ("index", f"{live_server.url}/admin/"),
        ("drug list", base),
        ("history", f"{base}{drug.pk}/history/"),
        ("compare", f"{base}{drug.pk}/history/compare/"),
    ]:
        page.goto(url)
        reports[name] = violations(page)
    page.goto(f"{base}{drug.pk}/change/")
    page.fill("#id_sections-0-body", "Typed **now**.")
    page.locator("#id_sections-0-body ~ .markdownx-preview strong").wait_for()
    reports["change form"] = violations(page)
    found = {name: report for name, report in reports.items() if report}
    assert found == {}, "\n\n".join(f"== {name}\n{report}" for name, report in found.items())


def test_reviewer_screens(contributor_page, live_server, desk):
    """The review queue, the review page and the shared-link page."""
    page = contributor_page
    desk["reviewer"].set_password(PASSWORD)
    desk["reviewer"].save()
    login(page, live_server, "rita")
    reports = {}
    for name, url in [
        ("queue", f"{live_server.url}/admin/reviews/review/"),
        ("review page", f"{live_server.url}/admin/reviews/review/{desk['review'].pk}/change/"),
        ("review link", f"{live_server.url}/review-links/{desk['link'].token}/"),
    ]:
        page.goto(url)
        reports[name] = violations(page)
    found = {name: report for name, report in reports.items() if report}
    assert found == {}, "\n\n".join(f"== {name}\n{report}" for name, report in found.items())
