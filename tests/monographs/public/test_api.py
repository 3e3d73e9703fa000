import pytest
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse

from monographs.exporter import published_documents
from monographs.models import Revision, SectionKind
from reviews.services import drug_unpublish, review_submit
from tests.factories import (
    DrugFactory,
    FAQItemFactory,
    SectionFactory,
    edit_section,
    monograph,
    publish,
)
from tests.monographs.public.publicsite import edit_and_publish

LIST_URL = "/api/drugs/"


def detail_url(slug: str) -> str:
    return reverse("monographs:api_drug", kwargs={"slug": slug})


def as_json(value) -> str:
    return DjangoJSONEncoder().default(value)


def publish_many(count: int, *, contributor, reviewer, prefix="Apiamine") -> list:
    return [
        publish(
            monograph(name=f"{prefix} {number:03}", faqs=0),
            contributor=contributor,
            reviewer=reviewer,
        )
        for number in range(count)
    ]


@pytest.fixture
def cyanocobalamin(contributor, reviewer):
    drug = monograph(
        name="Cyanocobalamin",
        other_names="Vitamin B12\nCobalamin",
        drug_class="Vitamins",
        faqs=2,
    )
    return publish(drug, contributor=contributor, reviewer=reviewer)


@pytest.mark.django_db
class DrugListApiTests:
    def test_lists_published_monographs_by_name_with_links(
        self, client, cyanocobalamin, contributor, reviewer
    ):
        """The list holds each published drug's slug, name, links and last review time."""
        publish(monograph(name="Amlodipine"), contributor=contributor, reviewer=reviewer)
        monograph(name="Draftamine")
        data = client.get(LIST_URL).json()
        assert data["count"] == 2
        assert data["next"] is None
        assert data["previous"] is None
        assert [item["name"] for item in data["results"]] == ["Amlodipine", "Cyanocobalamin"]
        item = data["results"][1]
        assert item == {
            "slug": "cyanocobalamin",
            "name": "Cyanocobalamin",
            "drug_class": "Vitamins",
            "url": settings.SITE_URL + detail_url("cyanocobalamin"),
            "page_url": settings.SITE_URL + "/drugs/cyanocobalamin/",
            "last_reviewed": as_json(cyanocobalamin.published_revision.approved_at),
        }

    def test_pages_link_to_each_other(self, client, contributor, reviewer, monkeypatch):
        """Pages carry count, next and previous, and together list every drug once."""
        monkeypatch.setattr("monographs.public.api.DRUGS_PER_PAGE", 2)
        drugs = publish_many(5, contributor=contributor, reviewer=reviewer)
        first = client.get(LIST_URL).json()
        assert first["count"] == 5
        assert first["previous"] is None
        assert first["next"] == f"{settings.SITE_URL}{LIST_URL}?page=2"
        third = client.get(LIST_URL, {"page": 3}).json()
        assert third["next"] is None
        assert third["previous"] == f"{settings.SITE_URL}{LIST_URL}?page=2"
        slugs = [
            item["slug"]
            for page in (1, 2, 3)
            for item in client.get(LIST_URL, {"page": page}).json()["results"]
        ]
        assert slugs == sorted(drug.slug for drug in drugs)

    @pytest.mark.parametrize("page", ["0", "9", "abc", "-1"])
    def test_invalid_page_is_a_json_404(self, client, cyanocobalamin, page):
        """A page that does not exist answers 404 with a JSON reason."""
        response = client.get(LIST_URL, {"page": page})
        assert response.status_code == 404
        assert response.json() == {"detail": "Invalid page.", "parameter": "page"}

    def test_pending_rename_is_not_listed_until_approved(self, client, contributor, cyanocobalamin):
        """The list shows the published name while a rename waits for review."""
        cyanocobalamin.name = "Cyanocobalamin Renamed"
        cyanocobalamin.save()
        review_submit(drug=cyanocobalamin, by=contributor)
        assert [item["name"] for item in client.get(LIST_URL).json()["results"]] == [
            "Cyanocobalamin"
        ]


