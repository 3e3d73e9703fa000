"""What crawlers read: robots.txt and sitemap.xml."""

from django.conf import settings
from django.contrib.sitemaps.views import sitemap
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from monographs.public.page_cache import cached_public_page
from monographs.public.sitemaps import SITEMAPS


@require_safe
def robots_txt(request):
    """Crawlers may read everything public but the admin; the sitemap lists the monographs."""
    context = {"sitemap_url": settings.SITE_URL + reverse("sitemap")}
    response = render(request, "robots.txt", context, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
@cached_public_page(params=("p",))
def sitemap_xml(request):
    """Every published monograph and the listing pages, rendered now so it can be cached."""
    return sitemap(request, sitemaps=SITEMAPS).render()
