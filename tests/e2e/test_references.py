"""A reader follows a citation to the reference it names."""

import pytest

from monographs.models import Reference, Section, SectionKind
from tests.factories import ContributorFactory, ReviewerFactory, monograph, publish

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_citation_takes_the_reader_to_its_reference(page, live_server):
    """Clicking [2] in the dosage scrolls to reference 2, whose DOI link goes to doi.org."""
    drug = monograph(name="Citamine", sections=[SectionKind.USAGE], faqs=0)
    Reference.objects.create(drug=drug, number=1, title="Label", url="https://example.org/l")
    Reference.objects.create(drug=drug, number=2, title="A trial", doi="10.1056/NEJMoa2034577")
    Section.objects.create(drug=drug, kind=SectionKind.DOSAGE, position=1, body="One a day [1, 2].")
    publish(drug, contributor=ContributorFactory(), reviewer=ReviewerFactory())
    page.goto(f"{live_server.url}/drugs/citamine/")
    page.get_by_role("link", name="Reference 2").click()
    assert page.url.endswith("#ref-2")
    entry = page.locator("#ref-2")
    assert entry.is_visible()
    assert "A trial" in entry.inner_text()
    doi = entry.get_by_role("link", name="doi:10.1056/NEJMoa2034577")
    assert doi.get_attribute("href") == "https://doi.org/10.1056/NEJMoa2034577"
    assert page.evaluate("document.querySelector('#ref-2').getBoundingClientRect().top") < 900
