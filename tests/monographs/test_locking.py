import pytest
from django.test import Client

from monographs.models import Drug, FAQItem, Origin, Section, SectionKind
from tests.monographs.adminforms import (
    change_url,
    form_data,
    inline_index,
    open_change_form,
    set_field,
)


@pytest.fixture
def two_editors(contributor, other_contributor):
    """Carla (A) and Colin (B), each logged in with their own browser."""
    a, b = Client(), Client()
    a.force_login(contributor)
    b.force_login(other_contributor)
    return a, b


def edit_section(data: dict, section: Section, body: str) -> dict:
    index = inline_index(data, "sections", section.pk)
    return set_field(data, f"sections-{index}-body", body)


@pytest.mark.django_db
class SectionConflictTests:
    def test_stale_section_save_is_refused_and_keeps_both_texts(self, two_editors, draft_drug):
        """B saving a section A changed since B opened it gets a conflict; A's text survives."""
        a, b = two_editors
        usage = draft_drug.sections.get(kind=SectionKind.USAGE)
        a_form, b_form = open_change_form(a, draft_drug), open_change_form(b, draft_drug)

        assert (
            a.post(change_url(draft_drug), edit_section(a_form, usage, "A's text.")).status_code
            == 302
        )
        response = b.post(change_url(draft_drug), edit_section(b_form, usage, "B's own text."))

        assert response.status_code == 200
        html = response.content.decode()
        assert "This section was changed by carla at" in html
        assert "since you opened it" in html
        assert "B&#x27;s own text." in html  # B's text is still in the form to merge
        usage.refresh_from_db()
        assert usage.body == "A's text."

    def test_merged_text_saves_after_the_conflict(self, two_editors, draft_drug):
        """After the conflict message, B's next save from that page (their merge) goes through."""
        a, b = two_editors
        usage = draft_drug.sections.get(kind=SectionKind.USAGE)
        a_form, b_form = open_change_form(a, draft_drug), open_change_form(b, draft_drug)
        a.post(change_url(draft_drug), edit_section(a_form, usage, "A's text."))
        conflict = b.post(change_url(draft_drug), edit_section(b_form, usage, "B's text."))

        merged = edit_section(form_data(conflict.content.decode()), usage, "A's and B's text.")
        response = b.post(change_url(draft_drug), merged)

        assert response.status_code == 302
        usage.refresh_from_db()
        assert usage.body == "A's and B's text."
        assert Section.history.filter(id=usage.pk).latest("history_date").history_user.username == (
            "colin"
        )

    def test_editing_different_sections_does_not_conflict(self, two_editors, draft_drug):
        """A and B editing different sections from the same page both get their change saved."""
        a, b = two_editors
        usage = draft_drug.sections.get(kind=SectionKind.USAGE)
        dosage = draft_drug.sections.get(kind=SectionKind.DOSAGE)
        a_form, b_form = open_change_form(a, draft_drug), open_change_form(b, draft_drug)

        a.post(change_url(draft_drug), edit_section(a_form, usage, "A's usage."))
        response = b.post(change_url(draft_drug), edit_section(b_form, dosage, "B's dosage."))

        assert response.status_code == 302
        usage.refresh_from_db()
        dosage.refresh_from_db()
        assert (usage.body, dosage.body) == ("A's usage.", "B's dosage.")

    def test_deleting_a_section_changed_meanwhile_is_refused(self, two_editors, draft_drug):
        """B cannot delete a section that A changed after B opened the page."""
        a, b = two_editors
        usage = draft_drug.sections.get(kind=SectionKind.USAGE)
        a_form, b_form = open_change_form(a, draft_drug), open_change_form(b, draft_drug)
        a.post(change_url(draft_drug), edit_section(a_form, usage, "A's text."))

        b_form[f"sections-{inline_index(b_form, 'sections', usage.pk)}-DELETE"] = ["on"]
        response = b.post(change_url(draft_drug), b_form)

        assert response.status_code == 200
        assert "This section was changed by carla at" in response.content.decode()
        assert Section.objects.filter(pk=usage.pk).exists()

    def test_editing_a_section_deleted_meanwhile_says_so(self, two_editors, draft_drug):
        """B editing a section A deleted is told who deleted it; nothing is resurrected."""
        a, b = two_editors
        usage = draft_drug.sections.get(kind=SectionKind.USAGE)
        a_form, b_form = open_change_form(a, draft_drug), open_change_form(b, draft_drug)
        a_form[f"sections-{inline_index(a_form, 'sections', usage.pk)}-DELETE"] = ["on"]
        assert a.post(change_url(draft_drug), a_form).status_code == 302

        response = b.post(change_url(draft_drug), edit_section(b_form, usage, "B's text."))

        assert response.status_code == 200
        assert "This section was deleted by carla at" in response.content.decode()
        assert not Section.objects.filter(pk=usage.pk).exists()


