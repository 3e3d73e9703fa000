"""Read an admin page's form the way a browser would, so tests can submit exactly what it sends."""

from html.parser import HTMLParser

from django.forms import CheckboxInput, CheckboxSelectMultiple
from django.urls import reverse

from monographs.models import Drug

SKIPPED_INPUT_TYPES = {"submit", "button", "image", "reset", "file"}


class _FormFields(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._option: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in SKIPPED_INPUT_TYPES:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._option = {"value": attrs.get("value"), "selected": "selected" in attrs, "t": []}

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)
        if self._option is not None:
            self._option["t"].append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form = False
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # Browsers drop the single newline that follows <textarea>.
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "option" and self._option is not None:
            option = self._option
            value = option["value"] if option["value"] is not None else "".join(option["t"])
            self._options.append((value, option["selected"]))
            self._option = None
        elif tag == "select" and self._select is not None:
            selected = [value for value, is_selected in self._options if is_selected]
            for value in selected:
                self.fields.append((self._select, value))
            self._select = None


def form_data(html: str, form_id: str = "drug_form") -> dict[str, list[str]]:
    """The fields the browser would submit from the form `form_id` of `html`."""
    parser = _FormFields(form_id)
    parser.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in parser.fields:
        if "__prefix__" in name:
            continue
        data.setdefault(name, []).append(value)
    return data


def change_url(drug) -> str:
    return reverse("admin:monographs_drug_change", args=[drug.pk])


def open_change_form(client, drug) -> dict[str, list[str]]:
    """GET the drug's change form and return what saving it unchanged would POST."""
    response = client.get(change_url(drug))
    assert response.status_code == 200
    return form_data(response.content.decode())


def inline_index(data: dict, prefix: str, pk: int) -> int:
    """The position of row `pk` in inline formset `prefix` of the submitted data."""
    for index in range(int(data[f"{prefix}-TOTAL_FORMS"][0])):
        if data.get(f"{prefix}-{index}-id") == [str(pk)]:
            return index
    raise AssertionError(f"{prefix} row {pk} is not in the form")


def set_field(data: dict, name: str, value: str) -> dict:
    data[name] = [value]
    return data


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
