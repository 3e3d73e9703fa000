"""The admin presents itself as MedRef's editorial site."""

import re

import pytest
from django.urls import reverse


def title_and_header(html: str) -> tuple[str, str]:
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    header = re.search(r'<div id="site-name">(.*?)</div>', html, re.S).group(1)
    return " ".join(title.split()), re.sub(r"<[^>]+>", "", header).strip()


@pytest.mark.django_db
class BrandingTests:
    def test_login_page_names_the_editorial_site(self, client):
        """Someone signing in sees where they are signing in."""
        title, header = title_and_header(client.get(reverse("admin:login")).content.decode())
        assert title.endswith("| MedRef editorial")
        assert header == "MedRef editorial"

    def test_index_names_the_editorial_site(self, client, contributor):
        """Every admin page carries the MedRef editorial name, not Django's."""
        client.force_login(contributor)
        html = client.get(reverse("admin:index")).content.decode()
        title, header = title_and_header(html)
        assert title == "Editorial work | MedRef editorial"
        assert header == "MedRef editorial"
        assert "Django administration" not in html
