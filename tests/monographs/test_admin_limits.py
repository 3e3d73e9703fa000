"""The admin refuses monographs beyond the content limits, forged POSTs included, by name."""

import pytest
from django.test import override_settings

from monographs import limits
from monographs.models import FAQItem, Section, SectionKind
from tests.factories import monograph
from tests.monographs.adminforms import change_url, open_change_form, set_field

POISON = "- " * 1000 + "x"


def add_rows(data: dict, prefix: str, count: int, fields: dict) -> dict:
    """Append `count` new inline rows to the posted formset `prefix`."""
    total = int(data[f"{prefix}-TOTAL_FORMS"][0])
    for index in range(total, total + count):
        for name, value in fields.items():
            data[f"{prefix}-{index}-{name}"] = [value]
        data[f"{prefix}-{index}-position"] = [str(index)]
    data[f"{prefix}-TOTAL_FORMS"] = [str(total + count)]
    return data


SECTION = {"kind": SectionKind.OTHER, "heading": "", "body": "Text.", "origin": "unknown"}
FAQ = {"question": "Why?", "answer": "Because.", "origin": "unknown"}


@pytest.mark.django_db
class MarkdownFieldTests:
    def test_poisonous_section_body_is_refused_and_nothing_saved(
        self, client, contributor, draft_drug
    ):
        """A section body the renderer refuses is a validation error; no row changes."""
        client.force_login(contributor)
        before = list(Section.objects.values_list("body", "body_html"))
        data = open_change_form(client, draft_drug)
        set_field(data, "sections-0-body", POISON)
        set_field(data, "generic_name", "changed too")
        response = client.post(change_url(draft_drug), data)
        assert response.status_code == 200
        assert "levels deep" in response.content.decode()
        assert list(Section.objects.values_list("body", "body_html")) == before
        draft_drug.refresh_from_db()
        assert draft_drug.generic_name != "changed too"

    def test_poisonous_faq_answer_is_refused(self, client, contributor, draft_drug):
        """An FAQ answer with brackets that would render for seconds is refused with a message."""
        client.force_login(contributor)
        data = open_change_form(client, draft_drug)
        set_field(data, "faqs-0-answer", "[" * 8000)
        response = client.post(change_url(draft_drug), data)
        assert response.status_code == 200
        assert "Too many brackets" in response.content.decode()
        assert not FAQItem.objects.filter(answer__startswith="[[").exists()

    def test_section_over_the_character_limit_names_it(self, client, contributor, draft_drug):
        """A section body over MAX_TEXT_CHARS is refused naming the limit."""
        client.force_login(contributor)
        data = open_change_form(client, draft_drug)
        set_field(data, "sections-0-body", "x" * (limits.MAX_TEXT_CHARS + 1))
        response = client.post(change_url(draft_drug), data)
        assert response.status_code == 200
        assert f"at most {limits.MAX_TEXT_CHARS} characters" in response.content.decode()
        assert not Section.objects.filter(body__startswith="xxx").exists()

    def test_valid_body_is_saved_rendered_once_per_save(self, client, contributor, draft_drug):
        """A normal save stores the same HTML a fresh render gives (validated, then reused)."""
        client.force_login(contributor)
        data = open_change_form(client, draft_drug)
        set_field(data, "sections-0-body", "Take *one* [tablet](https://example.org).")
        assert client.post(change_url(draft_drug), data).status_code == 302
        section = draft_drug.sections.get(body__startswith="Take")
        assert section.body_html == (
            '<p>Take <em>one</em> <a href="https://example.org" '
            'rel="noopener noreferrer nofollow">tablet</a>.</p>'
        )


@pytest.mark.django_db
class RowLimitTests:
    def test_forged_post_with_too_many_sections_is_refused(self, client, contributor):
        """A POST adding sections past MAX_SECTIONS is refused naming the limit, none added."""
        drug = monograph(sections=[SectionKind.USAGE], faqs=0)
        client.force_login(contributor)
        data = add_rows(open_change_form(client, drug), "sections", limits.MAX_SECTIONS, SECTION)
        response = client.post(change_url(drug), data)
        assert response.status_code == 200
        assert f"at most {limits.MAX_SECTIONS} sections" in response.content.decode()
        assert drug.sections.count() == 1

    def test_forged_post_with_too_many_faq_items_is_refused(self, client, contributor):
        """A POST adding FAQ items past MAX_FAQ_ITEMS is refused naming the limit."""
        drug = monograph(sections=[SectionKind.USAGE], faqs=0)
        client.force_login(contributor)
        data = add_rows(open_change_form(client, drug), "faqs", limits.MAX_FAQ_ITEMS + 1, FAQ)
        response = client.post(change_url(drug), data)
        assert response.status_code == 200
        assert f"at most {limits.MAX_FAQ_ITEMS} FAQ items" in response.content.decode()
        assert drug.faqs.count() == 0

    def test_monograph_at_the_limits_saves(self, client, contributor):
        """Exactly MAX_SECTIONS sections and MAX_FAQ_ITEMS items post and save."""
        drug = monograph(sections=[], faqs=0)
        client.force_login(contributor)
        data = open_change_form(client, drug)
        add_rows(data, "sections", limits.MAX_SECTIONS, SECTION)
        add_rows(data, "faqs", limits.MAX_FAQ_ITEMS, FAQ)
        response = client.post(change_url(drug), data)
        assert response.status_code == 302
        assert drug.sections.count() == limits.MAX_SECTIONS
        assert drug.faqs.count() == limits.MAX_FAQ_ITEMS


@pytest.mark.django_db
class DocumentSizeTests:
    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=None)
    def test_document_over_the_size_limit_is_refused_naming_it(self, client, contributor):
        """Sections adding up to more than MAX_DOCUMENT_BYTES are refused, naming the limit."""
        drug = monograph(sections=[], faqs=0)
        client.force_login(contributor)
        body = "word " * (limits.MAX_TEXT_CHARS // 5)
        count = limits.MAX_DOCUMENT_BYTES // len(body) + 1
        data = add_rows(
            open_change_form(client, drug), "sections", count, {**SECTION, "body": body}
        )
        response = client.post(change_url(drug), data)
        assert response.status_code == 200
        assert f"the limit is {limits.MAX_DOCUMENT_BYTES:,} bytes" in response.content.decode()
        assert drug.sections.count() == 0

    def test_request_body_far_over_the_limit_is_a_400(self, client, contributor, draft_drug):
        """A POST larger than DATA_UPLOAD_MAX_MEMORY_SIZE is refused before any parsing."""
        client.force_login(contributor)
        data = open_change_form(client, draft_drug)
        set_field(data, "sections-0-body", "x" * (3 * limits.MAX_DOCUMENT_BYTES + 1))
        response = client.post(change_url(draft_drug), data)
        assert response.status_code == 400
        assert not Section.objects.filter(body__startswith="xxx").exists()
