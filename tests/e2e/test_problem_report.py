"""A reader reports a problem from a monograph page; an editor closes it in the admin."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from playwright.sync_api import expect

from monographs.models import SectionKind
from reviews.models import ProblemReport
from tests.e2e.conftest import admin_sign_in
from tests.factories import ContributorFactory, EditorFactory, ReviewerFactory, monograph, publish

pytestmark = pytest.mark.django_db(transaction=True)

REPORT = 'The adult dose says <script>alert("1")</script> 10 mg; the leaflet says 5 mg.'


@pytest.fixture
def published():
    contributor = ContributorFactory(username="carla")
    reviewer = ReviewerFactory(username="rita", first_name="Rita", last_name="Mensah")
    drug = monograph(name="Reportamine", sections=(SectionKind.USAGE, SectionKind.DOSAGE))
    return publish(drug, contributor=contributor, reviewer=reviewer)


def test_a_reader_reports_a_section_and_an_editor_closes_it(page, live_server, published):
    """From a section's link to the thanks, then the editor's queue, reply and the reader's mail."""
    EditorFactory(username="eddie")
    page.goto(f"{live_server.url}/drugs/{published.slug}/")
    dosage_title = page.locator(".monograph-section h2").nth(1).inner_text()
    page.locator(".monograph-section").nth(1).get_by_role(
        "link", name=f"Report a problem with “{dosage_title}”"
    ).click()
    page.wait_for_url(re.compile(r"/report/\?part="))
    assert page.get_by_label("Which part of the page?").input_value() != ""
    chosen = page.locator("#id_part option:checked").inner_text()
    assert chosen == dosage_title
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

    page.get_by_label("What is wrong?").fill(REPORT)
    page.get_by_label("Your e-mail address (optional)").fill("reader@example.org")
    page.get_by_role("button", name="Send the report").click()
    page.get_by_role("heading", name="Thank you for your report").wait_for()
    assert page.locator(".report-message").inner_text() == REPORT
    report = ProblemReport.objects.get()
    assert report.part_title == dosage_title

    admin_sign_in(page, live_server, "eddie")
    page.locator("#dashboard-reported").get_by_role("link", name="Reportamine").click()
    page.get_by_role("link", name=re.compile("The adult dose says")).click()
    expect(page.get_by_text(REPORT, exact=True)).to_be_visible()
    page.get_by_label("Status").select_option("declined")
    page.get_by_label("Reply").fill("The leaflet is for a different strength.")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("was changed successfully").wait_for()
    report.refresh_from_db()
    assert report.status == ProblemReport.Status.DECLINED
    [reply] = [message for message in mail.outbox if message.to == ["reader@example.org"]]
    assert "The leaflet is for a different strength." in reply.body
    assert REPORT in reply.body
