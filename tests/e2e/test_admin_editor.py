"""The contributor's editor in a real Chromium: live preview under the CSP, and saving."""

import pytest
from django.contrib.auth.models import Permission

from monographs.models import Drug, FAQItem, Section, SectionKind
from tests.e2e.conftest import admin_sign_in
from tests.factories import DrugFactory, SectionFactory, UserFactory

# Committed data for the live server. Groups from data migrations do not survive the flush
# between these tests, so the editor gets a contributor's permissions directly.
pytestmark = pytest.mark.django_db(transaction=True)
CONTRIBUTOR_PERMISSIONS = [
    "view_drug",
    "add_drug",
    "change_drug",
    *(
        f"{action}_{model}"
        for action in ("view", "add", "change", "delete")
        for model in ("section", "faqitem")
    ),
]


@pytest.fixture
def editor_page(page, live_server):
    """A contributor logged into the admin; CSP violations and page errors are collected."""
    user = UserFactory(username="carla", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="monographs", codename__in=CONTRIBUTOR_PERMISSIONS
        )
    )
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    admin_sign_in(page, live_server, "carla")
    page.problems = problems
    return page


@pytest.fixture
def drug():
    drug = DrugFactory(name="Cyanocobalamin")
    SectionFactory(
        drug=drug,
        kind=SectionKind.USAGE,
        position=0,
        body="Treats deficiency.\n\n* pernicious anaemia\n* after gastric surgery",
    )
    return drug


def history_rows(drug) -> int:
    return (
        Drug.history.filter(id=drug.pk).count()
        + Section.history.filter(drug_id=drug.pk).count()
        + FAQItem.history.filter(drug_id=drug.pk).count()
    )


def test_live_preview_renders_sanitized_html_under_csp(editor_page, live_server, drug):
    """Typing in a section shows the rendered, sanitized preview with no CSP violation."""
    page = editor_page
    page.goto(f"{live_server.url}/admin/monographs/drug/{drug.pk}/change/")
    editor = page.locator("#id_sections-0-body")
    editor.fill('**Bold** text <img src=x onerror="window.hacked=1"> [x](javascript:alert(1))')
    preview = page.locator("#id_sections-0-body ~ .markdownx-preview")
    preview.locator("strong").wait_for()
    assert preview.inner_html().startswith("<p><strong>Bold</strong> text")
    assert preview.locator("img").count() == 0
    assert "javascript:" not in preview.inner_html()
    assert page.evaluate("window.hacked") is None
    assert page.problems == []


def test_new_inline_row_gets_a_live_preview(editor_page, live_server, drug):
    """A section added with "Add another" previews too, and saves through the admin."""
    page = editor_page
    page.goto(f"{live_server.url}/admin/monographs/drug/{drug.pk}/change/")
    page.locator("#sections-group .add-row a").click()
    editor = page.locator("#id_sections-1-body")
    editor.fill("Take *with food*.")
    page.locator("#id_sections-1-body ~ .markdownx-preview em").wait_for()
    page.select_option("#id_sections-1-kind", SectionKind.DOSAGE)
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert drug.sections.get(kind=SectionKind.DOSAGE).body_html == "<p>Take <em>with food</em>.</p>"
    assert page.problems == []


def test_saving_unchanged_form_from_a_browser_writes_no_history(editor_page, live_server, drug):
    """A browser resubmitting multi-line text unchanged (as CRLF) records no new version."""
    page = editor_page
    before = history_rows(drug)
    page.goto(f"{live_server.url}/admin/monographs/drug/{drug.pk}/change/")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert history_rows(drug) == before
    section = drug.sections.get()
    assert "\r" not in section.body
