"""The API's OpenAPI 3.1 description (`/api/openapi.json`) and its page for people (`/api/`).

The description is the contract the schema tests hold every real response to; the page is
made from it, with examples that are real responses of the API for what is published now.
"""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from monographs.markdown import render_markdown
from monographs.models import SearchDocument
from monographs.public import api
from monographs.public.links import class_slug
from monographs.public.page_cache import cached_public_page

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
# How much of a real response the page shows: enough to see every field once.
EXAMPLE_RESULTS = 2
EXAMPLE_PARTS = 1

_DATE_TIME = {"type": "string", "format": "date-time"}
_DATE = {"type": "string", "format": "date"}
_URL = {"type": "string", "format": "uri"}


def _nullable(schema: dict) -> dict:
    return {**schema, "type": [schema["type"], "null"]}


def _object(properties: dict, description: str, *, optional: tuple[str, ...] = ()) -> dict:
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _schemas() -> dict:
    review = _object(
        {
            "reviewed_at": _DATE_TIME,
            "reviewed_by": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Each reviewer's full name and credential.",
            },
            "next_review_due": _DATE,
            "overdue": {
                "type": "boolean",
                "description": "The review is past its due date (true from the next day on).",
            },
            "editorial_responsibility_taken": {
                "type": "boolean",
                "description": "Its reviewers signed that they take editorial responsibility.",
            },
        },
        "A part's medical review.",
    )
    source = _object(
        {
            "title": {"type": "string"},
            "url": {
                "type": "string",
                "description": "An http(s) address, or empty when the source has none.",
            },
        },
        "A source the part's text was checked against.",
    )
    provenance = _object(
        {
            "origin": {
                "type": "string",
                "description": "ai_generated, crowd_sourced, ai_or_crowd, ai_edited, "
                "professional or unknown.",
            },
            "origin_label": {"type": "string", "description": "The origin in words."},
            "ai_tool": {"type": "string"},
            "sources": {"type": "array", "items": _ref("Source")},
        },
        "Where the part's text came from.",
    )
    rendered = {
        "html": {
            "type": "string",
            "description": "The part as published: sanitized HTML, safe to insert in a page.",
        },
        "text": {
            "type": "string",
            "description": "The part as plain text, one line per paragraph or list item "
            "(escape it when you put it in HTML).",
        },
    }
    section = _object(
        {
            "kind": {"type": "string", "description": "e.g. usage, dosage, side_effects."},
            "heading": {"type": "string", "description": "The author's heading, if any."},
            "title": {"type": "string", "description": "The heading readers see."},
            "markdown": {
                "type": "string",
                "description": "The source as written. It may contain raw HTML: never put "
                "it in a page unrendered; use `html`.",
            },
            **rendered,
            "provenance": _ref("Provenance"),
            "review": {"oneOf": [_ref("Review"), {"type": "null"}]},
            "citations": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "The numbers of the references this section cites.",
            },
        },
        "A section of a monograph.",
    )
    faq = _object(
        {
            "question": {"type": "string"},
            "answer": {
                "type": "string",
                "description": "The answer's markdown source (see Section.markdown).",
            },
            **rendered,
            "provenance": _ref("Provenance"),
            "review": {"oneOf": [_ref("Review"), {"type": "null"}]},
        },
        "A frequently asked question and its answer.",
    )
    component = _object(
        {
            "name": {"type": "string"},
            "slug": _nullable({"type": "string"}),
            "url": _nullable(_URL),
            "page_url": _nullable(_URL),
        },
        "A component of a combination; slug and links are null while it is not published.",
    )
    reference_link = _object(
        {
            "kind": {"type": "string", "enum": ["url", "doi", "pmid"]},
            "label": {"type": "string"},
            "url": _URL,
        },
        "Where to read a reference: its web address, its DOI or its PubMed record.",
    )
    reference = _object(
        {
            "number": {"type": "integer", "description": "As cited in the text: [1], [2]."},
            "title": {"type": "string"},
            "authors": {"type": "string", "description": "Authors or publisher."},
            "year": _nullable({"type": "integer"}),
            "url": {"type": "string", "description": "An http(s) address, or empty."},
            "doi": {"type": "string", "description": "e.g. 10.1056/NEJMoa2034577, or empty."},
            "pmid": {"type": "string", "description": "A PubMed ID (digits), or empty."},
            "links": {"type": "array", "items": _ref("ReferenceLink")},
        },
        "A structured reference of the monograph, cited from sections by its number.",
    )
    drug = _object(
        {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "generic_name": {"type": "string"},
            "other_names": {"type": "array", "items": {"type": "string"}},
            "drug_class": {"type": "string"},
            "regulatory_notes": {"type": "string"},
            "components": {"type": "array", "items": _ref("Component")},
            "sections": {"type": "array", "items": _ref("Section")},
            "faqs": {"type": "array", "items": _ref("FAQ")},
            "references": {"type": "array", "items": _ref("Reference")},
            "url": _URL,
            "page_url": _URL,
            "reviewed_by": {"type": "array", "items": {"type": "string"}},
            "last_reviewed": _nullable(_DATE_TIME),
            "next_review_due": _nullable(_DATE),
            "review_overdue_since": {
                **_nullable(_DATE),
                "description": "The earliest due date now passed, or null.",
            },
        },
        "A published monograph: its approved revision, never a pending edit.",
    )
    summary = _object(
        {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "drug_class": {"type": "string"},
            "url": {**_URL, "description": "This monograph in the API."},
            "page_url": {**_URL, "description": "Its page on the site."},
            "last_reviewed": {
                **_DATE_TIME,
                "description": "When its published revision was approved.",
            },
        },
        "A published monograph in the list.",
    )
    drug_list = _object(
        {
            "count": {"type": "integer", "minimum": 0, "description": "Across all pages."},
            "next": _nullable(_URL),
            "previous": _nullable(_URL),
            "results": {
                "type": "array",
                "items": _ref("DrugSummary"),
                "maxItems": api.DRUGS_PER_PAGE,
            },
        },
        "One page of the list.",
    )
    error = _object(
        {
            "detail": {"type": "string", "description": "What is wrong, in words."},
            "parameter": {"type": "string", "description": "The query parameter at fault."},
        },
        "Why there is no data.",
        optional=("parameter",),
    )
    return {
        "DrugList": drug_list,
        "DrugSummary": summary,
        "Drug": drug,
        "Section": section,
        "FAQ": faq,
        "Provenance": provenance,
        "Source": source,
        "Review": review,
        "Component": component,
        "Reference": reference,
        "ReferenceLink": reference_link,
        "Error": error,
    }


