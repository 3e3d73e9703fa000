"""The API's published OpenAPI description is valid, and every real response keeps to it."""

import pytest
from django.conf import settings
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from monographs.models import SectionKind
from tests.factories import monograph, publish
from tests.monographs.test_references import referenced_drug

OPENAPI_URL = "/api/openapi.json"
LIST_PATH = "/api/drugs/"
DETAIL_PATH = "/api/drugs/{slug}/"
DOCUMENT_URI = "urn:medref:openapi"


def response_validator(document: dict, path: str, status: int) -> Draft202012Validator:
    """A JSON Schema (Draft 2020-12) validator for the documented body of `path`'s `status`."""
    response = document["paths"][path]["get"]["responses"][str(status)]
    schema = response["content"]["application/json"]["schema"]
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource(DOCUMENT_URI, resource)
    return Draft202012Validator(
        {"$ref": DOCUMENT_URI + schema["$ref"]},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def assert_documented(document: dict, path: str, response) -> dict:
    """The response's status is documented for `path`, and its body keeps to the schema."""
    assert str(response.status_code) in document["paths"][path]["get"]["responses"]
    assert response["Content-Type"] == "application/json"
    data = response.json()
    errors = sorted(
        response_validator(document, path, response.status_code).iter_errors(data), key=str
    )
    assert not errors, "\n".join(f"{list(error.path)}: {error.message}" for error in errors)
    return data


@pytest.fixture
def document(client) -> dict:
    response = client.get(OPENAPI_URL)
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def site(contributor, reviewer) -> dict:
    """Published monographs of two classes and initials, a combination with a draft component."""
    cyano = publish(
        monograph(name="Cyanocobalamin", other_names="Vitamin B12", drug_class="Vitamins", faqs=2),
        contributor=contributor,
        reviewer=reviewer,
    )
    amlo = publish(
        monograph(name="Amlodipine", drug_class="Calcium channel blockers"),
        contributor=contributor,
        reviewer=reviewer,
    )
    digit = publish(
        monograph(name="5-Fluorouracil", drug_class="", sections=(SectionKind.USAGE,), faqs=0),
        contributor=contributor,
        reviewer=reviewer,
    )
    draft = monograph(name="Folinic acid", faqs=0)
    combo = monograph(name="Cyanocobalamin + Folinic acid", faqs=0)
    combo.components.add(cyano, draft)
    publish(combo, contributor=contributor, reviewer=reviewer)
    cited = publish(referenced_drug(), contributor=contributor, reviewer=reviewer)
    return {"cyano": cyano, "amlo": amlo, "digit": digit, "combo": combo, "cited": cited}


@pytest.mark.django_db
class OpenApiDescriptionTests:
    def test_description_is_a_valid_openapi_3_1_document_on_the_site_address(self, document):
        """/api/openapi.json is OpenAPI 3.1 that a validator accepts, served on SITE_URL."""
        validate_openapi(document)
        assert document["openapi"].startswith("3.1.")
        assert document["servers"] == [{"url": settings.SITE_URL}]
        assert set(document["paths"]) == {LIST_PATH, DETAIL_PATH, OPENAPI_URL}

    def test_every_schema_is_valid_draft_2020_12(self, document):
        """Each component schema is valid JSON Schema 2020-12, as OpenAPI 3.1 uses."""
        for schema in document["components"]["schemas"].values():
            Draft202012Validator.check_schema(schema)

    def test_description_carries_validators_and_answers_304(self, client):
        """The description is cached like the rest of the API."""
        response = client.get(OPENAPI_URL)
        again = client.get(OPENAPI_URL, headers={"if-none-match": response["ETag"]})
        assert again.status_code == 304


@pytest.mark.django_db
class ListResponsesKeepToTheDescriptionTests:
    @pytest.mark.parametrize(
        "query",
        [
            {},
            {"page": "2"},
            {"class": "vitamins"},
            {"class": "no-such-class"},
            {"updated_since": "2000-01-01"},
            {"updated_since": "2000-01-01T00:00:00Z"},
            {"updated_since": "2999-01-01T00:00:00+02:00"},
            {"letter": "c"},
            {"letter": "#"},
            {"letter": "0-9"},
            {"class": "vitamins", "letter": "C", "updated_since": "2000-01-01"},
        ],
    )
    def test_list_with_and_without_each_filter(self, client, document, site, query, monkeypatch):
        """The list, with any filter or none and on any page, is as described."""
        monkeypatch.setattr("monographs.public.api.DRUGS_PER_PAGE", 2)
        response = client.get(LIST_PATH, query)
        assert response.status_code == 200
        assert_documented(document, LIST_PATH, response)

    @pytest.mark.parametrize(
        ("query", "status"),
        [
            ({"updated_since": "yesterday"}, 400),
            ({"updated_since": "2026-02-30"}, 400),
            ({"letter": "AB"}, 400),
            ({"page": "99"}, 404),
            ({"page": "abc"}, 404),
        ],
    )
    def test_list_errors(self, client, document, site, query, status):
        """A bad filter (400) and a missing page (404) answer the documented error."""
        response = client.get(LIST_PATH, query)
        assert response.status_code == status
        assert_documented(document, LIST_PATH, response)

    def test_rate_limited_answer(self, client, document, site, settings):
        """The 429 past the rate limit is as described."""
        settings.MEDREF_API_RATE = "1/m"
        client.get(LIST_PATH, {"page": "1"})
        response = client.get(LIST_PATH, {"page": "2"})
        assert response.status_code == 429
        assert_documented(document, LIST_PATH, response)


@pytest.mark.django_db
class DetailResponsesKeepToTheDescriptionTests:
    @pytest.mark.parametrize("name", ["cyano", "amlo", "digit", "combo", "cited"])
    def test_detail_of_each_kind_of_monograph(self, client, document, site, name):
        """Every monograph's detail, combinations included, is as described."""
        response = client.get(f"/api/drugs/{site[name].published_revision.slug}/")
        assert response.status_code == 200
        assert_documented(document, DETAIL_PATH, response)

    def test_references_and_citations(self, client, document, site):
        """A monograph's references come with their links, and each section with what it cites."""
        response = client.get(f"/api/drugs/{site['cited'].published_revision.slug}/")
        data = assert_documented(document, DETAIL_PATH, response)
        assert [section["citations"] for section in data["sections"]] == [[], [1, 2]]
        first, second = data["references"]
        assert (first["number"], first["title"], first["year"]) == (
            1,
            "Summary of product characteristics",
            2023,
        )
        assert [link["url"] for link in second["links"]] == [
            "https://doi.org/10.1056/NEJMoa2034577",
            "https://pubmed.ncbi.nlm.nih.gov/31978945/",
        ]

    def test_unknown_slug(self, client, document, site):
        """The 404 for a slug nothing is published at is as described."""
        response = client.get("/api/drugs/no-such-drug/")
        assert response.status_code == 404
        assert_documented(document, DETAIL_PATH, response)


@pytest.mark.django_db
class SchemaCheckIsStrictTests:
    def test_a_body_that_breaks_the_description_is_refused(self, client, document, site):
        """The check fails a detail that lost its HTML or gained an undocumented field."""
        data = client.get("/api/drugs/cyanocobalamin/").json()
        validator = response_validator(document, DETAIL_PATH, 200)
        assert validator.is_valid(data)
        del data["sections"][0]["html"]
        data["secret"] = "draft text"
        messages = {error.message for error in validator.iter_errors(data)}
        assert "'html' is a required property" in messages
        assert any("'secret' was unexpected" in message for message in messages)