@pytest.mark.django_db
class DrugDetailApiTests:
    def test_detail_is_the_published_document_with_rendered_text_and_review_dates(
        self, client, cyanocobalamin
    ):
        """The detail carries the exported document's fields, each part rendered and reviewed."""
        revision = cyanocobalamin.published_revision
        data = client.get(detail_url("cyanocobalamin")).json()
        [exported] = published_documents()
        for field in ("slug", "name", "generic_name", "other_names", "drug_class"):
            assert data[field] == exported[field]
        assert data["regulatory_notes"] == exported["regulatory_notes"]
        assert data["url"] == settings.SITE_URL + detail_url("cyanocobalamin")
        assert data["page_url"] == settings.SITE_URL + "/drugs/cyanocobalamin/"
        assert data["components"] == []
        assert data["references"] == []
        assert [section["markdown"] for section in data["sections"]] == [
            section["markdown"] for section in exported["sections"]
        ]
        assert [faq["answer"] for faq in data["faqs"]] == [
            faq["answer"] for faq in exported["faqs"]
        ]
        section = data["sections"][0]
        assert set(section) == {
            "kind",
            "heading",
            "title",
            "markdown",
            "html",
            "text",
            "provenance",
            "review",
            "citations",
        }
        assert section["markdown"].startswith("Used for **condition")
        assert "<strong>condition" in section["html"]
        assert section["text"].startswith("Used for condition")
        assert section["title"] == "Usage"
        assert section["provenance"]["origin"] == "ai_or_crowd"
        assert section["provenance"]["origin_label"] == "AI-generated or crowd-sourced"
        assert data["faqs"][0]["html"] == "<p>An <em>answer</em>.</p>"
        assert data["faqs"][0]["text"] == "An answer."
        part_reviews = [item["review"] for item in [*data["sections"], *data["faqs"]]]
        assert data["reviewed_by"] == revision.approved_by_credit.split("; ")
        assert data["review_overdue_since"] is None
        assert all(review and review["overdue"] is False for review in part_reviews)
        # Their approvals were signed: the reviewers took editorial responsibility for them.
        assert all(review["editorial_responsibility_taken"] is True for review in part_reviews)
        assert data["last_reviewed"] == as_json(revision.approved_at)
        assert data["next_review_due"] == as_json(revision.next_review_due)

    def test_detail_shows_the_approved_text_not_a_pending_edit(
        self, client, contributor, cyanocobalamin
    ):
        """An edit waiting for review is not in the API."""
        approved = cyanocobalamin.sections.order_by("position").first().body
        edit_section(cyanocobalamin, "Unreviewed new dosage.")
        review_submit(drug=cyanocobalamin, by=contributor)
        sections = client.get(detail_url("cyanocobalamin")).json()["sections"]
        markdown = [section["markdown"] for section in sections]
        assert approved in markdown
        assert "Unreviewed new dosage." not in markdown

    def test_drafts_unknown_and_unpublished_drugs_are_404(self, client, editor, cyanocobalamin):
        """Only published monographs exist in the API."""
        monograph(name="Draftamine")
        assert client.get(detail_url("draftamine")).status_code == 404
        assert client.get(detail_url("no-such-drug")).status_code == 404
        drug_unpublish(drug=cyanocobalamin, by=editor)
        response = client.get(detail_url("cyanocobalamin"))
        assert response.status_code == 404
        assert response.json() == {"detail": "No published monograph has this slug."}
        assert client.get(LIST_URL).json()["count"] == 0

    def test_component_stub_is_not_exposed(self, client, cyanocobalamin):
        """A drug record without a published revision (e.g. a component stub) is 404."""
        DrugFactory(name="Stubamine")
        assert client.get(detail_url("stubamine")).status_code == 404


