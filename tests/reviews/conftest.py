"""Helpers for driving the editorial workflow through the admin, as its users do."""

from html.parser import HTMLParser

import pytest
from django.forms import CheckboxInput, CheckboxSelectMultiple
from django.urls import reverse

from monographs.models import Drug
from reviews.models import REVIEWERS_GROUP
from tests.factories import ReviewerProfileFactory, join_groups

INERT_SCRIPT_TYPES = {"application/ld+json", "application/json"}


def edit_section(drug: Drug, *, by, body: str | None = None, position: int = 0) -> None:
    """Change one section of the working copy, recorded in history as `by`'s edit."""
    section = drug.sections.order_by("position", "id")[position]
    section.body = body if body is not None else f"{section.body} Edited by {by.username}."
    section._history_user = by
    section.save()


def _form_data(form) -> dict:
    data = {}
    for bound in form:
        value = bound.value()
        widget = bound.field.widget
        if isinstance(widget, CheckboxInput) and not isinstance(widget, CheckboxSelectMultiple):
            if value:
                data[bound.html_name] = "on"
            continue
        if value is None:
            data[bound.html_name] = ""
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        else:
            data[bound.html_name] = str(value)
    return data


def change_form_data(client, drug: Drug) -> dict:
    """What the drug's admin change form posts back when saved unchanged."""
    response = client.get(reverse("admin:monographs_drug_change", args=[drug.pk]))
    assert response.status_code == 200
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        data.update(_form_data(inline.formset.management_form))
        for form in inline.formset.forms:
            data.update(_form_data(form))
    return data


def section_field(data: dict, position: int, field: str) -> str:
    """The POST key of a field of the n-th section inline row."""
    prefix = next(key for key in data if key.endswith(f"-{position}-body")).removesuffix("body")
    return f"{prefix}{field}"


def make_credentialed_reviewer(user, credential: str = "MD"):
    if not user.get_full_name():
        # Approvals credit reviewers by name: one without a name may not decide.
        user.first_name, user.last_name = "Ada", f"Reviewer-{user.pk}"
        user.save(update_fields=["first_name", "last_name"])
    join_groups(user, [REVIEWERS_GROUP])
    ReviewerProfileFactory(user=user, credential=credential)
    return user


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.handlers: list[tuple[str, str]] = []
        self.script_bodies: list[str] = []
        self.texts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [(tag, name) for name, _ in attrs if name.lower().startswith("on")]
        if tag == "script" and attributes.get("type") not in INERT_SCRIPT_TYPES:
            self._in_script = True
            self.script_bodies.append("")
        for name in ("href", "src", "action", "formaction"):
            if (attributes.get(name) or "").strip().lower().startswith("javascript:"):
                self.handlers.append((tag, name))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_bodies[-1] += data
        else:
            self.texts.append(data)


def assert_inert(html: str, *, payload_text: str | None = None) -> None:
    """No event handler, javascript: URL or inline script made it into the page as markup.

    If `payload_text` is given, it must appear as visible text (escaped, not dropped).
    """
    parser = _Elements()
    parser.feed(html)
    assert parser.handlers == []
    assert [body for body in parser.script_bodies if body.strip()] == []
    if payload_text is not None:
        assert payload_text in "".join(parser.texts)


@pytest.fixture
def login_url():
    return reverse("admin:login")
