import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from monographs.models import Drug, FAQItem, Origin, Section, SectionKind
from tests.factories import (
    DrugFactory,
    FAQItemFactory,
    SectionFactory,
    UserFactory,
    monograph,
)
from tests.monographs.adminforms import (
    change_url,
    form_data,
    inline_index,
    open_change_form,
    set_field,
)

CHANGELIST = reverse("admin:monographs_drug_changelist")
ADD = reverse("admin:monographs_drug_add")


def staff_without_permissions():
    return UserFactory(username="stan", is_staff=True)


def history_count(drug) -> int:
    return (
        Drug.history.filter(id=drug.pk).count()
        + Section.history.filter(drug_id=drug.pk).count()
        + FAQItem.history.filter(drug_id=drug.pk).count()
    )


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
class AdminAccessTests:
    def test_anonymous_is_sent_to_login(self, client, draft_drug):
        """Anonymous visitors to the drug admin are redirected to the login page."""
        for url in [CHANGELIST, ADD, change_url(draft_drug)]:
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("admin:login"))

    def test_staff_without_permission_is_refused(self, client, draft_drug):
        """Staff outside the editorial groups get 403 on the drug admin."""
        client.force_login(staff_without_permissions())
        assert client.get(CHANGELIST).status_code == 403
        assert client.get(change_url(draft_drug)).status_code == 403

    def test_contributor_can_list_add_and_change(self, client, contributor, draft_drug):
        """A contributor opens the drug list, the add form and a change form."""
        client.force_login(contributor)
        assert client.get(CHANGELIST).status_code == 200
        assert client.get(ADD).status_code == 200
        assert client.get(change_url(draft_drug)).status_code == 200

    def test_contributor_cannot_delete_drugs(self, client, contributor, draft_drug):
        """Deleting a whole monograph is not a contributor's call: 403, and the drug stays."""
        client.force_login(contributor)
        url = reverse("admin:monographs_drug_delete", args=[draft_drug.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"post": "yes"}).status_code == 403
        assert Drug.objects.filter(pk=draft_drug.pk).exists()

    def test_contributor_cannot_see_user_admin(self, client, contributor):
        """Contributors cannot reach the user or group admin."""
        client.force_login(contributor)
        assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
        assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
        index = client.get(reverse("admin:index")).content.decode()
        assert reverse("admin:auth_user_changelist") not in index

    def test_reviewer_sees_but_cannot_save(self, client, reviewer, draft_drug):
        """A medical reviewer may read a draft in the admin but a POST to it is refused."""
        client.force_login(reviewer)
        response = client.get(change_url(draft_drug))
        assert response.status_code == 200
        data = form_data(response.content.decode())
        set_field(data, "name", "Renamed by reviewer")
        assert client.post(change_url(draft_drug), data).status_code == 403
        draft_drug.refresh_from_db()
        assert draft_drug.name == "Cyanocobalamin"


@pytest.mark.django_db
class ChangeListTests:
    def test_columns_show_counts_and_flags(self, client, contributor):
        """The list shows each drug's class, combination flag and section/FAQ counts."""
        drug = DrugFactory(name="Methylcobalamin + Piracetam", drug_class="Nootropics")
        for kind, origin in [
            (SectionKind.USAGE, Origin.AI_GENERATED),
            (SectionKind.DOSAGE, Origin.PROFESSIONAL),
            (SectionKind.SIDE_EFFECTS, Origin.AI_OR_CROWD),
        ]:
            SectionFactory(drug=drug, kind=kind, origin=origin)
        FAQItemFactory.create_batch(2, drug=drug)
        client.force_login(contributor)
        html = client.get(CHANGELIST).content.decode()
        row = re.search(r"<tr>.*?Methylcobalamin \+ Piracetam.*?</tr>", html, re.S).group(0)
        cells = dict(re.findall(r'<td class="field-(\w+)[^"]*">(.*?)</td>', row, re.S))
        assert cells["drug_class"] == "Nootropics"
        assert 'alt="True"' in cells["is_combination"]
        assert 'alt="False"' in cells["is_published"]
        assert (cells["section_count"], cells["unverified_count"], cells["faq_count"]) == (
            "3",
            "2",
            "2",
        )

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("drug_class=Nootropics", {"Piracetam", "Methylcobalamin + Piracetam"}),
            ("combination=yes", {"Methylcobalamin + Piracetam", "Neurobion"}),
            ("combination=no", {"Piracetam", "Cyanocobalamin"}),
            ("section_origin=professional", {"Cyanocobalamin"}),
            ("section_origin=unverified", {"Piracetam", "Methylcobalamin + Piracetam"}),
            ("q=vitamin+b12", {"Cyanocobalamin"}),
        ],
    )
    def test_filters_and_search(self, client, contributor, query, expected):
        """Filtering by class, combination, section provenance and searching other names work."""
        piracetam = monograph(name="Piracetam", drug_class="Nootropics")
        combination = monograph(name="Methylcobalamin + Piracetam", drug_class="Nootropics")
        combination.components.add(piracetam)
        cyano = DrugFactory(name="Cyanocobalamin", other_names="Vitamin B12")
        SectionFactory(drug=cyano, origin=Origin.PROFESSIONAL)
        DrugFactory(name="Neurobion", drug_class="Vitamins").components.add(cyano)
        client.force_login(contributor)
        response = client.get(f"{CHANGELIST}?{query}")
        assert response.status_code == 200
        shown = {drug.name for drug in response.context["cl"].result_list}
        assert shown == expected

    def test_query_count_does_not_grow_with_drugs(self, client, contributor):
        """The change list costs the same number of queries for 5 drugs as for 30."""
        client.force_login(contributor)
        for _ in range(5):
            monograph(faqs=2)
        client.get(CHANGELIST)  # warm per-process caches (content types)
        few = count_queries(client, CHANGELIST)
        for _ in range(25):
            monograph(faqs=2)
        assert count_queries(client, CHANGELIST) == few


