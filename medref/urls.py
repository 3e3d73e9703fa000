from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from medref.floor import floor_page
from monographs.views.editor import markdown_preview
from monographs.views.robots import robots_txt, sitemap_xml

urlpatterns = [
    # markdownx's own endpoints check no login and sanitize nothing: ours replace them.
    path("admin/markdown-preview/", markdown_preview, name="markdownx_markdownify"),
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap_xml, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("", include("monographs.urls")),
]

if settings.MEDREF_BENCHMARK_FLOOR:
    # bench/run.py's floor: a monograph page's own bytes, without database or template.
    urlpatterns.insert(0, path("_floor/drugs/<slug:slug>/", floor_page, name="benchmark_floor"))
