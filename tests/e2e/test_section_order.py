"""The author's order of sections, changed with the Move up / Move down buttons."""

import pytest

from monographs.models import SectionKind
from tests.factories import DrugFactory, SectionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_moving_a_section_up_and_saving_keeps_the_new_order(contributor_page, live_server):
    """Press "Move up" on the last section, save: it is first in the working copy."""
    drug = DrugFactory(name="Niacin")
    SectionFactory(drug=drug, kind=SectionKind.USAGE, position=0, body="Usage text.")
    SectionFactory(drug=drug, kind=SectionKind.DOSAGE, position=1, body="Dosage text.")
    SectionFactory(
        drug=drug, kind=SectionKind.OTHER, heading="What is niacin?", position=2, body="About."
    )
    page = contributor_page
    page.goto(f"{live_server.url}/admin/monographs/drug/{drug.pk}/change/")
    page.get_by_role("button", name="Move section 3 up").click()
    page.get_by_role("button", name="Move section 2 up").click()
    assert page.get_by_role("button", name="Move section 1 up").is_disabled()
    page.fill("#id_change_reason", "The overview first")
    page.locator("input[name=_continue]").last.click()
    page.wait_for_selector(".messagelist .success")
    ordered = [(section.heading or section.kind) for section in drug.ordered_sections()]
    assert ordered == ["What is niacin?", "usage", "dosage"]
    assert page.problems == []


def test_a_long_form_starts_folded_to_one_line_per_section(contributor_page, live_server):
    """With many sections each shows kind, heading and the start of its text until unfolded."""
    drug = DrugFactory(name="Magnesium")
    kinds = [SectionKind.USAGE, SectionKind.DOSAGE, SectionKind.SIDE_EFFECTS, SectionKind.OTHER]
    for position, kind in enumerate(kinds):
        SectionFactory(drug=drug, kind=kind, position=position, body=f"Text of section {position}.")
    drug.sections.filter(kind=SectionKind.OTHER).update(heading="What is magnesium?")
    page = contributor_page
    page.goto(f"{live_server.url}/admin/monographs/drug/{drug.pk}/change/")
    summaries = page.locator("#sections-group .medref-fold-summary")
    assert summaries.nth(3).inner_text() == "Other: What is magnesium? — Text of section 3."
    body = page.locator("#id_sections-1-body")
    assert not body.is_visible()
    page.locator("#sections-group .medref-fold").nth(1).click()
    assert body.is_visible()
    assert page.locator("#sections-group .medref-fold").nth(1).get_attribute("aria-expanded") == (
        "true"
    )
    assert page.problems == []


def test_an_added_row_left_blank_saves_nothing(contributor_page, live_server):
    """ "Add another" then Save, without typing: no empty section appears."""
    drug = DrugFactory(name="Thiamine")
    SectionFactory(drug=drug, kind=SectionKind.USAGE, position=0, body="Usage text.")
    page = contributor_page
    page.goto(f"{live_server.url}/admin/monographs/drug/{drug.pk}/change/")
    page.locator("#sections-group .add-row a").click()
    assert page.input_value("#id_sections-1-position") == "1"
    page.locator("input[name=_continue]").last.click()
    page.wait_for_selector(".messagelist .success")
    assert drug.sections.count() == 1
