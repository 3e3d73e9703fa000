"""No typed text is lost on a monograph's form, in a real Chromium."""

import pytest

from reviews.models import Review
from tests.factories import DrugFactory, SectionFactory

pytestmark = pytest.mark.django_db(transaction=True)

TYPED = "Typed, never saved: take with food."


@pytest.fixture
def drug():
    drug = DrugFactory(name="Thiamine")
    SectionFactory(drug=drug, position=0, body="Treats beriberi.")
    return drug


def change_url(live_server, drug) -> str:
    return f"{live_server.url}/admin/monographs/drug/{drug.pk}/change/"


def test_save_and_submit_submits_what_was_typed(contributor_page, live_server, drug):
    """Type, press "Save and submit for review": the typed text is in the submitted revision."""
    page = contributor_page
    page.goto(change_url(live_server, drug))
    page.fill("#id_sections-0-body", TYPED)
    page.locator("input[name=_save_and_submit]").last.click()
    page.wait_for_selector(".messagelist .success")
    review = Review.objects.in_review().get(drug=drug)
    assert review.revision.content["sections"][0]["markdown"] == TYPED
    assert page.problems == []


def test_submitting_the_saved_copy_with_unsaved_edits_is_stopped(
    contributor_page, live_server, drug
):
    """The panel's "Submit for review" acts on the saved copy, so with typed text it stops."""
    page = contributor_page
    page.goto(change_url(live_server, drug))
    page.fill("#id_sections-0-body", TYPED)
    page.locator(".workflow-panel button", has_text="Submit for review").click()
    alert = page.locator(".workflow-panel .medref-unsaved[role=alert]")
    alert.wait_for()
    assert "unsaved changes" in alert.inner_text()
    assert page.url == change_url(live_server, drug)
    assert page.input_value("#id_sections-0-body") == TYPED
    assert not Review.objects.filter(drug=drug).exists()


def test_leaving_with_unsaved_edits_asks_first(contributor_page, live_server, drug):
    """Closing or leaving the page with typed text brings up the browser's leave prompt."""
    page = contributor_page
    page.goto(change_url(live_server, drug))
    page.fill("#id_sections-0-body", TYPED)
    with page.expect_event("dialog") as prompt:
        page.close(run_before_unload=True)
    assert prompt.value.type == "beforeunload"
    prompt.value.dismiss()
    assert not page.is_closed()
    assert page.input_value("#id_sections-0-body") == TYPED


def test_an_unsaved_draft_is_offered_back_after_a_reload(contributor_page, live_server, drug):
    """Type, reload (as after a crash): the page offers the typed text back, and restores it."""
    page = contributor_page
    page.goto(change_url(live_server, drug))
    page.fill("#id_sections-0-body", TYPED)
    page.wait_for_function(
        "() => Object.keys(localStorage).some(key => key.startsWith('medref:draft:drug:'))"
    )
    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()
    assert page.input_value("#id_sections-0-body") == "Treats beriberi."
    page.locator(".medref-draft-offer button", has_text="Restore my unsaved edits").click()
    assert page.input_value("#id_sections-0-body") == TYPED
    page.locator("input[name=_continue]").last.click()
    page.wait_for_selector(".messagelist .success")
    assert drug.sections.get().body == TYPED
    assert (
        page.evaluate(
            "() => Object.keys(localStorage).filter(key => key.startsWith('medref:draft:'))"
        )
        == []
    )
    assert page.locator(".medref-draft-offer").count() == 0