@pytest.mark.django_db
class DrugConflictTests:
    def test_stale_drug_fields_are_refused(self, two_editors, draft_drug):
        """B changing the drug's own fields from a stale form gets a conflict; A's value stays."""
        a, b = two_editors
        a_form, b_form = open_change_form(a, draft_drug), open_change_form(b, draft_drug)
        a.post(change_url(draft_drug), set_field(a_form, "drug_class", "B vitamins"))

        response = b.post(change_url(draft_drug), set_field(b_form, "drug_class", "Cobalamins"))

        assert response.status_code == 200
        html = response.content.decode()
        assert "This monograph was changed by carla at" in html
        assert 'value="Cobalamins"' in html
        assert "Nothing was saved" in html or "nothing was saved" in html
        assert Drug.objects.get(pk=draft_drug.pk).drug_class == "B vitamins"

    def test_unchanged_stale_drug_form_does_not_block_section_edits(self, two_editors, draft_drug):
        """A changed the drug's class; B only edits a section: B's save goes through."""
        a, b = two_editors
        usage = draft_drug.sections.get(kind=SectionKind.USAGE)
        a_form, b_form = open_change_form(a, draft_drug), open_change_form(b, draft_drug)
        a.post(change_url(draft_drug), set_field(a_form, "drug_class", "B vitamins"))

        response = b.post(change_url(draft_drug), edit_section(b_form, usage, "B's text."))

        assert response.status_code == 302
        draft_drug.refresh_from_db()
        usage.refresh_from_db()
        assert (draft_drug.drug_class, usage.body) == ("B vitamins", "B's text.")


UNVERSIONED = "was sent without the version you opened"


def without_version(data: dict, prefix: str = "") -> dict:
    """The form as a page from before locking (or a hand-made POST) sends it: no lock_version."""
    del data[f"{prefix}lock_version"]
    return data


@pytest.mark.django_db
class MissingVersionTests:
    def test_drug_form_without_its_version_is_refused(self, client, contributor, draft_drug):
        """A drug form that omits its version is refused as stale; the typed text stays."""
        client.force_login(contributor)
        data = without_version(set_field(open_change_form(client, draft_drug), "drug_class", "B"))

        response = client.post(change_url(draft_drug), data)

        assert response.status_code == 200
        html = response.content.decode()
        assert f"This monograph {UNVERSIONED}" in html
        assert 'name="drug_class" value="B"' in html
        assert Drug.objects.get(pk=draft_drug.pk).drug_class == draft_drug.drug_class

    def test_section_without_its_version_is_refused(self, client, contributor, draft_drug):
        """A section row that omits its version is not saved; the typed text stays."""
        client.force_login(contributor)
        usage = draft_drug.sections.get(kind=SectionKind.USAGE)
        data = open_change_form(client, draft_drug)
        index = inline_index(data, "sections", usage.pk)
        data = without_version(edit_section(data, usage, "Unchecked text."), f"sections-{index}-")

        response = client.post(change_url(draft_drug), data)

        assert response.status_code == 200
        html = response.content.decode()
        assert f"This section {UNVERSIONED}" in html
        assert "Unchecked text." in html
        usage.refresh_from_db()
        assert usage.body != "Unchecked text."

    def test_faq_item_without_its_version_is_refused(self, client, contributor, draft_drug):
        """An FAQ row that omits its version is not saved; the typed text stays."""
        client.force_login(contributor)
        faq = draft_drug.faqs.get()
        data = open_change_form(client, draft_drug)
        index = inline_index(data, "faqs", faq.pk)
        set_field(data, f"faqs-{index}-answer", "Unchecked answer.")
        data = without_version(data, f"faqs-{index}-")

        response = client.post(change_url(draft_drug), data)

        assert response.status_code == 200
        html = response.content.decode()
        assert f"This FAQ item {UNVERSIONED}" in html
        assert "Unchecked answer." in html
        assert FAQItem.objects.get(pk=faq.pk).answer != "Unchecked answer."

    def test_deleting_a_row_without_its_version_is_refused(self, client, contributor, draft_drug):
        """A section ticked for deletion without its version is kept."""
        client.force_login(contributor)
        usage = draft_drug.sections.get(kind=SectionKind.USAGE)
        data = open_change_form(client, draft_drug)
        index = inline_index(data, "sections", usage.pk)
        data[f"sections-{index}-DELETE"] = ["on"]
        data = without_version(data, f"sections-{index}-")

        response = client.post(change_url(draft_drug), data)

        assert response.status_code == 200
        assert f"This section {UNVERSIONED}" in response.content.decode()
        assert Section.objects.filter(pk=usage.pk).exists()

    def test_refused_page_saves_when_sent_again(self, client, contributor, draft_drug):
        """The refused page carries the current version, so saving it again goes through."""
        client.force_login(contributor)
        data = without_version(set_field(open_change_form(client, draft_drug), "drug_class", "B"))
        refused = client.post(change_url(draft_drug), data)

        response = client.post(change_url(draft_drug), form_data(refused.content.decode()))

        assert response.status_code == 302
        assert Drug.objects.get(pk=draft_drug.pk).drug_class == "B"

    def test_new_rows_need_no_version(self, client, contributor, draft_drug):
        """A section added on the page has no version yet and is saved."""
        client.force_login(contributor)
        data = open_change_form(client, draft_drug)
        total = int(data["sections-TOTAL_FORMS"][0])
        data.update(
            {
                "sections-TOTAL_FORMS": [str(total + 1)],
                f"sections-{total}-kind": [SectionKind.INTERACTIONS],
                f"sections-{total}-position": ["5"],
                f"sections-{total}-body": ["Avoid with *colchicine*."],
                f"sections-{total}-origin": [Origin.UNKNOWN],
            }
        )

        assert client.post(change_url(draft_drug), data).status_code == 302
        assert draft_drug.sections.filter(kind=SectionKind.INTERACTIONS).exists()
