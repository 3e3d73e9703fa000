"""sitemap.xml: every published monograph (last modified at its last approval) and the listings."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from monographs.models import SearchDocument
from monographs.public.links import class_slug


class SiteSitemap(Sitemap):
    """URLs on the canonical SITE_URL, whatever host the request came in on (it is cached)."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class MonographSitemap(SiteSitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return SearchDocument.objects.order_by("slug").values_list("slug", "reviewed_at")

    def location(self, item):
        return reverse("monographs:drug_detail", kwargs={"slug": item[0]})

    def lastmod(self, item):
        return item[1]


class ClassSitemap(SiteSitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        """One entry per class page, last modified when one of its monographs last was."""
        latest: dict[str, object] = {}
        rows = (
            SearchDocument.objects.exclude(drug_class="")
            .values_list("drug_class")
            .annotate(last=Max("reviewed_at"))
            .order_by()
        )
        for drug_class, last in rows:
            slug = class_slug(drug_class)
            if slug and (slug not in latest or latest[slug] < last):
                latest[slug] = last
        return sorted(latest.items())

    def location(self, item):
        return reverse("monographs:class_detail", kwargs={"slug": item[0]})

    def lastmod(self, item):
        return item[1]


class ListingSitemap(SiteSitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return ["monographs:home", "monographs:drug_index", "monographs:class_list"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {"pages": ListingSitemap, "monographs": MonographSitemap, "classes": ClassSitemap}