def _json_content(schema: str) -> dict:
    return {"application/json": {"schema": _ref(schema)}}


def _error_response(description: str) -> dict:
    return {"description": description, "content": _json_content("Error")}


_CACHED_HEADERS = {
    "ETag": {
        "description": "Send it back in If-None-Match: the answer is 304 while unchanged.",
        "schema": {"type": "string"},
    },
    "Last-Modified": {"description": "The last public change.", "schema": {"type": "string"}},
    "Cache-Control": {"schema": {"type": "string"}},
}


def _rate_limited() -> dict:
    return _error_response(
        f"More than {api.rate_in_words(api.api_rate())} requests from your address were not "
        "served from the cache; `Retry-After` says when to try again."
    )


def _parameters() -> list[dict]:
    letters = [*api.LETTERS, *sorted(api.OTHER_LETTER_SPELLINGS)]
    return [
        {
            "name": "page",
            "in": "query",
            "description": f"1 to the last page ({api.DRUGS_PER_PAGE} monographs a page); "
            "follow `next` rather than counting. A page that does not exist is a 404.",
            "schema": {"type": "integer", "minimum": 1, "default": 1},
        },
        {
            "name": "class",
            "in": "query",
            "description": "A drug class's slug, as in the site's `/classes/<slug>/` "
            "(e.g. `vitamins`). A class with no published monograph gives an empty list.",
            "schema": {"type": "string"},
            "example": "vitamins",
        },
        {
            "name": "updated_since",
            "in": "query",
            "description": "Only monographs whose published revision was approved at or "
            "after this ISO 8601 date or date-time (UTC unless it has an offset). A value "
            "that is not one is a 400.",
            "schema": {"type": "string"},
            "example": "2026-01-31T12:00:00Z",
        },
        {
            "name": "letter",
            "in": "query",
            "description": "Names starting with this letter (A-Z, either case), or `#` "
            "(also `0`, `0-9`) for names starting with anything else, as in the A-Z index. "
            "Anything else is a 400.",
            "schema": {"type": "string", "enum": letters + [letter.lower() for letter in letters]},
            "example": "C",
        },
    ]