@pytest.mark.django_db
class ApiCachingTests:
    @pytest.mark.parametrize("url", [LIST_URL, "/api/drugs/cyanocobalamin/"])
    def test_responses_carry_validators_and_answer_304(self, client, cyanocobalamin, url):
        """Clients get ETag, Last-Modified and Cache-Control, and a 304 when nothing changed."""
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response["ETag"]
        assert response["Last-Modified"]
        assert "public" in response["Cache-Control"]
        again = client.get(url, headers={"if-none-match": response["ETag"]})
        assert again.status_code == 304
        assert again.content == b""
        since = client.get(url, headers={"if-modified-since": response["Last-Modified"]})
        assert since.status_code == 304

    def test_new_approval_changes_the_etag_and_the_content(
        self, client, contributor, reviewer, cyanocobalamin, django_capture_on_commit_callbacks
    ):
        """After an approval, the old ETag no longer matches and the new text is served."""
        url = detail_url("cyanocobalamin")
        etag = client.get(url)["ETag"]
        with django_capture_on_commit_callbacks(execute=True):
            edit_and_publish(
                cyanocobalamin, "Newly approved dosage.", contributor=contributor, reviewer=reviewer
            )
        response = client.get(url, headers={"if-none-match": etag})
        assert response.status_code == 200
        assert response["ETag"] != etag
        assert "Newly approved dosage." in [s["markdown"] for s in response.json()["sections"]]


@pytest.mark.django_db
class ApiQueryCountTests:
    def test_list_and_detail_cost_the_same_queries_with_10_or_200_drugs(
        self, client, contributor, reviewer, django_assert_num_queries, settings
    ):
        """The list (a count and a page) and a detail (two queries) do not grow with the data."""
        settings.MEDREF_PAGE_CACHE_SECONDS = 0
        publish_many(10, contributor=contributor, reviewer=reviewer)
        for drugs in (10, 200):
            if drugs == 200:
                publish_many(190, contributor=contributor, reviewer=reviewer, prefix="Bulkamine")
            with django_assert_num_queries(2):
                data = client.get(LIST_URL, {"page": 2 if drugs > 50 else 1}).json()
            assert data["count"] == drugs
            with django_assert_num_queries(2):  # the monograph, then its parts' reviews
                assert client.get(detail_url("apiamine-005")).status_code == 200


HOSTILE_MARKDOWN = (
    'Take <script>alert("x")</script> **twice** daily & <b onclick="steal()">rest</b>.'
)


@pytest.mark.django_db
class DetailTextTests:
    def test_script_in_a_section_is_sanitized_in_html_and_plain_in_text(
        self, client, contributor, reviewer
    ):
        """Typed markup is dropped from `html`, absent from `text`, kept as written in markdown."""
        drug = monograph(name="Evilamine", sections=(), faqs=0)
        SectionFactory(drug=drug, kind=SectionKind.USAGE, body=HOSTILE_MARKDOWN)
        FAQItemFactory(drug=drug, question="Safe?", answer="<script>x()</script>Yes.")
        publish(drug, contributor=contributor, reviewer=reviewer)
        data = client.get(detail_url("evilamine")).json()
        [section] = data["sections"]
        assert section["markdown"] == HOSTILE_MARKDOWN
        assert "<script" not in section["html"]
        assert "onclick" not in section["html"]
        assert "<strong>twice</strong>" in section["html"]
        assert section["text"] == "Take twice daily & rest."
        [faq] = data["faqs"]
        assert "<script" not in faq["html"]
        assert faq["text"] == "Yes."

    def test_paragraphs_and_list_items_are_lines_of_text(self, client, contributor, reviewer):
        """Plain text keeps one line per paragraph or list item, without markup or entities."""
        drug = monograph(name="Listamine", sections=(), faqs=0)
        SectionFactory(
            drug=drug, kind=SectionKind.DOSAGE, body="Adults:\n\n- 1 mg &lt; daily\n- *with* food"
        )
        publish(drug, contributor=contributor, reviewer=reviewer)
        [section] = client.get(detail_url("listamine")).json()["sections"]
        assert section["text"] == "Adults:\n1 mg < daily\nwith food"

    def test_a_source_that_is_not_a_web_address_loses_its_link(self, client, cyanocobalamin):
        """Provenance sources keep http(s) links only (a revision frozen with another is shown
        by title)."""
        revision = cyanocobalamin.published_revision
        revision.content["sections"][0]["provenance"]["sources"] = [
            {"title": "Trap", "url": "javascript:alert(1)"},
            {"title": "NHS", "url": "https://www.nhs.uk/"},
        ]
        Revision.objects.filter(pk=revision.pk).update(content=revision.content)
        sources = client.get(detail_url("cyanocobalamin")).json()["sections"][0]["provenance"][
            "sources"
        ]
        assert sources == [
            {"title": "Trap", "url": ""},
            {"title": "NHS", "url": "https://www.nhs.uk/"},
        ]


