""" "Save and submit for review": the typed text is saved and submitted in one step."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from monographs.models import Drug, Section
from reviews.models import Review
from tests.factories import ContributorFactory, monograph, publish
from tests.monographs.adminforms import change_form_data, section_field

BUTTON = "_save_and_submit"


def change_url(drug) -> str:
    return reverse("admin:monographs_drug_change", args=[drug.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.django_db
class SaveAndSubmitTests:
    def test_the_button_is_offered_to_those_who_may_submit(self, client, contributor, reader):
        """A contributor sees the button at the top and bottom of the form."""
        drug = monograph(name="Thiamine")
        client.force_login(contributor)
        html = client.get(change_url(drug)).content.decode()
        assert html.count(f'name="{BUTTON}"') == 2

    def test_typed_text_is_in_the_submitted_revision(self, client, contributor):
        """The unsaved edit is saved as one recorded version, then frozen for review."""
        drug = monograph(name="Thiamine")
        client.force_login(contributor)
        data = change_form_data(client, drug)
        data[section_field(data, 0, "body")] = "Typed just before submitting."
        data["change_reason"] = "Clarified the usage"
        history_before = Section.history.filter(drug_id=drug.pk).count()
        response = client.post(change_url(drug), {**data, BUTTON: "1"})
        assert response.status_code == 302
        assert response.url == change_url(drug)
        review = Review.objects.in_review().get(drug=drug)
        assert review.revision.content["sections"][0]["markdown"] == (
            "Typed just before submitting."
        )
        assert review.comment == "Clarified the usage"
        assert Section.history.filter(drug_id=drug.pk).count() == history_before + 1
        assert Section.history.filter(drug_id=drug.pk).latest().history_change_reason == (
            "Clarified the usage"
        )
        assert messages_of(response) == [
            "Your changes were saved and “Thiamine” is now waiting for a medical reviewer."
        ]

    def test_a_new_monograph_can_be_saved_and_submitted(self, client, contributor):
        """Adding a monograph and submitting it is one click too."""
        client.force_login(contributor)
        add_url = reverse("admin:monographs_drug_add")
        data = change_form_data(client, monograph(name="Template drug"))
        data = {key: value for key, value in data.items() if not key.startswith("sections-")}
        data = {key: value for key, value in data.items() if not key.startswith("faqs-")}
        data.update(
            {
                "name": "Riboflavin",
                "slug": "riboflavin",
                "lock_version": "0",
                "sections-TOTAL_FORMS": "0",
                "sections-INITIAL_FORMS": "0",
                "faqs-TOTAL_FORMS": "0",
                "faqs-INITIAL_FORMS": "0",
                BUTTON: "1",
            }
        )
        response = client.post(add_url, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        drug = Drug.objects.get(slug="riboflavin")
        assert Review.objects.in_review().filter(drug=drug).exists()

    def test_an_invalid_form_submits_nothing_and_keeps_the_text(self, client, contributor):
        """A refused save submits nothing, and the form comes back with what was typed."""
        drug = monograph(name="Thiamine")
        client.force_login(contributor)
        data = change_form_data(client, drug)
        data[section_field(data, 0, "body")] = "Kept even though the name is missing."
        data["name"] = ""
        response = client.post(change_url(drug), {**data, BUTTON: "1"})
        assert response.status_code == 200
        assert "Kept even though the name is missing." in response.content.decode()
        assert not Review.objects.filter(drug=drug).exists()

    def test_a_stale_form_submits_nothing(self, client, contributor, other_contributor):
        """If someone saved in between, nothing is saved or submitted, and the text is kept."""
        drug = monograph(name="Thiamine")
        client.force_login(contributor)
        data = change_form_data(client, drug)
        section = drug.sections.order_by("position").first()
        section.body = "Someone else's edit."
        section.save()
        data[section_field(data, 0, "body")] = "My edit."
        response = client.post(change_url(drug), {**data, BUTTON: "1"})
        assert response.status_code == 200
        assert "My edit." in response.content.decode()
        assert not Review.objects.filter(drug=drug).exists()

    def test_without_submit_permission_the_edit_is_saved_but_not_submitted(self, client):
        """A forged button press by someone who may edit but not submit submits nothing."""
        editor_only = ContributorFactory(username="edna", groups=["__none__"])
        editor_only.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="monographs",
                codename__in=[
                    f"{action}_{model}"
                    for action in ("view", "add", "change", "delete")
                    for model in ("drug", "section", "faqitem")
                ],
            )
        )
        drug = monograph(name="Thiamine")
        client.force_login(editor_only)
        data = change_form_data(client, drug)
        assert f'name="{BUTTON}"' not in client.get(change_url(drug)).content.decode()
        data[section_field(data, 0, "body")] = "Saved, not submitted."
        response = client.post(change_url(drug), {**data, BUTTON: "1"})
        assert response.status_code == 302
        assert drug.sections.order_by("position").first().body == "Saved, not submitted."
        assert not Review.objects.filter(drug=drug).exists()
        assert messages_of(response) == [
            "Your changes were saved, but not submitted: you may not submit monographs for review."
        ]

    def test_nothing_new_is_saved_and_the_reason_is_said(self, client, contributor, reviewer):
        """Pressing it on a form that matches what is published explains why nothing happened."""
        drug = publish(monograph(name="Thiamine"), contributor=contributor, reviewer=reviewer)
        client.force_login(contributor)
        data = change_form_data(client, drug)
        response = client.post(change_url(drug), {**data, BUTTON: "1"})
        assert response.status_code == 302
        assert messages_of(response) == [
            "Your changes were saved, but not submitted: Nothing to submit: the monograph "
            "matches what is published."
        ]