@pytest.mark.django_db
class ChangeFormTests:
    def test_components_picker_does_not_list_every_drug(self, client, contributor, draft_drug):
        """The components field searches drugs on demand instead of listing all of them."""
        DrugFactory(name="Unrelatedamine")
        client.force_login(contributor)
        url = reverse("admin:monographs_drug_change", args=[draft_drug.pk])
        page = client.get(url).content.decode()
        assert 'name="components"' in page
        assert "Unrelatedamine" not in page

    def test_contributor_saves_through_the_admin(self, client, contributor, draft_drug):
        """A contributor's save updates the drug, a section and an FAQ, recorded as theirs."""
        client.force_login(contributor)
        section = draft_drug.sections.get(kind=SectionKind.USAGE)
        faq = draft_drug.faqs.get()
        data = open_change_form(client, draft_drug)
        index = inline_index(data, "sections", section.pk)
        set_field(data, "generic_name", "cyanocobalamin (vitamin B12)")
        set_field(data, f"sections-{index}-body", "Treats **B12 deficiency**.")
        set_field(data, f"sections-{index}-origin", Origin.PROFESSIONAL)
        set_field(data, "faqs-0-answer", "Usually once a day.")
        set_field(data, "change_reason", "Checked against the label")

        response = client.post(change_url(draft_drug), data)

        assert response.status_code == 302
        section.refresh_from_db()
        assert section.body_html == "<p>Treats <strong>B12 deficiency</strong>.</p>"
        assert section.origin == Origin.PROFESSIONAL
        faq.refresh_from_db()
        assert faq.answer == "Usually once a day."
        record = Section.history.filter(id=section.pk).latest("history_date")
        assert record.history_user == contributor
        assert record.history_change_reason == "Checked against the label"
        drug_record = Drug.history.filter(id=draft_drug.pk).latest("history_date")
        assert drug_record.history_date == record.history_date  # one version of the monograph

    def test_contributor_adds_and_deletes_inline_rows(self, client, contributor, draft_drug):
        """New sections and FAQs are added from the inline's extra form; a ticked one is deleted."""
        client.force_login(contributor)
        dosage = draft_drug.sections.get(kind=SectionKind.DOSAGE)
        data = open_change_form(client, draft_drug)
        total = int(data["sections-TOTAL_FORMS"][0])
        data.update(
            {
                "sections-TOTAL_FORMS": [str(total + 1)],
                f"sections-{total}-kind": [SectionKind.INTERACTIONS],
                f"sections-{total}-position": ["5"],
                f"sections-{total}-heading": [""],
                f"sections-{total}-body": ["Avoid with *colchicine*."],
                f"sections-{total}-origin": [Origin.AI_GENERATED],
                f"sections-{total}-ai_tool": ["ChatGPT"],
                f"sections-{total}-sources": ["Label | https://example.org/label"],
                f"sections-{inline_index(data, 'sections', dosage.pk)}-DELETE": ["on"],
            }
        )
        response = client.post(change_url(draft_drug), data)
        assert response.status_code == 302
        kinds = set(draft_drug.sections.values_list("kind", flat=True))
        assert kinds == {SectionKind.USAGE, SectionKind.INTERACTIONS}
        added = draft_drug.sections.get(kind=SectionKind.INTERACTIONS)
        assert added.ai_tool == "ChatGPT"
        assert added.source_list == [{"title": "Label", "url": "https://example.org/label"}]

    def test_invalid_source_url_is_refused(self, client, contributor, draft_drug):
        """A source that is not an http(s) URL is rejected with a message, nothing saved."""
        client.force_login(contributor)
        data = open_change_form(client, draft_drug)
        set_field(data, "sections-0-sources", "Evil | javascript:alert(1)")
        response = client.post(change_url(draft_drug), data)
        assert response.status_code == 200
        assert "is not an http(s) URL" in response.content.decode()
        assert not draft_drug.sections.exclude(sources="").exists()

    def test_unchanged_save_writes_no_history(self, client, contributor, draft_drug):
        """Saving the change form without changing anything adds no history row."""
        client.force_login(contributor)
        before = history_count(draft_drug)
        response = client.post(change_url(draft_drug), open_change_form(client, draft_drug))
        assert response.status_code == 302
        assert history_count(draft_drug) == before

    def test_query_count_does_not_grow_with_sections(self, client, contributor):
        """The change form costs the same queries with 10 sections and 5 FAQs as with 20 and 10."""
        client.force_login(contributor)
        small = monograph(sections=[SectionKind.OTHER] * 10, faqs=5)
        large = monograph(sections=[SectionKind.OTHER] * 20, faqs=10)
        client.get(change_url(small))  # warm per-process caches (content types)
        assert count_queries(client, change_url(large)) == count_queries(client, change_url(small))