def openapi_document() -> dict:
    """The OpenAPI 3.1 description of the public API, on this site's address."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "MedRef public API",
            "version": API_VERSION,
            "summary": "Published, medically reviewed drug monographs as JSON.",
            "description": (
                "Read-only. Only published monographs appear, as their reviewers approved "
                "them; nothing links to an unpublished page. Any origin may read it "
                "(CORS, without credentials). Responses carry ETag and Last-Modified: "
                "revalidate with If-None-Match for a cheap 304. Responses the cache does not "
                f"hold count towards a limit of {api.rate_in_words(api.api_rate())} "
                "per address (429 past it)."
            ),
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": settings.SITE_URL}],
        "paths": {
            reverse("monographs:api_drugs"): {
                "get": {
                    "operationId": "listDrugs",
                    "summary": "List published monographs by name",
                    "description": "Filters combine with each other and with the pages; "
                    "`next` and `previous` keep them.",
                    "parameters": _parameters(),
                    "responses": {
                        "200": {
                            "description": "A page of monographs.",
                            "headers": _CACHED_HEADERS,
                            "content": _json_content("DrugList"),
                        },
                        "304": {"description": "Not modified since your copy (ETag)."},
                        "400": _error_response("A filter's value cannot be read."),
                        "404": _error_response("The page does not exist."),
                        "429": _rate_limited(),
                    },
                }
            },
            reverse("monographs:api_drugs") + "{slug}/": {
                "get": {
                    "operationId": "getDrug",
                    "summary": "One published monograph",
                    "description": "Its sections and FAQ (markdown, sanitized HTML and plain "
                    "text), provenance, each part's review and its references.",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "description": "The monograph's slug, as in its page's address "
                            "`/drugs/<slug>/`; `slug` in the list.",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
                            "example": "cyanocobalamin",
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The monograph.",
                            "headers": _CACHED_HEADERS,
                            "content": _json_content("Drug"),
                        },
                        "301": {
                            "description": "The monograph moved to another slug after a "
                            "reviewed rename.",
                            "headers": {"Location": {"schema": {"type": "string"}}},
                        },
                        "304": {"description": "Not modified since your copy (ETag)."},
                        "404": _error_response("No monograph is published at this slug."),
                        "429": _rate_limited(),
                    },
                }
            },
            reverse("monographs:api_openapi"): {
                "get": {
                    "operationId": "getOpenApiDescription",
                    "summary": "This description",
                    "responses": {
                        "200": {
                            "description": "The OpenAPI 3.1 document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {"schemas": _schemas()},
    }


@require_safe
@cached_public_page(params=())
def openapi_json(request):
    """The OpenAPI description, as JSON."""
    return api.json_response(openapi_document())


def _pretty(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder)


def _example(title: str, path: str, *, status: int, payload: dict, shortened: str = "") -> dict:
    return {
        "title": title,
        "request": f"curl -i '{settings.SITE_URL}{path}'",
        "status": status,
        "response": _pretty(payload),
        "shortened": shortened,
    }


def _refusal(query: dict) -> api.ApiError:
    """The error the list answers `query` with."""
    try:
        api.DrugFilters.from_query(query)
    except api.ApiError as error:
        return error
    raise ValueError(f"The list accepts {query}.")


def _example_filter(name: str, drug_class: str) -> dict:
    """A filter the first listed monograph passes: its class if it has one, else its letter."""
    if class_slug(drug_class):
        return {"class": class_slug(drug_class)}
    initial = name[:1].upper()
    return {"letter": initial if initial in api.LETTERS else api.OTHER_LETTER}


def real_examples() -> list[dict]:
    """Requests and the API's real answers for what is published now (none: nothing is)."""
    first = (
        SearchDocument.objects.order_by("name", "drug_id")
        .values_list("slug", "name", "drug_class")
        .first()
    )
    drug = api.published_drug(first[0]) if first else None
    if drug is None:
        return []
    slug, name, drug_class = first
    list_path = reverse("monographs:api_drugs")
    query = _example_filter(name, drug_class)
    listed = api.drug_list_payload(filters=api.DrugFilters.from_query(query), page_number=1)
    listed["results"] = listed["results"][:EXAMPLE_RESULTS]
    detail, _until, _since = api.drug_payload(drug)
    detail["sections"] = detail["sections"][:EXAMPLE_PARTS]
    detail["faqs"] = detail["faqs"][:EXAMPLE_PARTS]
    bad_date = "yesterday"
    refused = _refusal({"updated_since": bad_date})
    return [
        _example(
            f"The list, filtered by {next(iter(query))}",
            f"{list_path}?{urlencode(query)}",
            status=200,
            payload=listed,
            shortened=f"the first {EXAMPLE_RESULTS} results",
        ),
        _example(
            "One monograph",
            reverse("monographs:api_drug", args=[slug]),
            status=200,
            payload=detail,
            shortened="the first section and FAQ",
        ),
        _example(
            "A filter value it cannot read",
            f"{list_path}?updated_since={bad_date}",
            status=refused.status,
            payload=refused.payload(),
        ),
        _example(
            "A slug no monograph is published at",
            f"{list_path}no-such-drug/",
            status=404,
            payload=api.ApiError(api.NO_SUCH_DRUG, status=404).payload(),
        ),
    ]


def _inline_markdown(description: str):
    """A one-paragraph OpenAPI description (CommonMark) as inline HTML, sanitized."""
    html = render_markdown(description).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[len("<p>") : -len("</p>")]
    return mark_safe(html)  # noqa: S308 — the site's sanitizing renderer wrote it


def _operations(document: dict) -> list[dict]:
    operations = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation["summary"],
                    "description": _inline_markdown(operation.get("description", "")),
                    "parameters": [
                        {
                            **parameter,
                            "description": _inline_markdown(parameter.get("description", "")),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                    "responses": [
                        {"status": status, "description": _inline_markdown(response["description"])}
                        for status, response in operation["responses"].items()
                    ],
                }
            )
    return operations


@require_safe
@cached_public_page(params=())
def api_docs(request):
    """The API's page for people: endpoints, parameters, limits and real examples."""
    document = openapi_document()
    return render(
        request,
        "monographs/api.html",
        {
            "info": document["info"],
            "operations": _operations(document),
            "examples": real_examples(),
            "drugs_per_page": api.DRUGS_PER_PAGE,
            "rate": api.rate_in_words(api.api_rate()),
            "openapi_url": reverse("monographs:api_openapi"),
        },
    )