@pytest.mark.django_db
class CombinationComponentTests:
    def test_published_components_are_linked_and_drafts_are_named_only(
        self, client, contributor, reviewer, cyanocobalamin
    ):
        """A draft component is named as reviewed, with no slug or link; a published one links."""
        draft = monograph(name="Folinic acid", slug="folinic-acid-draft", faqs=0)
        combo = monograph(name="Cyanocobalamin + Folinic acid", faqs=0)
        combo.components.add(cyanocobalamin, draft)
        publish(combo, contributor=contributor, reviewer=reviewer)
        response = client.get(detail_url(combo.slug))
        assert response.status_code == 200
        assert response.json()["components"] == [
            {
                "name": "Cyanocobalamin",
                "slug": "cyanocobalamin",
                "url": settings.SITE_URL + detail_url("cyanocobalamin"),
                "page_url": settings.SITE_URL + "/drugs/cyanocobalamin/",
            },
            {"name": "Folinic acid", "slug": None, "url": None, "page_url": None},
        ]
        assert "folinic-acid-draft" not in response.content.decode()

    def test_combination_detail_costs_one_query_more(
        self, client, contributor, reviewer, cyanocobalamin, django_assert_num_queries, settings
    ):
        """A combination's detail adds one query, for which of its components are published."""
        settings.MEDREF_PAGE_CACHE_SECONDS = 0
        combo = monograph(name="Cyanocobalamin + Other", faqs=0)
        combo.components.add(cyanocobalamin, monograph(name="Otheramine", faqs=0))
        publish(combo, contributor=contributor, reviewer=reviewer)
        with django_assert_num_queries(3):  # the monograph, its parts' reviews, its components
            assert client.get(detail_url(combo.slug)).status_code == 200

    def test_unpublishing_a_component_removes_its_link(
        self,
        client,
        contributor,
        reviewer,
        editor,
        cyanocobalamin,
        django_capture_on_commit_callbacks,
    ):
        """Once a component is unpublished, the combination no longer points at it."""
        combo = monograph(name="Cyanocobalamin + Other", faqs=0)
        combo.components.add(cyanocobalamin)
        publish(combo, contributor=contributor, reviewer=reviewer)
        with django_capture_on_commit_callbacks(execute=True):
            drug_unpublish(drug=cyanocobalamin, by=editor)
        response = client.get(detail_url(combo.slug))
        assert response.json()["components"] == [
            {"name": "Cyanocobalamin", "slug": None, "url": None, "page_url": None}
        ]
        assert "/cyanocobalamin/" not in response.content.decode()


@pytest.mark.django_db
class RetiredSlugTests:
    def test_old_slug_redirects_to_the_new_one(self, client, contributor, reviewer, cyanocobalamin):
        """After a reviewed rename the old API address answers 301 to the new one."""
        cyanocobalamin.slug = "vitamin-b12"
        cyanocobalamin.save()
        publish(cyanocobalamin, contributor=contributor, reviewer=reviewer)
        response = client.get(detail_url("cyanocobalamin"))
        assert response.status_code == 301
        assert response["Location"] == detail_url("vitamin-b12")