@pytest.mark.django_db
class MarkdownEditorTests:
    def test_sections_and_answers_use_the_markdown_editor(self, client, contributor, draft_drug):
        """Section bodies and FAQ answers get the markdownx editor wired to our preview URL."""
        client.force_login(contributor)
        html = client.get(change_url(draft_drug)).content.decode()
        editors = re.findall(r'<textarea name="([^"]+)"[^>]*class="[^"]*markdownx-editor', html)
        assert {"sections-0-body", "sections-1-body", "faqs-0-answer"} <= set(editors)
        assert 'data-markdownx-urls-path="/admin/markdown-preview/"' in html
        assert reverse("markdownx_markdownify") == "/admin/markdown-preview/"

    def test_change_form_has_no_inline_script(self, client, contributor, draft_drug):
        """Every script on the change form is a same-origin file, so the CSP can forbid inline."""
        client.force_login(contributor)
        html = client.get(change_url(draft_drug)).content.decode()
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
        assert scripts
        for attributes, body in scripts:
            assert 'src="/' in attributes, attributes
            assert not body.strip()
        assert not re.search(r"\son[a-z]+\s*=", html, re.I)  # no inline event handlers
        assert "markdownx/js/markdownx" in html
        assert "admin-extra/markdownx-inlines.js" in html


def _markdownx_views():
    found = []

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "view_class", pattern.callback)
                if view.__module__.startswith("markdownx"):
                    found.append(pattern)

    walk(get_resolver().url_patterns)
    return found


@pytest.mark.django_db
class UploadEndpointTests:
    @pytest.mark.parametrize(
        "url",
        [
            "/markdownx/upload/",
            "/markdownx/markdownify/",
            "/admin/markdown-upload-disabled/",
            "/admin/markdownx/upload/",
        ],
    )
    def test_upload_urls_are_not_found(self, client, superuser, url):
        """No markdownx upload endpoint answers, even to a superuser posting an "image"."""
        client.force_login(superuser)
        html_as_gif = b"<html><script>alert(1)</script></html>"
        response = client.post(url, {"image": ("x.gif", html_as_gif)})
        assert response.status_code == 404

    def test_no_markdownx_view_is_routed(self):
        """markdownx's own views (unauthenticated upload and preview) are not in the URLconf."""
        assert _markdownx_views() == []


@pytest.mark.django_db
class ContributorPermissionsTests:
    def test_contributor_group_grants_editing_not_deleting_drugs(self, contributor):
        """The Contributors group may add and change content but not delete drugs or restore."""
        assert contributor.has_perms(
            [
                "monographs.add_drug",
                "monographs.change_drug",
                "monographs.add_section",
                "monographs.change_section",
                "monographs.delete_section",
                "monographs.add_faqitem",
                "monographs.change_faqitem",
            ]
        )
        assert not contributor.has_perm("monographs.delete_drug")
        assert not contributor.has_perm("monographs.restore_drug")
        assert not contributor.has_perm("auth.view_user")

    def test_faq_only_editor_cannot_touch_sections(self, client, draft_drug):
        """A user who may change FAQs but not sections sees the sections read-only."""
        user = UserFactory(username="fay", is_staff=True)
        user.user_permissions.add(
            *Permission.objects.filter(
                codename__in=["view_drug", "change_drug", "view_section", "change_faqitem"]
            )
        )
        FAQItemFactory(drug=draft_drug)
        client.force_login(user)
        html = client.get(change_url(draft_drug)).content.decode()
        assert 'name="faqs-0-answer"' in html
        assert 'name="sections-0-body"' not in html
